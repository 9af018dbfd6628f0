"""Live training of the digit readers: one queue for the server, one run per visitor, runs that
belong to whoever asked, stops that only they make, estimates from this server's pace, and a
training thread that stays out of other visitors' way."""

from __future__ import annotations

import os
import threading
import time

import pytest

from bench.harness.apptest import open_page
from models.digits.training import TrainSettings
from serving.training import (
    NICENESS,
    SCRIPT_THREAD,
    Run,
    TrainingRuns,
    give_way,
    pace_key,
    pages_running,
    watching,
)
from tests.helpers.apptest import figure_elements, texts
from ui.common.pages import DIGITS, LSTM

PAGE = DIGITS
LONG = TrainSettings(epochs=12, hidden=16, train_limit=2000)  # long enough to be stopped


def wait_until(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def wait_done(run: Run, timeout: float = 120.0) -> None:
    wait_until(lambda: run.done, timeout)


def long(seed: int) -> TrainSettings:
    return TrainSettings(epochs=12, hidden=16, train_limit=2000, seed=seed)


def end_all(runs: TrainingRuns) -> None:
    for run in [*runs.waiting, runs.current]:
        if run is not None:
            runs.stop(run.owner, run)
    if runs.current is not None:
        wait_done(runs.current)


def test_a_run_trains_every_reader_records_each_epoch_and_is_kept_by_settings() -> None:
    runs = TrainingRuns()
    settings = TrainSettings(epochs=2, hidden=16, train_limit=300)
    run = runs.ask("a", settings)
    wait_done(run)
    assert run.error is None and not run.stopped and run.owner == "a"
    assert [(r.reader, r.epoch) for r in run.history] == [
        (reader, epoch) for epoch in (1, 2) for reader in settings.readers
    ]
    assert run.progress == 1.0
    assert sorted(run.filters) == [1, 2] and run.filters[2].shape == (16, 5, 5)
    assert sorted(run.gradients) == [1, 2]  # the moments of a two-epoch run
    assert set(run.gradients[2]) == {"lstm", "gru", "rnn"}
    assert runs.ask("b", settings) is run  # the same settings: the finished run, not a new one
    assert runs.latest() is run


def test_only_the_visitor_who_asked_stops_a_run() -> None:
    runs = TrainingRuns()
    run = runs.ask("a", LONG)
    try:
        wait_until(lambda: run.history)
        assert not runs.stop("b", run)  # another visitor's stop does nothing
        assert run.state == "training" and not run.stop.is_set()
        assert runs.stop("a", run)
        wait_done(run)
        assert run.stopped and run.settings not in runs.finished
        assert len(run.history) < 12 * 4
    finally:
        end_all(runs)


def test_one_run_per_visitor_and_the_queue_is_first_come_first_served() -> None:
    runs = TrainingRuns()
    first = runs.ask("a", long(1))
    try:
        assert runs.ask("a", long(2)) is first  # theirs trains: not a second one
        b = runs.ask("b", long(2))
        c = runs.ask("c", long(3))
        assert (runs.position(b), runs.position(c), runs.position(first)) == (1, 2, None)
        b_again = runs.ask("b", long(4))  # b asks again while theirs waits: replaced, in place
        assert b_again is not b and b.state == "stopped" and not b.history
        assert runs.waiting == [b_again, c]
        assert runs.ask("d", long(3)) is c  # the same settings as a waiting run: that run
        assert runs.waiting == [b_again, c]
        order = []
        for owner, run in (("a", first), ("b", b_again), ("c", c)):
            wait_until(lambda run=run: run.state == "training")
            order.append(runs.current.owner)
            runs.stop(owner, run)
            wait_done(run)
        assert order == ["a", "b", "c"]
    finally:
        end_all(runs)


def test_start_stop_start_loses_no_click() -> None:
    runs = TrainingRuns()
    first = runs.ask("a", LONG)
    try:
        runs.stop("a", first)
        again = runs.ask("a", LONG)  # at once, while the first is still stopping
        assert again is not first and again.state == "waiting"
        wait_until(lambda: again.state == "training")
        assert first.stopped
    finally:
        end_all(runs)


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="Linux thread priorities")
def test_the_training_thread_runs_below_the_pages_priority() -> None:
    runs = TrainingRuns()
    run = runs.ask("a", LONG)
    try:
        wait_until(lambda: run.thread_id is not None)
        assert os.getpriority(os.PRIO_PROCESS, run.thread_id) == NICENESS
        assert os.getpriority(os.PRIO_PROCESS, 0) == 0  # the process (every page) is not lowered
    finally:
        end_all(runs)


def test_between_batches_a_run_waits_for_a_page_being_computed() -> None:
    """A page's script runs in a thread streamlit names: while one runs, the training thread
    waits before its next batch; a thread that only redraws a run's progress does not count."""
    release, inside = threading.Event(), threading.Event()

    def page(watch: bool) -> None:
        if watch:
            with watching():
                inside.set()
                release.wait()
        else:
            release.wait()

    watcher = threading.Thread(target=page, args=(True,), name=SCRIPT_THREAD)
    watcher.start()
    try:
        assert inside.wait(10)
        assert not pages_running()
        visitor = threading.Thread(target=page, args=(False,), name=SCRIPT_THREAD)
        visitor.start()
        assert pages_running()
        batch = threading.Thread(target=give_way, args=(60.0,))
        batch.start()
        batch.join(0.3)
        assert batch.is_alive()  # still waiting for the page
        release.set()
        batch.join(10)
        assert not batch.is_alive()
    finally:
        release.set()


def test_estimates_come_from_this_servers_pace_and_count_the_queue() -> None:
    runs = TrainingRuns()
    quick = TrainSettings(epochs=1, hidden=32, train_limit=300)
    shipped = runs.estimate(quick)
    assert "not measured on this server" in shipped.source
    run = runs.ask("a", quick)
    wait_done(run)
    pace = run.pace()
    assert pace > 0 and runs.paces[(32, 300, 4)] == pace
    twice = TrainSettings(epochs=2, hidden=32, train_limit=300, seed=5)
    measured = runs.estimate(twice)
    assert measured.seconds == pytest.approx(2 * 4 * pace) and not measured.upper_bound
    smaller = runs.estimate(TrainSettings(epochs=2, hidden=16, train_limit=300))
    assert smaller.upper_bound and smaller.seconds == pytest.approx(2 * 4 * pace)
    training = runs.ask("a", long(1))
    try:
        waiting = runs.ask("b", twice)
        wait_until(lambda: len(training.history) >= 2)
        own = runs.left(training)  # from the run's own pace, as it goes
        assert own.seconds == pytest.approx(training.pace() * (48 - len(training.history)))
        queued = runs.left(waiting)
        assert queued.seconds > runs.left(training).seconds + 2 * 4 * pace * 0.99
    finally:
        end_all(runs)


def page_for(runs: TrainingRuns, monkeypatch, hidden: int, epochs: int):
    import ui.digits.training_views

    monkeypatch.setattr(ui.digits.training_views, "training_runs", lambda: runs)
    at = open_page(PAGE, {"section": "training"})
    at.select_slider(key="train_hidden").set_value(hidden).run()
    at.slider(key="train_epochs").set_value(epochs).run()
    return at


def bars(at) -> list[str]:
    return [bar.proto.text for bar in at.get("progress")]


def plain_texts(at) -> list[str]:
    return [element.value for element in at.text] + texts(at)


def test_the_page_starts_a_run_and_shows_its_curves(monkeypatch) -> None:
    runs = TrainingRuns()
    at = page_for(runs, monkeypatch, 32, 1)
    at.select_slider(key="train_rate").set_value(0.005).run()
    at.toggle(key="train_scrambled").set_value(True).run()
    assert not any("1 epochs" in text for text in plain_texts(at))
    assert any("1 epoch, scrambled rows takes " in text for text in texts(at))
    at.button(key="train_go").click().run()
    assert not at.exception
    run = runs.latest()
    assert run.settings == TrainSettings(epochs=1, hidden=32, learning_rate=0.005, scrambled=True)
    wait_done(run)
    at.run()
    assert not at.exception
    finished = "Finished: 4 readers, 1 epoch each, one after another"
    assert any(finished in text for text in bars(at)), bars(at)
    keys = {chart.proto.id.rsplit("-", 1)[-1] for chart in figure_elements(at)}
    assert {"train_by_epoch", "train_by_seconds", "train_gradients"} <= keys
    assert any("after 1 epoch" in text for text in texts(at))
    assert not any("1 epochs" in text for text in plain_texts(at))


def test_another_visitors_run_is_watched_not_stopped_nor_taken_for_yours(monkeypatch) -> None:
    runs = TrainingRuns()
    teacher = page_for(runs, monkeypatch, 32, 1)
    pupil = page_for(runs, monkeypatch, 64, 1)
    teacher.button(key="train_go").click().run()
    run = runs.latest()
    pupil.run()
    assert not pupil.exception
    assert not [b for b in pupil.button if b.key == "train_stop"]  # not theirs to stop
    assert [b for b in teacher.button if b.key == "train_stop"]
    settings = "(32 units, rate 0.002, 1 epoch, plain rows)"
    wanted = f"Another visitor's run no. {run.number} {settings} is training"
    assert any(wanted in text for text in plain_texts(pupil)), plain_texts(pupil)
    assert all(text.startswith("Another visitor's run, ") for text in bars(pupil)), bars(pupil)
    wait_done(run)
    pupil.run()
    assert not any(text.startswith("Finished") for text in bars(pupil)), bars(pupil)
    assert any("Nothing trained with your settings" in text for text in texts(pupil))
    pupil.select_slider(key="train_hidden").set_value(32).run()  # now the same settings
    assert any(text.startswith("Finished: ") for text in bars(pupil))
    assert any("finished earlier on this server" in text for text in plain_texts(pupil))


def test_stop_then_train_again_on_the_page_queues_the_new_run(monkeypatch) -> None:
    runs = TrainingRuns()
    at = page_for(runs, monkeypatch, 128, 12)
    at.button(key="train_go").click().run()
    first = runs.latest()
    try:
        at.button(key="train_stop").click().run()
        assert first.stop.is_set()
        at.button(key="train_go").click().run()
        assert not at.exception
        second = at.session_state["train_mine"]
        assert second is not first and second.live
        assert any(f"Your run no. {second.number} (128 units" in t for t in plain_texts(at))
        wait_done(first)
        wait_until(lambda: second.state == "training")
    finally:
        end_all(runs)


def test_a_stop_and_a_train_that_reach_the_server_together_both_take_effect(monkeypatch) -> None:
    """Stop pressed, then Train, while the page was busy: streamlit folds both clicks into one
    run. The stop comes first, so the new run is queued rather than refused."""
    runs = TrainingRuns()
    at = page_for(runs, monkeypatch, 128, 12)
    at.button(key="train_go").click().run()
    first = runs.latest()
    try:
        at.button(key="train_stop").click()
        at.button(key="train_go").click().run()  # one run with both clicks
        assert not at.exception
        second = at.session_state["train_mine"]
        assert first.stop.is_set()
        assert second is not first and second.live
        wait_until(lambda: second.state == "training")
    finally:
        end_all(runs)


def test_the_stop_button_stops_a_run_from_the_page(monkeypatch) -> None:
    runs = TrainingRuns()
    at = page_for(runs, monkeypatch, 128, 12)
    at.button(key="train_go").click().run()
    run = runs.latest()
    assert not run.done
    wait_until(lambda: run.history)  # one epoch measured, so the bar has a reader to name
    at.button(key="train_stop").click().run()
    wait_done(run)
    assert run.stopped and len(run.history) < 12 * 4
    at.run()
    last = run.history[-1]
    number = list(run.settings.readers).index(last.reader) + 1
    wanted = f"(reader {number} of 4), epoch {last.epoch} of 12"
    assert any(t.startswith("Stopped: ") and wanted in t for t in bars(at)), bars(at)


def test_another_visitors_page_is_answered_while_a_run_trains() -> None:
    runs = TrainingRuns()
    run = runs.ask("a", TrainSettings(epochs=12, hidden=128))  # about half a minute
    try:
        started = time.monotonic()
        at = open_page(LSTM)  # another session, another page
        elapsed = time.monotonic() - started
        assert not at.exception
        assert any("What the model reads" in text for text in texts(at))
        assert not run.done, f"the run ended before the page was answered ({elapsed:.1f} s)"
    finally:
        end_all(runs)


def test_a_first_epoch_slower_than_the_pace_kept_here_never_counts_down_to_nothing() -> None:
    runs = TrainingRuns()
    settings = TrainSettings(epochs=2, hidden=16, train_limit=300)
    runs.paces[pace_key(settings)] = 0.01  # the earlier runs here: 0.01 s a reader-epoch
    run = Run(settings, "me")
    run.began = time.monotonic() - 5.0  # its first epoch has taken 5 s so far
    left = runs.left(run)
    assert left.seconds > 30 and "busy" in left.source  # 5 s for 1 of 8 steps: ~35 s more


def test_an_estimate_from_larger_runs_names_their_units() -> None:
    runs = TrainingRuns()
    runs.paces[pace_key(TrainSettings(epochs=4, hidden=64))] = 1.0
    estimate = runs.estimate(TrainSettings(epochs=1, hidden=32))
    assert estimate.upper_bound and estimate.source.endswith("by runs of 64 units")
