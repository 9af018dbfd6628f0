"""The serving room without a browser: the one store of profiles every session shares."""

from __future__ import annotations

import threading

from models.cnn.registry import load_cnn
from models.sequence.registry import load_sequence_model
from serving.profiles import ProfileStore
from tests.helpers.profile_plan import SMALL_PLAN


def models() -> tuple[dict, dict]:
    return {"squeezenet1_1": load_cnn("squeezenet1_1")}, {"lstm": load_sequence_model("lstm")}


def test_a_measurement_is_kept_for_every_session_with_its_plan_and_duration() -> None:
    store, (cnns, readers) = ProfileStore(), models()
    progress: list[tuple[float, str]] = []
    assert store.measure(
        SMALL_PLAN, cnns, readers, lambda done, model: progress.append((done, model))
    )
    assert progress[-1][0] == 1.0 and {model for _, model in progress} == {"squeezenet1_1", "lstm"}
    assert store.report is not None and store.finished is not None
    assert set(store.seconds) == {SMALL_PLAN} and store.seconds[SMALL_PLAN] > 0
    assert store.report.plan == SMALL_PLAN
    assert store.report.images.series["squeezenet1_1"][0] == list(SMALL_PLAN.image_sides)
    assert store.report.tokens.series["lstm"][0] == list(SMALL_PLAN.token_lengths)
    assert set(store.report.train_step_ms) == {"lstm"}


def test_a_second_measurement_while_one_runs_measures_nothing() -> None:
    store, (cnns, readers) = ProfileStore(), models()
    started, release = threading.Event(), threading.Event()

    def first_progress(done: float, model: str) -> None:
        started.set()
        release.wait(timeout=60)

    first = threading.Thread(target=store.measure, args=(SMALL_PLAN, cnns, readers, first_progress))
    first.start()
    assert started.wait(timeout=120)
    called: list[str] = []
    assert not store.measure(SMALL_PLAN, cnns, readers, lambda done, model: called.append(model))
    assert called == [] and store.report is None
    release.set()
    first.join(timeout=120)
    assert store.report is not None
