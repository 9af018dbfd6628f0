"""The digits page's "Watch them learn": settings, a run asked for on request (queued for the
whole server, owned by this session), and its progress read every two seconds while anything
trains (the runs themselves train in a thread of their own, see serving/training.py)."""

from __future__ import annotations

import secrets

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from charts.digits import row_gradient_figure, training_figure
from imaging.tiles import weight_tiles
from models.digits.training import TrainSettings
from serving.training import Estimate, Run, TrainingRuns, watching
from ui.cache.digits import digit_styles
from ui.cache.training import training_runs
from ui.common.figures import show_figure
from ui.common.stop_button import show_stop_button

HIDDEN = (32, 64, 128)
RATES = (0.0005, 0.001, 0.002, 0.005)
MAX_EPOCHS = 12  # all four on 4,000 digits: about 30 s at 128 units on one core
POLL_S = 2.0


def choose_settings() -> TrainSettings:
    columns = st.columns(4)
    columns[0].select_slider("Units (or dense size)", HIDDEN, 64, key="train_hidden")
    columns[1].select_slider("Learning rate", RATES, 0.002, key="train_rate")
    columns[2].slider("Epochs", 1, MAX_EPOCHS, 4, key="train_epochs")
    columns[3].toggle("Scrambled rows", key="train_scrambled")
    return chosen_settings()


def chosen_settings() -> TrainSettings:
    """The settings in the boxes (read by the buttons' callbacks too)."""
    state = st.session_state
    return TrainSettings(
        epochs=state["train_epochs"],
        hidden=state["train_hidden"],
        learning_rate=state["train_rate"],
        scrambled=state["train_scrambled"],
    )


# The Stop acts in its callback (ui/common/stop_button.py). A Train is noted in its callback
# and asked for in the script's body, after every callback of the run: two clicks that come in
# one run have their callbacks in either order, and the stop must come first, or the request
# would find the visitor's run still training.


def note_request() -> None:
    st.session_state["train_requested"] = chosen_settings()


def act_on_clicks(runs: TrainingRuns, me: str) -> None:
    settings = st.session_state.pop("train_requested", None)
    if settings is not None:
        answer = runs.ask(me, settings)
        st.session_state["train_mine"] = answer
        st.session_state["train_refused"] = answer.owner == me and answer.settings != settings


def visitor() -> str:
    """This session's id: a run belongs to the session (the tab) that asked for it."""
    if "train_visitor" not in st.session_state:
        st.session_state["train_visitor"] = secrets.token_hex(8)
    return st.session_state["train_visitor"]


def epochs_text(count: int) -> str:
    return f"{count} epoch{'' if count == 1 else 's'}"


def settings_text(settings: TrainSettings) -> str:
    rows = "scrambled" if settings.scrambled else "plain"
    return (
        f"{settings.hidden} units, rate {settings.learning_rate:g}, "
        f"{epochs_text(settings.epochs)}, {rows} rows"
    )


def seconds_text(estimate: Estimate) -> str:
    seconds = estimate.seconds
    amount = f"{seconds / 60:.0f} min" if seconds >= 90 else f"{max(seconds, 1):.0f} s"
    return f"{'up to ' if estimate.upper_bound else ''}about {amount}"


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10)
    return f"{number}{suffix or 'th'}"


def shown_run(runs: TrainingRuns, me: str, settings: TrainSettings, mine: Run | None) -> Run | None:
    """The run this session sees: the one it asked for while that waits or trains; else a
    finished run of its settings; else its own ended run; else whatever trains now. Another
    visitor's run with other settings is never shown once it ended."""
    if mine is not None and not mine.done:
        return mine
    if settings in runs.finished:
        return runs.finished[settings]
    if mine is not None and (mine.owner == me or mine.settings == settings):
        return mine
    current = runs.current
    digits = current is not None and isinstance(current.settings, TrainSettings)
    return current if digits and not current.done else None  # another page's run: a queue line


def describe(runs: TrainingRuns, me: str, settings: TrainSettings, run: Run) -> str:
    """Whose run this is for this visitor, what it does, and when it should end."""
    state = run.state
    left = seconds_text(runs.left(run))
    named = f"no. {run.number} ({settings_text(run.settings)})"  # numbered per server
    if run.owner == me:
        whose = f"Your run {named}"
    elif run.settings == settings:
        whose = f"A run with your settings, {named},"
        if state == "finished":
            return f"{whose} finished earlier on this server: here is its result."
        whose += " asked for by another visitor (only they can stop it),"
    else:
        whose = f"Another visitor's run {named}"
    if state == "waiting":
        position = runs.position(run)
        where = f"{ordinal(position)} in the queue" if position else "in the queue"
        return f"{whose} is waiting, {where}: it should end in {left}."
    if state == "training":
        text = f"{whose} is training: {left} left"
        if run.owner != me and run.settings != settings:
            text += "; a run of yours would start after it" + (
                " and the runs waiting" if runs.waiting else ""
            )
        return text + "."
    if state == "stopping":
        return f"{whose} is stopping, within a batch."
    if state == "failed":
        return f"{whose} failed."
    ended = "finished" if state == "finished" else "was stopped"
    text = f"{whose} {ended}."
    if run.settings != settings:
        text += " Your settings have changed since: train to run them."
    return text


def queue_text(runs: TrainingRuns, shown: Run | None) -> str | None:
    """The server's queue in one line, when the run training is not the one on screen."""
    current = runs.current
    if current is None or current.done or current is shown:
        return None
    waiting = len(runs.waiting)
    behind = f"; {waiting} waiting" if waiting else ""
    doing = (
        "stopping" if current.state == "stopping" else f"{seconds_text(runs.left(current))} left"
    )
    what = (
        settings_text(current.settings)
        if isinstance(current.settings, TrainSettings)
        else current.job.label
    )
    return (
        f"The server trains one run at a time. Now: run no. {current.number} "
        f"({what}), {doing}{behind}."
    )


def show_training() -> None:
    st.subheader("Watch them learn")
    st.markdown(
        "Train all four readers from scratch on this server, on the same 4,000 digits in the "
        "same batches, and watch their held-out accuracy climb. The server trains one run at a "
        "time; the others wait in one queue, first come, first served. You can have one run "
        "waiting or training: training again while yours waits replaces it in its place, and "
        "only you can stop it. Settings someone already asked for are shown at once (their "
        "run, finished, training or waiting), without a second run."
    )
    settings = choose_settings()
    runs = training_runs()
    me = visitor()
    act_on_clicks(runs, me)
    estimate = runs.estimate(settings)
    st.caption(
        f"A run of {settings_text(settings)} takes {seconds_text(estimate)} once it starts "
        f"({estimate.source}); the page stays usable meanwhile."
    )
    st.button(
        "Train all four from scratch",
        icon=":material/model_training:",
        key="train_go",
        on_click=note_request,
    )
    if st.session_state.pop("train_refused", False):
        st.warning("Your run is still training: stop it first to train other settings.")
    mine = st.session_state.get("train_mine")
    shown = shown_run(runs, me, settings, mine)
    show_stop_button(shown, me, "train_stop")
    busy = runs.current is not None and not runs.current.done
    if shown is None and not busy:
        st.caption("Nothing trained with your settings on this server yet.")
        return
    if busy or (shown is not None and not shown.done):
        follow_runs(settings, signature(runs, me, settings))
    else:
        show_status(runs, me, settings, shown)
    if shown is not None and shown.done and shown.history:
        show_run(shown)


def signature(runs: TrainingRuns, me: str, settings: TrainSettings) -> tuple:
    """What decides the page's layout: the run shown, its state, and whether any run trains."""
    shown = shown_run(runs, me, settings, st.session_state.get("train_mine"))
    current = runs.current
    return (
        (shown.number, shown.state) if shown else None,
        current.number if current is not None and not current.done else None,
    )


@st.fragment(run_every=POLL_S)
def follow_runs(settings: TrainSettings, drawn: tuple) -> None:
    """Redrawn every two seconds while a run waits or trains, lightly (a class may be watching,
    all in this one process); when the run shown changes state, the whole page is drawn again."""
    runs = training_runs()
    me = visitor()
    act_on_clicks(runs, me)
    if signature(runs, me, settings) != drawn:
        st.rerun()
    with watching():
        shown = shown_run(runs, me, settings, st.session_state.get("train_mine"))
        show_status(runs, me, settings, shown)
        if shown is not None and not shown.done and shown.history:
            show_accuracy_by_epoch(st, shown, list(shown.history))


def show_status(runs: TrainingRuns, me: str, settings: TrainSettings, run: Run | None) -> None:
    """Whose run is shown and how far it got, and the queue."""
    if run is not None:
        st.text(describe(runs, me, settings, run))
        show_progress(run, list(run.history), mine=run.owner == me or run.settings == settings)
    line = queue_text(runs, run)
    if line:
        st.caption(line)


def show_progress(run: Run, history: list, mine: bool = True) -> None:
    """The progress bar: what trains now, or how the run ended. A run that is neither this
    visitor's nor of their settings is labelled as another visitor's."""
    settings = run.settings
    last = history[-1] if history else None
    status = {"stopping": "training", "failed": "stopped"}.get(run.state, run.state)
    readers = list(settings.readers)
    if status == "finished":
        where = f"{len(readers)} readers, {epochs_text(settings.epochs)} each, one after another"
    elif status == "waiting":
        where = "in the queue"
    elif last:
        label = digit_styles()[last.reader].label
        where = (
            f"{label} (reader {readers.index(last.reader) + 1} of {len(readers)}), "
            f"epoch {last.epoch} of {settings.epochs}"
        )
    else:
        where = "starting"
    text = f"{status.capitalize()}: {where}"
    if not mine:
        text = f"Another visitor's run, {status}: {where}"
    st.progress(run.progress, text=text)
    if run.error:
        st.error(f"The run failed: {run.error}")


def show_accuracy_by_epoch(place: DeltaGenerator, run: Run, history: list) -> None:
    styles = {n: s for n, s in digit_styles().items() if n in run.settings.readers}
    show_figure(
        training_figure(
            history, styles, "epoch", "accuracy", "held-out accuracy", run.settings.epochs
        ),
        key="train_by_epoch",
        alt="Held-out accuracy of each reader after every epoch of this run",
        place=place,
    )


def show_run(run: Run) -> None:
    """An ended run in full: curves, the latest figures and snapshots."""
    history = list(run.history)
    settings = run.settings
    last = history[-1] if history else None
    styles = {n: s for n, s in digit_styles().items() if n in settings.readers}
    left, middle, right = st.columns(3)
    show_accuracy_by_epoch(left, run, history)
    show_figure(
        training_figure(
            history, styles, "seconds", "accuracy", "held-out accuracy", settings.epochs
        ),
        key="train_by_seconds",
        alt="Held-out accuracy of each reader against its own seconds of training",
        place=middle,
    )
    show_figure(
        training_figure(history, styles, "epoch", "loss", "training loss", settings.epochs),
        key="train_loss",
        alt="Each reader's mean training loss in every epoch of this run",
        place=right,
    )
    right.caption(
        "A row reader's loss also counts its guess after every row, so it sits above the CNN's."
    )
    if last is not None:
        finals = {r.reader: r for r in history}  # the last epoch of each reader so far
        st.caption(
            ("After the run: " if run.done else "So far: ")
            + "; ".join(
                f"{styles[n].label} {r.accuracy:.1%} after {epochs_text(r.epoch)}, "
                f"{r.seconds / r.epoch:.2f} s an epoch"
                for n, r in finals.items()
            )
            + "."
        )
    show_snapshots(run)


def show_snapshots(run: Run) -> None:
    left, right = st.columns(2)
    if run.filters:
        epoch = max(run.filters)
        weights = run.filters[epoch]
        left.image(
            weight_tiles(weights),
            caption=f"The CNN's 16 first-layer filters after epoch {epoch}",
            width="stretch",
            alt=f"The CNN's first-layer filters after epoch {epoch}, as 5×5 patches",
        )
    if run.gradients:
        moments = sorted(run.gradients)
        epoch = moments[-1]
        if len(moments) > 1:
            # No key: when a new moment is measured, the slider starts again on the latest.
            epoch = right.select_slider("Gradient by row after epoch", moments, moments[-1])
        show_figure(
            row_gradient_figure(run.gradients[epoch], digit_styles()),
            key="train_gradients",
            alt=f"Each row reader's gradient by row after epoch {epoch} of this run",
            place=right,
        )
        right.caption(
            f"After epoch {epoch}: how much each row moves the verdict (median over 200 held-out "
            f"digits). Measured at epoch{'s' if len(run.gradients) > 1 else ''} "
            f"{', '.join(map(str, sorted(run.gradients)))}."
        )
