"""The digits page's "Watch them learn": settings, a run started on request, and its progress
read every second while it trains (the run itself trains in its own thread)."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from charts.digits import row_gradient_figure, training_figure
from imaging.maps import colorize, tile, upscale_nearest
from models.digits.training import TrainSettings
from ui.digits_cache import digit_styles
from ui.digits_training import Run, digit_epoch_seconds, training_runs

HIDDEN = (32, 64, 128)
RATES = (0.0005, 0.001, 0.002, 0.005)
MAX_EPOCHS = 12  # all four on 4,000 digits: about 30 s at 128 units on one core


def choose_settings() -> TrainSettings:
    columns = st.columns(4)
    hidden = columns[0].select_slider("Units (or dense size)", HIDDEN, 64, key="train_hidden")
    rate = columns[1].select_slider("Learning rate", RATES, 0.002, key="train_rate")
    epochs = columns[2].slider("Epochs", 1, MAX_EPOCHS, 4, key="train_epochs")
    scrambled = columns[3].toggle("Scrambled rows", key="train_scrambled")
    return TrainSettings(epochs=epochs, hidden=hidden, learning_rate=rate, scrambled=scrambled)


def show_training() -> None:
    st.header("Watch them learn")
    st.markdown(
        "Train all four readers from scratch on this server, on the same 4,000 digits in the "
        "same batches, and watch their held-out accuracy climb. One run at a time for the whole "
        "server: if someone else's run is going, you see theirs; a run already finished with "
        "your settings is shown at once."
    )
    settings = choose_settings()
    # The last measured seconds per epoch (a live run, or the shipped training at 128 units),
    # plus about a third for scoring the held-out digits
    # after every epoch and the gradient snapshots.
    per_epoch = sum(digit_epoch_seconds()[0].values()) * 1.3
    st.caption(
        f"Up to about {per_epoch * settings.epochs:.0f} s on one core for {settings.epochs} "
        "epochs (less with fewer units); the page stays usable meanwhile."
    )
    runs = training_runs()
    if st.button("Train all four from scratch", icon=":material/model_training:", key="train_go"):
        runs.start(settings)
    run = runs.latest()
    if run is None:
        st.caption("Nothing trained on this server yet.")
        return
    if run.settings != settings and not run.done:
        st.info("Someone's run with other settings is training; here it is as it goes.")
    if run.done:
        show_run(run)
    else:
        follow_run()


@st.fragment(run_every=2.0)
def follow_run() -> None:
    """Redrawn every two seconds while a run trains, lightly (a class may be watching the same
    run, all in this one process); once it ends, the whole page is drawn again, in full."""
    run = training_runs().latest()
    if run is None or run.done:
        st.rerun()
    show_progress(run, list(run.history))
    show_accuracy_by_epoch(st, run, list(run.history))


def show_progress(run: Run, history: list) -> None:
    """The progress bar, what is training now, and the stop button while it trains."""
    settings = run.settings
    last = history[-1] if history else None
    status = (
        "finished" if run.done and not run.stopped else "stopped" if run.stopped else "training"
    )
    readers = list(settings.readers)
    if status == "finished":
        epochs = f"{settings.epochs} epoch{'s' if settings.epochs > 1 else ''}"
        where = f"{len(readers)} readers, {epochs} each, one after another"
    elif last:
        label = digit_styles()[last.reader].label
        where = (
            f"{label} (reader {readers.index(last.reader) + 1} of {len(readers)}), "
            f"epoch {last.epoch} of {settings.epochs}"
        )
    else:
        where = "starting"
    st.progress(run.progress, text=f"{status.capitalize()}: {where}")
    if run.error:
        st.error(f"The run failed: {run.error}")
    if not run.done and st.button("Stop this run", key="train_stop"):
        run.stop.set()


def show_accuracy_by_epoch(place: DeltaGenerator, run: Run, history: list) -> None:
    styles = {n: s for n, s in digit_styles().items() if n in run.settings.readers}
    place.plotly_chart(
        training_figure(
            history, styles, "epoch", "accuracy", "held-out accuracy", run.settings.epochs
        ),
        width="stretch",
        key="train_by_epoch",
        alt="Held-out accuracy of each reader after every epoch of this run",
    )


def show_run(run: Run) -> None:
    """A finished (or stopped) run in full: curves, the latest figures and snapshots."""
    history = list(run.history)
    settings = run.settings
    last = history[-1] if history else None
    show_progress(run, history)
    styles = {n: s for n, s in digit_styles().items() if n in settings.readers}
    left, middle, right = st.columns(3)
    show_accuracy_by_epoch(left, run, history)
    middle.plotly_chart(
        training_figure(
            history, styles, "seconds", "accuracy", "held-out accuracy", settings.epochs
        ),
        width="stretch",
        key="train_by_seconds",
        alt="Held-out accuracy of each reader against its own seconds of training",
    )
    right.plotly_chart(
        training_figure(history, styles, "epoch", "loss", "training loss", settings.epochs),
        width="stretch",
        key="train_loss",
        alt="Each reader's mean training loss in every epoch of this run",
    )
    right.caption(
        "A row reader's loss also counts its guess after every row, so it sits above the CNN's."
    )
    if last is not None:
        finals = {r.reader: r for r in history}  # the last epoch of each reader so far
        st.caption(
            "So far: "
            + "; ".join(
                f"{styles[n].label} {r.accuracy:.1%} after {r.epoch} epoch"
                f"{'' if r.epoch == 1 else 's'}, {r.seconds / r.epoch:.2f} s an epoch"
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
        scaled = [(w - w.min()) / (w.max() - w.min() or 1) for w in weights]
        picture = tile(np.stack([upscale_nearest(colorize(s), 40) for s in scaled]), 8, 2, 255)
        left.image(
            picture,
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
        right.plotly_chart(
            row_gradient_figure(run.gradients[epoch], digit_styles()),
            width="stretch",
            key="train_gradients",
            alt=f"Each row reader's gradient by row after epoch {epoch} of this run",
        )
        right.caption(
            f"After epoch {epoch}: how much each row moves the verdict (median over 200 held-out "
            f"digits). Measured at epochs {', '.join(map(str, sorted(run.gradients)))}."
        )
