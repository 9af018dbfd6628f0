"""What a live training run costs other visitors: a CNN page upload's server time while the
digits page trains a run, against the same with no run, in alternating samples of one process.

The CNN page runs in streamlit's AppTest (the whole script of a new upload: decoding, the
forward pass and its traces, the charts) in this process, and the run trains here in its own
thread exactly as on the server (serving.training.TrainingRuns), so the two share the
process's GIL and the machine's cores as they do in a server. Idle and training samples
alternate (idle, training, idle, ...), each upload a photo not seen before, so a drift in the
machine's speed falls on both alike.

Usage: python bench/training_load.py [--samples N] [--report FILE]
With --report (make bench: docs/bench.md), adds its section there. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness.apptest import open_cnn_page, upload  # noqa: E402
from bench.report import add_section  # noqa: E402
from bench.server_bench import photos  # noqa: E402
from models.digits.training import TrainSettings  # noqa: E402
from serving.training import TrainingRuns  # noqa: E402

HEADING = "## A CNN upload while the digits page trains (`bench/training_load.py`)"
RUN = TrainSettings(epochs=12, hidden=128)  # the page's longest run: all of a sample fits in it
VISITOR = "bench"


def upload_ms(at, path: Path) -> float:
    started = time.perf_counter()
    upload(at, path.name, path.read_bytes(), "image/jpeg")
    elapsed = (time.perf_counter() - started) * 1000
    assert not at.exception, at.exception
    return elapsed


def training(runs: TrainingRuns):
    """A run started now, once it trains (its data loaded, its first epoch under way)."""
    run = runs.ask(VISITOR, RUN)
    deadline = time.monotonic() + 60
    while not run.history and time.monotonic() < deadline:
        time.sleep(0.05)
    return run


def section(idle: list[float], busy: list[float]) -> str:
    ratio = statistics.median(busy) / statistics.median(idle)

    def cells(values: list[float]) -> str:
        return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"

    return "\n".join(
        [
            HEADING,
            "",
            f"A new photo uploaded on the CNN page (AppTest, the whole script), {len(idle)} "
            "samples with no run and as many while a run of 128 units trains in this process, "
            "alternating. Milliseconds: median (range).",
            "",
            "| no run | while a run trains | ratio of medians |",
            "|---|---|---|",
            f"| {cells(idle)} | {cells(busy)} | {ratio:.2f} |",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=6, help="of each kind")
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    at = open_cnn_page()
    runs = TrainingRuns()
    idle: list[float] = []
    busy: list[float] = []
    with tempfile.TemporaryDirectory() as directory:
        shots = photos(2 * args.samples + 1, Path(directory))
        upload_ms(at, shots[-1])  # warm-up: the upload path and its charts loaded once
        for index in range(args.samples):
            idle.append(upload_ms(at, shots[2 * index]))
            run = training(runs)
            busy.append(upload_ms(at, shots[2 * index + 1]))
            still = not run.done
            run.stop.set()
            while not run.done:
                time.sleep(0.05)
            print(
                f"idle {idle[-1]:7.0f} ms   training {busy[-1]:7.0f} ms"
                + ("" if still else "   (the run ended before the upload did)")
            )
    text = section(idle, busy)
    print(text)
    if args.report:
        print(f"added to {add_section(args.report, HEADING, text)}")


if __name__ == "__main__":
    main()
