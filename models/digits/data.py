"""The shipped handwritten digits: 5,000 from MNIST (LeCun, Cortes and Burges; CC BY-SA 3.0),
made by scripts/make_digits.py, with a fixed split of 4,000 for training and 1,000 held out."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import torch

from models.checkpoints import verified_path

DIGITS_DIR = Path(__file__).resolve().parents[2] / "assets" / "digits"
DIGITS_FILE = "mnist_5k.npz"
SIDE = 28  # pixels a side; the row readers read SIDE rows of SIDE pixels


@dataclass(frozen=True)
class DigitSet:
    images: np.ndarray  # (N, 28, 28) uint8, white ink on black
    labels: np.ndarray  # (N,) uint8
    train: np.ndarray  # indices of the training digits
    test: np.ndarray  # indices of the held-out digits

    def tensors(self, part: str, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(images (n, 28, 28) float in [0, 1], labels (n,) long) of "train" or "test"."""
        index = getattr(self, part)[:limit]
        images = torch.from_numpy(self.images[index].astype(np.float32) / 255.0)
        return images, torch.from_numpy(self.labels[index].astype(np.int64))


@cache
def digit_set() -> DigitSet:
    """The shipped digits, after checking the file's sha256."""
    path = verified_path(DIGITS_FILE, DIGITS_DIR)
    with np.load(path, allow_pickle=False) as data:
        found = DigitSet(
            images=data["images"],
            labels=data["labels"],
            train=data["train"].astype(np.int64),
            test=data["test"].astype(np.int64),
        )
    for array in (found.images, found.labels, found.train, found.test):
        array.setflags(write=False)
    return found
