"""One real run of the quick profile, as `python -m models profile --quick` prints it.

The tests time a tiny plan through the same command (tests/test_cli.py) and check its rows with
`problems` below; this runs the quick plan itself, checks its rows the same way, and prints
what the comparison page would show: growth exponents, batch speed-ups, training steps.

Usage: python bench/quick_profile.py
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.cnn.registry import CNN_MODELS  # noqa: E402
from models.compare.profiling import Measurement, ProfilePlan  # noqa: E402
from models.compare.report import profile_report  # noqa: E402
from models.sequence.registry import SENTIMENT_READERS  # noqa: E402

KEY = ("model", "input", "size", "batch", "what")  # what a row is; its "seconds" is how long


def expected_rows(plan: ProfilePlan) -> list[tuple[str, str, int, int, str]]:
    """(model, input, size, batch, what) of every row a run of `plan` prints, in order: per CNN
    each side, then a batch and its inputs one call each; per reader each length, a batch, its
    inputs one call each, and a training step."""
    rows = []
    for name in CNN_MODELS:
        rows += [(name, "image", side, 1, "forward") for side in plan.image_sides]
        rows += [(name, "image", plan.batch_image_side, plan.batch, what)
                 for what in ("forward", "singles")]  # fmt: skip
    for name in SENTIMENT_READERS:
        rows += [(name, "tokens", length, 1, "forward") for length in plan.token_lengths]
        rows += [(name, "tokens", plan.batch_tokens, plan.batch, what)
                 for what in ("forward", "singles")]  # fmt: skip
        rows.append((name, "tokens", plan.train_tokens, plan.train_batch, "train step"))
    return rows


def problems(rows: Sequence[Mapping[str, object]], plan: ProfilePlan) -> list[str]:
    """What is wrong with the printed rows of a run of `plan` ([] when nothing is)."""
    found = []
    for row in rows:
        if set(row) != {*KEY, "seconds"}:
            found.append(f"fields {sorted(row)}")
        seconds = row.get("seconds")
        if not isinstance(seconds, float | int) or not 0 < seconds < math.inf:
            found.append(f"{row.get('model')} {row.get('what')} {row.get('size')}: {seconds} s")
    keys = [
        tuple(row.get(key) for key in ("model", "input", "size", "batch", "what")) for row in rows
    ]
    if keys != expected_rows(plan):
        found.append(f"rows {keys}, expected {expected_rows(plan)}")
    return found


def main() -> int:
    plan = ProfilePlan.quick()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "models", "profile", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    took = time.monotonic() - started
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    wrong = problems(rows, plan)
    for problem in wrong:
        print(f"wrong: {problem}", file=sys.stderr)
    report = profile_report([Measurement(**row) for row in rows], plan)
    print(f"`python -m models profile --quick`: {len(rows)} rows in {took:.0f} s")
    for kind, growth in (("image side", report.images), ("tokens", report.tokens)):
        for name, exponent in growth.exponents.items():
            print(f"  {name:<20} time ∝ {kind}^{exponent:.2f}")
    for name, speedup in report.batch_speedup.items():
        print(f"  {name:<20} {plan.batch} inputs in one call: {speedup:.1f}× faster than singly")
    for name, ms in report.train_step_ms.items():
        print(f"  {name:<20} one training step: {ms:.0f} ms")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
