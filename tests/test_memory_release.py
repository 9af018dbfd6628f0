"""Freed heap memory goes back to the system when the server asks (glibc's malloc_trim), and
what is loaded once stays out of the garbage collector's full passes (gc.freeze)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.harness.apptest import open_cnn_page, upload
from bench.harness.paths import SAMPLES
from models.cnn.trace import CnnTrace
from models.sequence.trace import SequenceTrace
from serving.memory import release_freed_memory
from tests.helpers.apptest import top_labels
from ui.common.pages import LSTM


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_freed_blocks_return_to_the_system() -> None:
    # 64 KB blocks come from the heap (under glibc's 128 KB mmap threshold). Freeing every
    # other one leaves 64 KB holes between live blocks, which free() alone cannot give back:
    # the pattern dropped feature maps leave between what is still in use.
    blocks = [bytearray(64 * 1024) for _ in range(3200)]  # 200 MB, every page touched
    before_free = resident_mb()
    del blocks[::2]
    after_free = resident_mb()
    released = release_freed_memory()
    after_trim = resident_mb()
    if not released:
        pytest.skip("not glibc: nothing to trim")
    assert before_free - after_free < 20  # glibc kept the freed 100 MB...
    assert after_free - after_trim > 80  # ...until trimmed
    del blocks


# A fresh interpreter: what is frozen is process-wide, and other tests load models too.
LOAD_AND_COUNT = """
import gc, json
import ui.cache.sequence
before = len(gc.get_objects())
ui.cache.sequence.sequence_model("lstm")
left, frozen = len(gc.get_objects()), gc.get_freeze_count()
print(json.dumps({"before": before, "left": left, "frozen": frozen}))
"""


def run_fresh(code: str) -> dict:
    """Run `code` in a new interpreter from the project root; its last line printed, as JSON."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_loaded_model_leaves_the_collector_little_to_walk() -> None:
    counts = run_fresh(LOAD_AND_COUNT)
    # Libraries alone are ~200,000 tracked objects; after loading, nearly all are frozen.
    assert counts["before"] > 50_000
    assert counts["frozen"] > 0.9 * counts["before"]
    assert counts["left"] < counts["frozen"] / 20


# Two loads, as when a second model is first used while sessions are open: what is alive then
# and in a cycle must stay collectable.
FREEZE_TWICE = """
import gc, json, weakref
from serving.memory import exempt_loaded_objects, reclaim_memory
exempt_loaded_objects()
gc.disable()  # only the calls below collect
class Node:
    pass
held, garbage = Node(), Node()
held.me, garbage.me = held, garbage  # cycles, freed only by a full collection
garbage_ref = weakref.ref(garbage)
del garbage
reclaim_memory()  # the first call collects...
freed_first = garbage_ref() is None
held_ref = weakref.ref(held)
exempt_loaded_objects()  # a second model
del held
late = Node()
late.me = late
late_ref = weakref.ref(late)
del late
reclaim_memory()  # ...a call within ten seconds does not
kept_by_throttle = late_ref() is not None
gc.collect()
print(json.dumps({"freed_first": freed_first, "throttled": kept_by_throttle,
                  "held_freed": held_ref() is None, "late_freed": late_ref() is None}))
"""


def test_only_the_first_load_freezes_and_reclaiming_collects_cycles_at_most_every_ten_s() -> None:
    assert run_fresh(FREEZE_TWICE) == {
        "freed_first": True,
        "throttled": True,
        "held_freed": True,  # not frozen by the second load
        "late_freed": True,
    }


def page_namespaces_holding(value: object) -> list[str]:
    """The page scripts whose module-level names refer to `value`."""
    return [
        referrer["__file__"]
        for referrer in gc.get_referrers(value)
        if isinstance(referrer, dict) and "app_pages" in str(referrer.get("__file__", ""))
    ]


def test_no_page_keeps_a_photo_or_text_trace_in_its_module_names() -> None:
    """A page's module-level names sit in a cycle with its functions, freed only by a full
    collection (at most every 10 s here); a session's own references go when it closes.
    Pages keep traces in local names."""
    at = upload(open_cnn_page(), "coffee.jpg", (SAMPLES / "coffee.jpg").read_bytes(), "image/jpeg")
    assert top_labels(at)[0] == "espresso"
    traces = [o for o in gc.get_objects() if isinstance(o, CnnTrace)]
    assert traces
    assert [page for trace in traces for page in page_namespaces_holding(trace)] == []

    at.switch_page(LSTM.script).run()
    at.text_input(key="lstm_text").set_value("not good at all, sadly").run()
    assert not at.exception
    texts = [o for o in gc.get_objects() if isinstance(o, SequenceTrace)]
    assert any(trace.text == "not good at all, sadly" for trace in texts)
    assert [page for trace in texts for page in page_namespaces_holding(trace)] == []
