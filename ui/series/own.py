"""A visitor's own series on the time-series page: a CSV file or pasted numbers read (every
refusal shown as plain text), the column chosen, what was done to it said, and the four readers
trained live in the server's one training queue (serving/training.py), owned by this session.
Their trained forecasters then get the same views as a shipped series."""

from __future__ import annotations

import secrets

import numpy as np
import streamlit as st

from charts.series import training_figure
from models.series.data import guess_season, train_size
from models.series.visitor import SeriesInputError, VisitorSeries
from serving.series_training import SeriesJob, SeriesSettings, series_job
from serving.training import Estimate, Run, TrainingRuns, watching
from ui.cache.series import method_styles, read_text, read_upload
from ui.cache.training import training_runs
from ui.common.figures import show_figure
from ui.common.glossary import glossary_help
from ui.common.stop_button import show_stop_button
from ui.common.text import escape_markdown, inline_code, plain
from ui.common.theme import current_theme
from ui.series.choice import (
    CUT_KEY,
    HOW_KEY,
    LINK_VALUES,
    PASTE,
    PASTE_KEY,
    UPLOAD,
    Shown,
    keep_pasted,
)

EPOCHS = (2, 60, 30)  # slider: least, most, first shown
POLL_S = 2.0
LINK_NOTE = (
    "An uploaded file cannot travel in a link: whoever opens this page's address sees the "
    "upload box empty. Pasted numbers (up to {limit}) do travel."
)


def visitor() -> str:
    """This session's id: a run belongs to the session (the tab) that asked for it. The same
    key as the digits page's, so one visitor has one run in the queue across both pages."""
    if "train_visitor" not in st.session_state:
        st.session_state["train_visitor"] = secrets.token_hex(8)
    return st.session_state["train_visitor"]


def read_own() -> VisitorSeries | None:
    """The visitor's series, read from a file or pasted text; None (with the reason shown as
    plain text) when there is none or it cannot be read."""
    if st.session_state.get(HOW_KEY) not in (PASTE, UPLOAD):
        st.session_state[HOW_KEY] = UPLOAD
    how = st.radio("Bring your series", (UPLOAD, PASTE), horizontal=True, key=HOW_KEY)
    try:
        if how == UPLOAD:
            return read_file()
        return read_paste()
    except SeriesInputError as error:
        st.error(escape_markdown(str(error)), icon=":material/error:")
        return None


def read_file() -> VisitorSeries | None:
    upload = st.file_uploader(
        "A CSV file: one column of numbers, or several (you pick one); dates or an index "
        "label the values",
        type=["csv", "txt"],
        key="series_upload",
    )
    st.caption(LINK_NOTE.format(limit=LINK_VALUES))
    if upload is None:
        return None
    st.markdown(f"File: {inline_code(upload.name)}")
    data = upload.getvalue()
    column = st.session_state.get("series_column")
    try:
        found = read_upload(data, column)
    except SeriesInputError:
        if column is None:
            raise
        st.session_state.pop("series_column", None)  # a column another file had
        found = read_upload(data, None)
    if len(found.numeric_columns) > 1:
        st.selectbox(
            "Column to forecast",
            found.numeric_columns,
            index=found.numeric_columns.index(found.column),
            key="series_column",
            format_func=plain,
        )
        chosen = st.session_state["series_column"]
        if chosen != found.column:
            found = read_upload(data, chosen)
    return found


def read_paste() -> VisitorSeries | None:
    st.session_state["series_paste_box"] = st.session_state.get(PASTE_KEY, "")
    st.text_area(
        f"Numbers, oldest first, separated by spaces, commas or new lines (at least 60; up to "
        f"{LINK_VALUES} are kept, so the page's address can carry them)",
        key="series_paste_box",
        on_change=lambda: keep_pasted(st.session_state["series_paste_box"]),
        height=120,
    )
    if total := st.session_state.pop(CUT_KEY, None):
        st.info(
            f"You pasted {total:,} numbers: only the last {LINK_VALUES} were kept (a link can "
            "carry no more). For a longer series, upload a CSV file."
        )
    text = st.session_state.get(PASTE_KEY, "")
    if not text.strip():
        return None
    return read_text(text)


def show_read(found: VisitorSeries) -> int:
    """What was read, and the season guessed; returns the season."""
    season = guess_season(found.values[: train_size(len(found.values))])
    labels = f", labelled by column {inline_code(found.label_column)}" if found.label_column else ""
    st.markdown(
        f"Read {len(found.values):,} values from column {inline_code(found.column)}{labels}. "
        f"Season guessed from the training part: "
        + (f"{season} steps." if season > 1 else "none found (the seasonal naive is the naive)."),
        help=glossary_help("season"),
    )
    for note in found.notes:
        st.info(escape_markdown(note), icon=":material/info:")
    return season


def own_labels(found: VisitorSeries) -> tuple[str, ...]:
    if found.labels is not None:
        return tuple(plain(label, 40) for label in found.labels)
    return tuple(str(i + 1) for i in range(len(found.values)))


def train_own(found: VisitorSeries, season: int) -> Shown | None:
    """The live training of the four readers on this series; its trained forecasters once a run
    of these settings has finished on this server."""
    st.subheader("Train the four readers on it")
    epochs = st.slider(
        "Epochs",
        EPOCHS[0],
        EPOCHS[1],
        EPOCHS[2],
        key="series_epochs",
        help=glossary_help("epoch"),
    )
    job = series_job(found.values, season, epochs)
    runs = training_runs()
    me = visitor()
    act_on_clicks(runs, me)
    estimate = runs.estimate(job.settings, job)
    st.caption(
        f"All four readers, {epochs} epochs each, from scratch on the first 80%: "
        f"{seconds_text(estimate)} once the run starts ({estimate.source}). The server trains "
        "one run at a time, yours or another visitor's (the digits page trains in the same "
        "queue); only you can stop yours."
    )
    st.button(
        "Train all four from scratch",
        icon=":material/model_training:",
        key="series_train_go",
        on_click=note_request,
        args=(job,),
    )
    if st.session_state.pop("series_train_refused", False):
        st.warning("Your run is still training: stop it first to train another.")
    run = shown_run(runs, job.settings)
    show_stop_button(run, me, "series_train_stop")
    if run is None:
        st.caption("Nothing trained on this series with these epochs on this server yet.")
        return None
    if not run.done:
        follow_run(job.settings, (run.number, run.state))
        return None
    show_status(runs, me, run)
    if run.result is None:
        return None
    show_history(run)
    return Shown(
        f"run-{run.number}",
        "Your own series",
        run.result,
        own_labels(found),
        "",
        np.asarray(found.filled, bool),
        False,
    )


def note_request(job: SeriesJob) -> None:
    st.session_state["series_train_requested"] = job


def act_on_clicks(runs: TrainingRuns, me: str) -> None:
    """The request, after every stop of the run (see ui/digits/training_views.py)."""
    job = st.session_state.pop("series_train_requested", None)
    if job is not None:
        answer = runs.ask(me, job.settings, job)
        st.session_state["series_mine"] = answer
        st.session_state["series_train_refused"] = (
            answer.owner == me and answer.settings != job.settings
        )


def shown_run(runs: TrainingRuns, settings: SeriesSettings) -> Run | None:
    """This session's own run of these settings while it waits or trains, else one that
    finished on this server, else another visitor's run of them that waits or trains, else its
    own that ended."""
    mine = st.session_state.get("series_mine")
    if mine is not None and mine.settings == settings and not mine.done:
        return mine
    if settings in runs.finished:
        return runs.finished[settings]
    live = [runs.current, *runs.waiting]
    same = next((r for r in live if r is not None and r.live and r.settings == settings), None)
    if same is not None:
        return same
    return mine if mine is not None and mine.settings == settings else None


def seconds_text(estimate: Estimate) -> str:
    seconds = estimate.seconds
    amount = f"{seconds / 60:.0f} min" if seconds >= 90 else f"{max(seconds, 1):.0f} s"
    return f"{'up to ' if estimate.upper_bound else ''}about {amount}"


@st.fragment(run_every=POLL_S)
def follow_run(settings: SeriesSettings, drawn: tuple) -> None:
    """Redrawn every two seconds while the run waits or trains; the whole page once it ends."""
    runs = training_runs()
    me = visitor()
    act_on_clicks(runs, me)
    run = shown_run(runs, settings)
    if run is None or (run.number, run.state) != drawn:
        st.rerun()
    with watching():
        show_status(runs, me, run)
        if run.history:
            show_history(run)


def show_status(runs: TrainingRuns, me: str, run: Run) -> None:
    state = run.state
    whose = "Your run" if run.owner == me else "A run of the same series, asked by another visitor,"
    where = ""
    if state == "waiting":
        position = runs.position(run)
        where = f", number {position} in the queue" if position else ""
    left = f"; {seconds_text(runs.left(run))} left" if state in ("waiting", "training") else ""
    st.text(f"{whose} no. {run.number} is {state}{where}{left}.")
    last = run.history[-1] if run.history else None
    text = f"{state.capitalize()}"
    if last is not None and state != "finished":
        label = method_styles()[last.reader].label
        text += f": {label}, epoch {last.epoch} of {run.settings.epochs}"
    st.progress(run.progress, text=text)
    if run.error:
        st.error(f"The run failed: {escape_markdown(run.error)}")
    current = runs.current
    if current is not None and not current.done and current is not run:
        st.caption(f"The server is training run no. {current.number} first ({current.job.label}).")


def show_history(run: Run) -> None:
    """Each reader's held-out error after every epoch so far."""
    history = list(run.history)
    styles = method_styles()
    epochs: dict[str, list[int]] = {}
    maes: dict[str, list[float]] = {}
    for report in history:
        epochs.setdefault(report.reader, []).append(report.epoch)
        maes.setdefault(report.reader, []).append(report.heldout_mae)
    job = run.job
    values = job.values if isinstance(job, SeriesJob) else np.zeros(2)
    held = values[train_size(len(values)) :]
    before = values[train_size(len(values)) - 1 : -1]
    naive = float(np.mean(np.abs(held - before)))
    show_figure(
        training_figure(epochs, maes, naive, styles, current_theme()),
        key="series_training",
        alt="Each reader's held-out error after every epoch of this run, beside the naive "
        "forecast's",
    )
    finals = {r.reader: r for r in history}
    st.caption(
        "After the last epoch: "
        + "; ".join(
            f"{styles[n].label} {r.heldout_mae:.4g} after {r.epoch} epochs, "
            f"{r.seconds / r.epoch:.2f} s an epoch"
            for n, r in finals.items()
        )
        + f". The held-out part only scores each epoch; it never steers the training. "
        f"Naive forecast: {naive:.4g}."
    )
