"""Four readers of the same past window, each forecasting the next step (in scaled units, see
models/series/data.py):

    LSTM, GRU, tanh RNN: W steps of one value -> one recurrent layer of H units -> linear head
                         on the last hidden state                      (B, W) -> (B,)
    CNN: causal dilated 1-D convolutions (kernel K, dilations 1, 2, 4, ...), each + ReLU with a
         residual sum, then a linear head on the last time step         (B, W) -> (B,)

The CNN is causal: its output at step t reads steps t - (receptive_field - 1) .. t only, so the
forecast sees exactly the last `receptive_field` values (1 + (K - 1) * sum of dilations).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from models.checkpoints import WEIGHTS_DIR, load_checkpoint, save_checkpoint

READERS = ("cnn", "lstm", "gru", "rnn")
CELLS = ("lstm", "gru", "rnn")
DILATIONS = (1, 2, 4, 8, 16)


@dataclass(frozen=True)
class SeriesConfig:
    reader: str  # "cnn", or a recurrent cell: "lstm", "gru", "rnn"
    hidden: int = 32  # units of the recurrent layer, or channels of the CNN
    kernel: int = 3  # the CNN's kernel size in time steps
    dilations: tuple[int, ...] = DILATIONS  # the CNN's, one per convolution


def receptive_field(kernel: int, dilations: tuple[int, ...]) -> int:
    """Time steps a stack of causal convolutions reads: 1 + (kernel - 1) * sum of dilations.
    Kernel 3: dilations 1, 2, 4, 8, 16 see 63 steps; five undilated layers (1, 1, 1, 1, 1) 11."""
    return 1 + (kernel - 1) * sum(dilations)


def dilations_within(window: int, kernel: int = 3) -> tuple[int, ...]:
    """The longest prefix of DILATIONS whose receptive field fits in `window` steps."""
    chosen: list[int] = []
    for dilation in DILATIONS:
        if receptive_field(kernel, (*chosen, dilation)) > window:
            break
        chosen.append(dilation)
    return tuple(chosen) or (1,)


class CausalCNN(nn.Module):
    def __init__(self, config: SeriesConfig) -> None:
        super().__init__()
        self.config = config
        self.lift = nn.Conv1d(1, config.hidden, 1)
        self.convs = nn.ModuleList(
            nn.Conv1d(config.hidden, config.hidden, config.kernel, dilation=d)
            for d in config.dilations
        )
        self.head = nn.Linear(config.hidden, 1)

    @property
    def receptive_field(self) -> int:
        """Time steps the forecast reads: the last value and receptive_field - 1 before it."""
        return receptive_field(self.config.kernel, self.config.dilations)

    def stages(self, x: torch.Tensor) -> list[torch.Tensor]:
        """(B, W) -> each convolution's output (B, C, W), left-padded so step t sees only
        steps <= t."""
        h = self.lift(x[:, None])
        found = []
        for conv in self.convs:
            pad = (self.config.kernel - 1) * conv.dilation[0]
            h = h + F.relu(conv(F.pad(h, (pad, 0))))
            found.append(h)
        return found

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stages(x)[-1][:, :, -1])[:, 0]


class RecurrentReader(nn.Module):
    def __init__(self, config: SeriesConfig) -> None:
        super().__init__()
        self.config = config
        layer = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[config.reader]
        self.cell = layer(1, config.hidden, batch_first=True)
        self.head = nn.Linear(config.hidden, 1)

    def states(self, x: torch.Tensor) -> torch.Tensor:
        """(B, W) -> (B, W, H): the hidden state after every step (the module's own outputs)."""
        return self.cell(x[:, :, None])[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.states(x)[:, -1])[:, 0]


SeriesReader = CausalCNN | RecurrentReader


def build(config: SeriesConfig) -> SeriesReader:
    return CausalCNN(config) if config.reader == "cnn" else RecurrentReader(config)


def checkpoint_name(series: str, reader: str) -> str:
    return f"series_{series}_{reader}.pt"


def save_reader(
    model: SeriesReader, series: str, extra: dict, weights_dir: Path = WEIGHTS_DIR
) -> str:
    """Save the weights with the config and `extra` (window, scaling) needed to use them."""
    config = {"arch": "series", **asdict(model.config), **extra}
    config["dilations"] = list(model.config.dilations)
    path = weights_dir / checkpoint_name(series, model.config.reader)
    return save_checkpoint(path, config, model.state_dict())


def load_reader(
    series: str, reader: str, weights_dir: Path = WEIGHTS_DIR
) -> tuple[SeriesReader, dict]:
    """A shipped reader (sha256 checked), eval mode, gradients off: safe to share; and the rest
    of its checkpoint's config (window, input_scale, step_scale)."""
    checkpoint = load_checkpoint(checkpoint_name(series, reader), weights_dir)
    config = dict(checkpoint["config"])
    if config.pop("arch", None) != "series":
        raise ValueError(f"{checkpoint_name(series, reader)} does not hold a series reader")
    fields = {k: config.pop(k) for k in ("reader", "hidden", "kernel", "dilations")}
    fields["dilations"] = tuple(fields["dilations"])
    model = build(SeriesConfig(**fields))
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval().requires_grad_(False), config
