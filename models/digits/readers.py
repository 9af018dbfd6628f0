"""Four readers of the same 28×28 digits: a small CNN that sees the whole grid at once, and an
LSTM, a GRU and a plain tanh RNN that read it one row at a time, top to bottom.

    CNN:  conv 5×5 (16) + ReLU + max-pool 2 -> conv 5×5 (32) + ReLU + max-pool 2
          -> dense 128 + ReLU -> 10 scores                       (B, 1, 28, 28) -> (B, 10)
    rows: 28 steps of 28 pixels -> one recurrent layer of H units -> a linear head after every
          row, so the guess after row k means something          (B, 28, 28) -> (B, 28, 10)

The recurrent readers are stepped by hand for their traces (models/sequence/cell_steps.py, the
same equations as torch's own layers, checked against them).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from models.checkpoints import WEIGHTS_DIR, load_checkpoint, save_checkpoint

SIDE = 28
CLASSES = 10
CELLS = ("lstm", "gru", "rnn")


@dataclass(frozen=True)
class DigitConfig:
    reader: str  # "cnn", or a recurrent cell: "lstm", "gru", "rnn"
    hidden: int = 128  # units of the recurrent layer, or of the CNN's dense layer
    scrambled: bool = False  # trained on digits whose rows were put in one fixed other order


class DigitCNN(nn.Module):
    def __init__(self, config: DigitConfig) -> None:
        super().__init__()
        self.config = config
        self.conv1 = nn.Conv2d(1, 16, 5, padding=2)
        self.conv2 = nn.Conv2d(16, 32, 5, padding=2)
        self.dense = nn.Linear(32 * 7 * 7, config.hidden)
        self.out = nn.Linear(config.hidden, CLASSES)

    def stages(self, x: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
        """(name, output) of both convolution stages, for (B, 28, 28) digits."""
        first = F.max_pool2d(F.relu(self.conv1(x[:, None])), 2)  # (B, 16, 14, 14)
        second = F.max_pool2d(F.relu(self.conv2(first)), 2)  # (B, 32, 7, 7)
        return [("conv1", first), ("conv2", second)]

    def head(self, final: torch.Tensor) -> torch.Tensor:
        return self.out(F.relu(self.dense(final.flatten(1))))  # (B, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stages(x)[-1][1])


class RowReader(nn.Module):
    def __init__(self, config: DigitConfig) -> None:
        super().__init__()
        self.config = config
        layer = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[config.reader]
        self.cell = layer(SIDE, config.hidden, batch_first=True)
        self.head = nn.Linear(config.hidden, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 28, 28) digits, read row by row -> (B, 28, 10) scores after every row."""
        states, _ = self.cell(x)
        return self.head(states)


DigitReader = DigitCNN | RowReader


def build(config: DigitConfig) -> DigitReader:
    return DigitCNN(config) if config.reader == "cnn" else RowReader(config)


def final_scores(model: DigitReader, x: torch.Tensor) -> torch.Tensor:
    """(B, 10) scores after the whole digit: the CNN's, or a row reader's after the last row."""
    scores = model(x)
    return scores if scores.dim() == 2 else scores[:, -1]


def checkpoint_name(reader: str, scrambled: bool = False) -> str:
    return f"digits_{reader}{'_scrambled' if scrambled else ''}.pt"


def save_reader(model: DigitReader, weights_dir: Path = WEIGHTS_DIR) -> str:
    config = model.config
    path = weights_dir / checkpoint_name(config.reader, config.scrambled)
    return save_checkpoint(path, {"arch": "digits", **asdict(config)}, model.state_dict())


def load_reader(reader: str, scrambled: bool = False, weights_dir: Path = WEIGHTS_DIR):
    """A shipped reader (sha256 checked), in eval mode with gradients off: safe to share."""
    checkpoint = load_checkpoint(checkpoint_name(reader, scrambled), weights_dir)
    settings = {k: v for k, v in checkpoint["config"].items() if k != "arch"}
    model = build(DigitConfig(**settings))
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval().requires_grad_(False)
