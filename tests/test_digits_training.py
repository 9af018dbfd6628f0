"""Live training of the digit readers: one run per server, shared, stoppable, and never in the
way of another visitor's page."""

from __future__ import annotations

import time

import pytest

from models.digits.training import TrainSettings
from tests.helpers.apptest import open_page, texts
from ui.digits_training import TrainingRuns

PAGE = "4_Digits.py"


def wait_done(run, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not run.done:
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.05)


def test_a_run_trains_every_reader_records_each_epoch_and_is_kept_by_settings() -> None:
    runs = TrainingRuns()
    settings = TrainSettings(epochs=2, hidden=16, train_limit=300)
    run = runs.start(settings)
    wait_done(run)
    assert run.error is None and not run.stopped
    assert [(r.reader, r.epoch) for r in run.history] == [
        (reader, epoch) for epoch in (1, 2) for reader in settings.readers
    ]
    assert run.progress == 1.0
    assert sorted(run.filters) == [1, 2] and run.filters[2].shape == (16, 5, 5)
    assert sorted(run.gradients) == [1, 2]  # the moments of a two-epoch run
    assert set(run.gradients[2]) == {"lstm", "gru", "rnn"}
    assert runs.start(settings) is run  # the same settings: the finished run, not a new one
    assert runs.latest() is run


def test_one_run_at_a_time_and_a_stop_ends_it() -> None:
    runs = TrainingRuns()
    first = runs.start(TrainSettings(epochs=12, hidden=16, train_limit=2000))
    other = runs.start(TrainSettings(epochs=1, hidden=32))
    assert other is first  # a second visitor sees the run that is going
    first.stop.set()
    wait_done(first)
    assert first.stopped and first.settings not in runs.finished
    assert len(first.history) < 12 * 4


def test_another_visitors_page_is_answered_while_a_run_trains(monkeypatch) -> None:
    import ui.digits_training

    runs = TrainingRuns()
    monkeypatch.setattr(ui.digits_training, "training_runs", lambda: runs)
    run = runs.start(TrainSettings(epochs=12, hidden=128))  # about half a minute
    try:
        started = time.monotonic()
        at = open_page("2_LSTM_hidden_states.py")  # another session, another page
        elapsed = time.monotonic() - started
        assert not at.exception
        assert any("What the model reads" in text for text in texts(at))
        assert not run.done, f"the run ended before the page was answered ({elapsed:.1f} s)"
    finally:
        run.stop.set()
        wait_done(run)


@pytest.mark.parametrize("epochs", [1])
def test_the_page_starts_a_run_and_shows_its_curves(epochs: int, monkeypatch) -> None:
    import ui.digits_training_views

    runs = TrainingRuns()
    monkeypatch.setattr(ui.digits_training_views, "training_runs", lambda: runs)
    at = open_page(PAGE)
    at.select_slider(key="train_hidden").set_value(32).run()
    at.slider(key="train_epochs").set_value(epochs).run()
    at.select_slider(key="train_rate").set_value(0.005).run()
    at.toggle(key="train_scrambled").set_value(True).run()
    at.button(key="train_go").click().run()
    assert not at.exception
    run = runs.latest()
    assert run.settings == TrainSettings(epochs=1, hidden=32, learning_rate=0.005, scrambled=True)
    wait_done(run)
    at.run()
    assert not at.exception
    readers = len(run.settings.readers)
    finished = f"Finished: {readers} readers, 1 epoch each, one after another"
    assert any(finished in bar.proto.text for bar in at.get("progress"))
    keys = {chart.proto.id.rsplit("-", 1)[-1] for chart in at.get("plotly_chart")}
    assert {"train_by_epoch", "train_by_seconds", "train_gradients"} <= keys
    assert any("after 1 epoch" in text for text in texts(at))


def test_the_stop_button_stops_a_run_from_the_page(monkeypatch) -> None:
    import ui.digits_training_views

    runs = TrainingRuns()
    monkeypatch.setattr(ui.digits_training_views, "training_runs", lambda: runs)
    at = open_page(PAGE)
    at.slider(key="train_epochs").set_value(12).run()
    at.select_slider(key="train_hidden").set_value(128).run()
    at.button(key="train_go").click().run()
    run = runs.latest()
    assert not run.done
    deadline = time.monotonic() + 120
    while not run.history:  # one epoch measured, so the bar has a reader to name
        assert time.monotonic() < deadline
        time.sleep(0.05)
    at.button(key="train_stop").click().run()
    wait_done(run)
    assert run.stopped and len(run.history) < 12 * 4
    at.run()
    last = run.history[-1]
    number = list(run.settings.readers).index(last.reader) + 1
    texts_ = [bar.proto.text for bar in at.get("progress")]
    wanted = f"(reader {number} of 4), epoch {last.epoch} of 12"
    assert any(t.startswith("Stopped: ") and wanted in t for t in texts_), texts_
