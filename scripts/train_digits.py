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
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.checkpoints import WEIGHTS_DIR  # noqa: E402
from models.digits.analysis import (  # noqa: E402
    READING_ORDERS,
    SHIFTS,
    accuracy_after_rows,
    accuracy_by_shift,
    accuracy_read_as,
    gradient_by_row,
)
from models.digits.data import digit_set  # noqa: E402
from models.digits.readers import DigitReader, final_scores, load_reader, save_reader  # noqa: E402
from models.digits.registry import DIGIT_READERS, METRICS_FILE  # noqa: E402
from models.digits.training import TrainSettings, row_order, train_readers  # noqa: E402

EPOCHS = 40


def held_out_figures(models: dict[str, DigitReader], scrambled: bool) -> dict[str, dict]:
    """What the page and the README show of each reader, on the 1,000 held-out digits (with
    their rows shuffled the same way for the scrambled readers)."""
    images, labels = digit_set().tensors("test")
    images = images[:, row_order(scrambled)]
    found = {}
    for reader, model in models.items():
        with torch.inference_mode():
            right = (final_scores(model, images).argmax(1) == labels).float().mean()
        figures = {
            "heldout_accuracy": round(float(right), 4),
            "parameters": sum(p.numel() for p in model.parameters()),
            "accuracy_after_rows": rounded(accuracy_after_rows(model, images, labels)),
            "accuracy_by_shift": rounded(accuracy_by_shift(model, images, labels)),
        }
        if not scrambled:
            grads = gradient_by_row(model, images, labels)
            figures["gradient_by_row"] = [float(f"{v:.4g}") for v in np.median(grads, axis=0)]
            if DIGIT_READERS[reader].recurrent:
                figures["accuracy_read"] = {
                    order: round(accuracy_read_as(model, images, labels, order), 4)
                    for order in READING_ORDERS
                }
        found[reader] = figures
    return found


def rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 4) for v in values]


def train(args: argparse.Namespace, scrambled: bool) -> tuple[dict[str, DigitReader], dict]:
    """Train the four readers; the models and each one's seconds per epoch."""
    settings = TrainSettings(epochs=args.epochs, scrambled=scrambled, train_limit=args.train_limit)
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
    last = {report.reader: report for report in result.history}
    return result.models, {name: round(r.seconds / r.epoch, 3) for name, r in last.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--train-limit", type=int, default=None, metavar="N")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR, metavar="DIR")
    parser.add_argument("--plain-only", action="store_true", help="skip the scrambled readers")
    parser.add_argument(
        "--weights-only", action="store_true", help="write the weights, measure nothing more"
    )
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="train nothing: measure the shipped readers again (keeps the recorded epoch times)",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    metrics_path = args.out / METRICS_FILE.name
    old = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.exists() else {}
    metrics: dict = {"epochs": old.get("epochs", args.epochs), "split": "4000 / 1000"}
    metrics |= {"shifts": list(SHIFTS), "readers": {}}
    for scrambled in (False,) if args.plain_only else (False, True):
        key = "scrambled" if scrambled else "plain"
        if args.measure_only:
            models = {name: load_reader(name, scrambled, args.out) for name in DIGIT_READERS}
            recorded = old["readers"][key]
            seconds = {name: recorded[name]["seconds_per_epoch"] for name in models}
        else:
            metrics["epochs"] = args.epochs
            models, seconds = train(args, scrambled)
        if args.weights_only:
            continue
        figures = held_out_figures(models, scrambled)
        for name, per_epoch in seconds.items():
            figures[name]["seconds_per_epoch"] = per_epoch
        metrics["readers"][key] = figures
    if not args.weights_only:
        metrics_path.write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
