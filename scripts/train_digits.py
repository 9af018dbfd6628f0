"""Train the four digit readers (CNN, row-by-row LSTM, GRU, tanh RNN) the same way, seeded.

Usage: python scripts/train_digits.py [--epochs N] [--train-limit N] [--out DIR]

Same split (4,000 / 1,000 of the shipped digits), batches, augmentation, optimiser (Adam with a
cosine schedule) and epochs for all four; each reader starts from its own seeded weights. Then
the same four again on "scrambled" digits: one fixed shuffle of the rows, for training and
testing alike. Torch runs on one thread, so two runs write identical weights (a test checks
it on a small subset) and the times per epoch are this machine's single-core times.

Writes models/weights/digits_<reader>[_scrambled].pt (checksums in SHA256SUMS) and
models/weights/digits_metrics.json: held-out accuracy, parameters and seconds per epoch of each
reader, accuracy after 7, 14, 21 and 28 rows, against a shift, on scrambled rows and when read
bottom-up or column by column.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.checkpoints import WEIGHTS_DIR  # noqa: E402
from models.digits.analysis import (  # noqa: E402
    SHIFTS,
    accuracy_after_rows,
    accuracy_by_shift,
    accuracy_read_as,
)
from models.digits.data import digit_set  # noqa: E402
from models.digits.readers import save_reader  # noqa: E402
from models.digits.registry import METRICS_FILE  # noqa: E402
from models.digits.training import TrainSettings, row_order, train_readers  # noqa: E402

EPOCHS = 40


def measure(result, settings: TrainSettings) -> dict[str, dict]:
    """Every figure the README's card and the page quote, for one set of trained readers."""
    images, labels = digit_set().tensors("test")
    images = images[:, row_order(settings.scrambled)]
    found = {}
    for reader, model in result.models.items():
        history = [r for r in result.history if r.reader == reader]
        after = accuracy_after_rows(model, images, labels)
        found[reader] = {
            "heldout_accuracy": round(history[-1].accuracy, 4),
            "parameters": sum(p.numel() for p in model.parameters()),
            "seconds_per_epoch": round(history[-1].seconds / len(history), 3),
            "accuracy_after_rows": {k: round(float(after[k - 1]), 4) for k in (7, 14, 21, 28)},
            "accuracy_by_shift": dict(
                zip(
                    map(str, SHIFTS),
                    accuracy_by_shift(model, images, labels).round(4).tolist(),
                    strict=True,
                )
            ),
        }
        if reader != "cnn" and not settings.scrambled:
            for order in ("bottom-up", "columns"):
                found[reader][f"accuracy_read_{order}"] = round(
                    accuracy_read_as(model, images, labels, order), 4
                )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--train-limit", type=int, default=None, metavar="N")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR, metavar="DIR")
    parser.add_argument("--plain-only", action="store_true", help="skip the scrambled readers")
    parser.add_argument(
        "--weights-only", action="store_true", help="write the weights, measure nothing more"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    metrics: dict[str, object] = {"epochs": args.epochs, "split": "4000 / 1000", "readers": {}}
    for scrambled in (False,) if args.plain_only else (False, True):
        settings = TrainSettings(
            epochs=args.epochs, scrambled=scrambled, train_limit=args.train_limit
        )
        started = time.perf_counter()
        result = train_readers(
            settings,
            on_epoch=lambda report, _: print(
                f"{report.reader:5} epoch {report.epoch:3}  loss {report.loss:.3f}  "
                f"held-out {report.accuracy:.3f}  {report.seconds:6.1f} s",
                flush=True,
            ),
        )
        for model in result.models.values():
            save_reader(model, args.out)
        if args.weights_only:
            continue
        key = "scrambled" if scrambled else "plain"
        metrics["readers"][key] = measure(result, settings)
        metrics[f"{key}_wall_seconds"] = round(time.perf_counter() - started, 1)
    if args.weights_only:
        return 0
    (args.out / METRICS_FILE.name).write_text(
        json.dumps(metrics, indent=1) + "\n", encoding="utf-8"
    )
    print(json.dumps(metrics["readers"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
