"""What the operator's models cost (issue 30): the tapped forward pass of examples/own_model's
CNN against its plain forward, and the folder's load time split into each model's capture
(torch.export for a CNN, torch.fx for a recurrent model) and everything else.

- Tapped ÷ plain: resdigits' tapped graph (every block's output and the logits, what the CNN
  page runs) and the module's own forward, on the same input, in inference mode, torch on one
  thread. Samples alternate (plain then tapped, then tapped then plain, ...), each the time of
  a loop of calls, so a drift in the machine's speed falls on both alike; the table gives the
  median of the per-pair ratios and the medians of each. At batch 1 (a picture) and batch 64
  (occlusion's covered copies).
- Load: `load_models_dir(examples/own_model)` in fresh processes, as the app does once at
  start-up, after the imports; each model's capture seconds as it recorded them, the rest
  (reading configs, hashing and loading weights, importing the model code, the check's forward
  pass, the probes) as "everything else". Medians over the processes.

Usage: python bench/own_models.py [--samples N] [--loads N] [--report FILE]
With --report (make bench: docs/bench.md), adds its section there. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import add_section  # noqa: E402

EXAMPLES = ROOT / "examples" / "own_model"
HEADING = "## The operator's models (`bench/own_models.py`)"
CALLS = {1: 200, 64: 10}  # forwards per sample, by batch


def load_once() -> dict[str, object]:
    """One cold load of the examples folder in this process (run as a child: --load-once)."""
    started = time.perf_counter()
    import torch

    from models.custom.folder import load_models_dir

    torch.set_num_threads(1)

    imported = time.perf_counter()
    found = load_models_dir(EXAMPLES)
    loaded = time.perf_counter()
    captures = {}
    for model in found.models:
        if model.taps is not None:
            captures[model.name] = model.taps.export_seconds
        elif model.reader is not None:
            captures[model.name] = model.reader.trace_seconds
    return {
        "imports": imported - started,
        "load": loaded - imported,
        "captures": captures,
        "refused": len(found.refused),
    }


def loads(count: int) -> list[dict[str, object]]:
    results = []
    for _ in range(count):
        done = subprocess.run(
            [sys.executable, __file__, "--load-once"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        results.append(json.loads(done.stdout.splitlines()[-1]))
    return results


def ratios(samples: int) -> dict[int, tuple[float, float, float]]:
    """Batch -> (median of tapped ÷ plain per pair, plain ms, tapped ms per forward)."""
    import torch

    from models.custom.folder import open_model

    torch.set_num_threads(1)
    own = open_model(EXAMPLES / "resdigits.toml")
    assert own.taps is not None
    module, taps = own.loaded.module, own.taps
    found = {}
    for batch, calls in CALLS.items():
        x = own.loaded.probe().repeat(batch, 1, 1, 1)

        def plain(x: torch.Tensor = x) -> None:
            module(x)

        def tapped(x: torch.Tensor = x) -> None:
            taps.run(x)

        def timed(action: Callable[[], None], calls: int = calls) -> float:
            with torch.inference_mode():
                started = time.perf_counter()
                for _ in range(calls):
                    action()
                return (time.perf_counter() - started) / calls * 1000

        timed(plain), timed(tapped)  # warm-up
        pairs = []
        for index in range(samples):
            if index % 2:
                t, p = timed(tapped), timed(plain)
            else:
                p, t = timed(plain), timed(tapped)
            pairs.append((p, t))
        found[batch] = (
            statistics.median(t / p for p, t in pairs),
            statistics.median(p for p, _ in pairs),
            statistics.median(t for _, t in pairs),
        )
    return found


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def section(found: dict[int, tuple[float, float, float]], runs: list[dict], load: str) -> str:
    names = list(runs[0]["captures"])

    def median(values: list[float]) -> str:
        return f"{statistics.median(values):.3f}"

    total = [r["load"] for r in runs]
    captured = [sum(r["captures"].values()) for r in runs]
    lines = [
        HEADING,
        "",
        "Tapped forward (every block's output and the logits, from the exported graph) against "
        "the module's own forward, resdigits (examples/own_model), torch on one thread, "
        "alternating samples; milliseconds per forward. Aim (issue 30): at most 1.2×.",
        "",
        "| batch | plain ms | tapped ms | tapped ÷ plain (median of pairs) |",
        "|---|---|---|---|",
        *(
            f"| {batch} | {plain:.3f} | {tapped:.3f} | {ratio:.2f} |"
            for batch, (ratio, plain, tapped) in found.items()
        ),
        "",
        f"Loading the folder at start-up (`load_models_dir`, {len(runs)} fresh processes, "
        "after the imports), seconds, medians:",
        "",
        "| part | seconds |",
        "|---|---|",
        *(
            f"| capture of {name} ({'torch.export' if name == 'resdigits' else 'torch.fx'}) "
            f"| {median([r['captures'][name] for r in runs])} |"
            for name in names
        ),
        f"| everything else (configs, sha256, weights, code, check forward, probes) | "
        f"{median([t - c for t, c in zip(total, captured, strict=True)])} |",
        f"| the whole folder | {median(total)} |",
        f"| (imports before it: torch, the app's model code) | "
        f"{median([r['imports'] for r in runs])} |",
        "",
        f"Machine load while it ran: {load}; other work shared the cores.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=21, help="alternating pairs per batch")
    parser.add_argument("--loads", type=int, default=3, help="fresh processes loading the folder")
    parser.add_argument("--report", type=Path)
    parser.add_argument("--load-once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_once:
        print(json.dumps(load_once()))
        return
    before = load_average()
    runs = loads(args.loads)
    found = ratios(args.samples)
    text = section(found, runs, f"{before} before, {load_average()} after")
    print(text)
    if args.report:
        print(f"added to {add_section(args.report, HEADING, text)}")


if __name__ == "__main__":
    main()
