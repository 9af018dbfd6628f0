"""What the digit readers do, measured: one digit traced, accuracy row by row, the experiments.

- A trace: the CNN's stage maps and ten probabilities; a row reader's hidden state and ten
  probabilities after every row (stepped by hand with the gates, models/sequence/cell_steps.py).
- Accuracy after k rows: a row reader's guess after row k; the CNN's, fair to it, on the digit
  with every row below k blanked (it sees rows 1..k, as the row reader has).
- Shift: every held-out digit moved by a few pixels, accuracy against the distance.
- Reading order: the row readers given the digits bottom-up or column by column, orders they
  were not trained on (the honest result is how far they fall).
- Gradient by row: how much each row's pixels can move the final verdict (|∂ score / ∂ row|),
  on one digit and averaged over the held-out digits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from models.digits.readers import DigitCNN, DigitReader, RowReader, final_scores
from models.sequence.cell_steps import cell_steps

SHIFTS = (0, 1, 2, 3, 4)  # pixels, in each of four directions


@dataclass(frozen=True)
class DigitTrace:
    reader: str
    probs: np.ndarray  # (10,) after the whole digit
    after_rows: np.ndarray | None  # (28, 10) a row reader's probabilities after every row
    states: np.ndarray | None  # (28, H) its hidden state after every row
    stages: tuple[tuple[str, np.ndarray], ...]  # the CNN's (name, (C, h, w) maps)

    @property
    def digit(self) -> int:
        return int(np.argmax(self.probs))

    def first_sure_row(self) -> int | None:
        """The first row (1-based) from which the guess no longer changes; None for the CNN."""
        if self.after_rows is None:
            return None
        guesses = self.after_rows.argmax(axis=1)
        changed = np.flatnonzero(guesses != guesses[-1])
        return int(changed[-1]) + 2 if len(changed) else 1


def trace_digit(reader: str, model: DigitReader, digit: np.ndarray) -> DigitTrace:
    """One (28, 28) digit in [0, 1] through one reader, everything kept (no hooks)."""
    x = torch.as_tensor(digit, dtype=torch.float32)[None]
    with torch.inference_mode():
        if isinstance(model, DigitCNN):
            stages = model.stages(x)
            probs = torch.softmax(model.head(stages[-1][1]), dim=1)[0].numpy()
            maps = tuple((name, output[0].numpy().copy()) for name, output in stages)
            return DigitTrace(reader, probs, None, None, maps)
        steps = cell_steps(model.cell, x)
        states = steps["h"][0]  # (28, H)
        after = torch.softmax(model.head(states), dim=1).numpy()
    return DigitTrace(reader, after[-1], after, states.numpy(), ())


def accuracy_after_rows(
    model: DigitReader, images: torch.Tensor, labels: torch.Tensor
) -> np.ndarray:
    """(28,) accuracy with rows 1..k read, k = 1..28 (see the module docstring)."""
    with torch.inference_mode():
        if isinstance(model, RowReader):
            guesses = model(images).argmax(dim=2)  # (N, 28)
            return (guesses == labels[:, None]).float().mean(dim=0).numpy()
        found = []
        for k in range(1, images.shape[1] + 1):
            blanked = images.clone()
            blanked[:, k:] = 0.0
            found.append(float((model(blanked).argmax(1) == labels).float().mean()))
    return np.array(found)


def shifted(images: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Digits moved dy rows down and dx columns right, the uncovered edge black."""
    out = torch.zeros_like(images)
    side = images.shape[1]
    src_r = slice(max(-dy, 0), side - max(dy, 0))
    dst_r = slice(max(dy, 0), side - max(-dy, 0))
    src_c = slice(max(-dx, 0), side - max(dx, 0))
    dst_c = slice(max(dx, 0), side - max(-dx, 0))
    out[:, dst_r, dst_c] = images[:, src_r, src_c]
    return out


def accuracy_by_shift(model: DigitReader, images: torch.Tensor, labels: torch.Tensor) -> np.ndarray:
    """(len(SHIFTS),) accuracy with every digit moved by s pixels, averaged over up, down,
    left and right."""
    found = []
    with torch.inference_mode():
        for s in SHIFTS:
            moves = [(0, 0)] if s == 0 else [(s, 0), (-s, 0), (0, s), (0, -s)]
            scores = [
                float(
                    (final_scores(model, shifted(images, dy, dx)).argmax(1) == labels)
                    .float()
                    .mean()
                )
                for dy, dx in moves
            ]
            found.append(float(np.mean(scores)))
    return np.array(found)


READING_ORDERS = {
    "top-down": lambda images: images,  # as trained
    "bottom-up": lambda images: images.flip(1),
    "columns": lambda images: images.transpose(1, 2),  # column by column, left to right
}


def accuracy_read_as(
    model: DigitReader, images: torch.Tensor, labels: torch.Tensor, order: str
) -> float:
    """Accuracy when the digits are given in one of READING_ORDERS."""
    given = READING_ORDERS[order](images)
    with torch.inference_mode():
        return float((final_scores(model, given).argmax(1) == labels).float().mean())


def gradient_by_row(model: DigitReader, images: torch.Tensor, labels: torch.Tensor) -> np.ndarray:
    """(N, 28): the size of the gradient of each digit's true-class score with respect to each
    row's pixels, taken on a fresh copy of the input (the shared model is only read)."""
    with torch.inference_mode(False), torch.enable_grad():
        x = images.detach().clone().requires_grad_(True)
        scores = final_scores(model, x)
        chosen = scores.gather(1, labels[:, None]).sum()
        (grad,) = torch.autograd.grad(chosen, x)
    return grad.norm(dim=2).numpy()


EARLY_ROWS, LATE_ROWS = (5, 9), (20, 24)  # 1-based, inclusive: rows with ink in most digits


def early_to_late(curve: np.ndarray) -> float:
    """Mean gradient over EARLY_ROWS divided by that over LATE_ROWS: well under 1 when the
    signal from the rows read first has faded by the end."""
    early = curve[EARLY_ROWS[0] - 1 : EARLY_ROWS[1]].mean()
    late = curve[LATE_ROWS[0] - 1 : LATE_ROWS[1]].mean()
    return float(early / max(late, 1e-30))
