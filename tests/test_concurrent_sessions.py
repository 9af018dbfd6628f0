"""Many sessions at once see exactly what each would see alone.

16 AppTest sessions of the CNN page, each uploading a different photo (samples, rotations,
crops; a quarter of them on EfficientNet), and a few LSTM page sessions with different texts
and readers, run in threads at the same time. Like the sessions of one server, they share the
process's cached models and results (st.cache_resource, st.cache_data), which are emptied
before the concurrent run so that the sessions compute them while the others read them.
Every element of every page must equal the page that session got when it ran alone.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from unittest.mock import MagicMock, patch

import streamlit as st
import streamlit.testing.v1.app_test as app_test
from PIL import Image
from streamlit import config
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

import ui.cache.cnn
import ui.cache.sequence
from bench.harness.paths import ROOT, SAMPLES
from tests.helpers.apptest import figure_elements, figure_json
from tests.helpers.bad_inputs import encode
from ui.common.pages import CNN, LSTM
from ui.text.views import CLOSE_UP_KEY, PLAY_KEY


class _SharedRuntime:
    """Stands for streamlit's Runtime class inside AppTest: the per-run swaps are ignored."""

    def __init__(self, runtime_class: type) -> None:
        object.__setattr__(self, "_runtime_class", runtime_class)

    def __getattr__(self, name: str) -> object:
        return getattr(object.__getattribute__(self, "_runtime_class"), name)

    def __setattr__(self, name: str, value: object) -> None:
        pass  # AppTest sets (and then clears) Runtime._instance on every run


@contextmanager
def concurrent_apptests() -> Iterator[None]:
    """Let AppTest sessions run in threads at once, as the sessions of one server do.

    Every AppTest run installs its own mock Runtime as the process-wide `Runtime._instance`
    and patches `config.get_option`, and undoes both when it ends. Runs in parallel would take
    each other's runtime away mid-script ("Runtime hasn't been created") and leave a patched
    config behind. Here every run shares one runtime, like a real server's sessions, and the
    config is patched once around them all.
    """
    runtime_class = app_test.Runtime
    shared = MagicMock(spec=runtime_class)
    shared.media_file_mgr = app_test.MediaFileManager(
        app_test.MemoryMediaFileStorage("/mock/media")
    )
    shared.dataframe_source_mgr = app_test.DataframeSourceManager()
    shared.cache_storage_manager = app_test.MemoryCacheStorageManager()
    components = app_test.BidiComponentManager()
    components.discover_and_register_components(start_file_watching=False)
    shared.bidi_component_registry = components
    runtime_class._instance = shared
    get_option = config.get_option
    try:
        with (
            patch_config_options({"global.appTest": True}),
            patch.object(app_test, "patch_config_options", lambda _: nullcontext()),
            patch.object(app_test, "Runtime", _SharedRuntime(runtime_class)),
        ):
            yield
    finally:
        runtime_class._instance = None
    assert config.get_option is get_option


class Overlap:
    """Wraps a function to count how many calls of it were running at the same moment."""

    def __init__(self, function: Callable[..., object]) -> None:
        self.function, self.running, self.peak = function, 0, 0
        self.lock = threading.Lock()

    def __call__(self, *args: object, **kwargs: object) -> object:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            return self.function(*args, **kwargs)
        finally:
            with self.lock:
                self.running -= 1


def forget_results() -> None:
    """Empty every cached result (traces, decoded photos, explanations), keep the models."""
    st.cache_data.clear()
    ui.cache.cnn.cnn_trace.clear()
    ui.cache.cnn.decoded_photo.clear()  # a shared resource now, not cleared with cache_data


def elements(at: AppTest) -> list[tuple[tuple[int, ...], str, bytes]]:
    """Every element of the page, in order: (position, type, serialized proto).

    Download buttons get a random id for their deferred data on every run: that id is cleared.
    """

    def walk(node: object, path: tuple[int, ...]) -> Iterator[tuple[tuple[int, ...], object]]:
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for index, child in sorted(children.items()):
                yield from walk(child, (*path, index))
        else:
            yield path, node

    found = []
    for path, node in walk(at._tree, ()):
        proto = type(node.proto)()
        proto.CopyFrom(node.proto)
        if "deferred_file_id" in proto.DESCRIPTOR.fields_by_name:
            proto.ClearField("deferred_file_id")
        found.append((path, node.type, proto.SerializeToString(deterministic=True)))
    return found


@dataclass(frozen=True)
class Outcome:
    exceptions: list[str]
    errors: list[str]
    headline: list[str]  # the CNN page's top-5 labels, or the LSTM page's token strip
    page: list[tuple[tuple[int, ...], str, bytes]]


def outcome(at: AppTest, headline: list[str]) -> Outcome:
    return Outcome(
        [exception.value for exception in at.exception],
        [error.value for error in at.error],
        headline,
        elements(at),
    )


def open_page(path: str, state: dict[str, object]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(path).run()
    return at


def top_labels(at: AppTest) -> list[str]:
    for chart in figure_elements(at):
        if chart.proto.id.endswith("cnn_top5"):
            return list(reversed(json.loads(figure_json(chart))["data"][0]["y"]))
    return []


def cnn_session(model: str, name: str, data: bytes) -> Outcome:
    at = open_page(CNN.script, {"cnn_model": model, "cnn_source": "Upload"})
    at.file_uploader[0].upload(name, data, "image/jpeg").run()
    return outcome(at, top_labels(at))


def lstm_session(model: str, text: str) -> Outcome:
    details = {PLAY_KEY: True, CLOSE_UP_KEY: True, "lstm_deeper": "words"}  # all charts drawn
    at = open_page(LSTM.script, {"lstm_model": model, "shared_text": text, **details})
    return outcome(at, [at.text[0].value] if at.text else [])


def cnn_inputs() -> list[tuple[str, str, bytes]]:
    """16 different photos as (model, file name, JPEG bytes); every fourth on EfficientNet."""
    photos = {path.stem: Image.open(path).convert("RGB") for path in sorted(SAMPLES.glob("*.jpg"))}
    variants = {f"{name}.jpg": photo for name, photo in photos.items()}
    for name in ("chelsea", "coffee", "rocket", "astronaut", "flower"):
        variants[f"{name}-turned.jpg"] = photos[name].transpose(Image.Transpose.ROTATE_90)
    for name in ("brick", "china", "coffee", "chelsea"):
        photo = photos[name]
        variants[f"{name}-left.jpg"] = photo.crop((0, 0, photo.width * 2 // 3, photo.height))
    assert len(variants) == 16
    return [
        ("efficientnet_lite0" if index % 4 == 3 else "squeezenet1_1", name, encode(photo, "JPEG"))
        for index, (name, photo) in enumerate(variants.items())
    ]


LSTM_INPUTS = [
    ("lstm", "The film was not good, but the ending was wonderful"),
    ("lstm", "I expected to hate it and I loved every minute"),
    ("lstm", "dull, slow and far too long"),
    ("gru", "not bad at all, really not bad"),
    ("cnn1d", "a wonderful cast wasted on a terrible script"),
    ("char", "The quick brown fox jumps over the lazy dog"),
]


def alone_then_together(
    jobs: list[Callable[[], Outcome]], pages_module: object, model_call: str
) -> tuple[list[Outcome], float, int]:
    """Each job run alone, one after the other, then all at once on emptied caches; every
    outcome together must equal the one alone. Returns the outcomes alone, the wall time of
    the concurrent run, and how many calls of `model_call` (the function `pages_module` runs
    the model with) overlapped at most in it."""
    overlap = Overlap(getattr(pages_module, model_call))
    with patch.object(pages_module, model_call, overlap):
        started = time.monotonic()
        alone = [job() for job in jobs]
        print(f"alone, one after the other: {time.monotonic() - started:.1f} s")
        forget_results()
        with concurrent_apptests(), ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            started = time.monotonic()
            overlap.peak = 0
            together = list(pool.map(lambda job: job(), jobs))
            wall = time.monotonic() - started
    problems = []
    for index, (one, many) in enumerate(zip(alone, together, strict=True)):
        if one.exceptions or many.exceptions:
            problems.append(f"session {index}: exceptions {one.exceptions} / {many.exceptions}")
        elif one.headline != many.headline or one.errors != many.errors:
            problems.append(f"session {index}: {one.headline} alone, {many.headline} together")
        elif one.page != many.page:
            differ = [
                f"{a[1]} at {a[0]}" for a, b in zip(one.page, many.page, strict=False) if a != b
            ]
            sizes = f"{len(one.page)} / {len(many.page)} elements"
            problems.append(f"session {index}: {sizes}, differing: {differ[:5]}")
    assert not problems, "\n".join(problems)
    return alone, wall, overlap.peak


def test_16_cnn_sessions_at_once_see_what_each_sees_alone() -> None:
    inputs = cnn_inputs()
    started = time.monotonic()
    jobs = [lambda args=args: cnn_session(*args) for args in inputs]
    alone, wall, peak = alone_then_together(jobs, ui.cache.cnn, "trace_image")
    print(f"16 CNN sessions: {wall:.1f} s at once, {time.monotonic() - started:.1f} s in all")
    print(f"at most {peak} photos traced at the same time")
    assert peak > 1  # the sessions did run the networks at the same time
    assert all(len(result.headline) == 5 for result in alone)
    assert len({tuple(result.headline) for result in alone}) > 8  # different photos
    by_name = {name: result for (_, name, _), result in zip(inputs, alone, strict=True)}
    assert by_name["coffee.jpg"].headline[0] == "espresso"


def test_lstm_sessions_at_once_see_what_each_sees_alone() -> None:
    started = time.monotonic()
    jobs = [lambda args=args: lstm_session(*args) for args in LSTM_INPUTS]
    alone, wall, peak = alone_then_together(jobs, ui.cache.sequence, "trace_text")
    print(f"at most {peak} texts traced at the same time")
    print(f"{len(jobs)} LSTM sessions: {wall:.1f} s at once, {time.monotonic() - started:.1f} s")
    assert all(result.headline for result in alone)
