"""Step any nn.LSTM, nn.GRU or nn.RNN by hand with its own weights, keeping every state and gate.

Several layers, both directions, batch_first or not, with or without biases, an initial state
or none: the equations are the app's cells' (models/sequence/cell_steps.py, PyTorch's own gate
layouts: LSTM rows i, f, g, o; GRU rows r, z, n), applied per layer and direction with the
weights `weight_ih_l{k}{_reverse}`, `weight_hh_l{k}{_reverse}` and the biases read from the
module, which is never changed. A layer's input is the previous layer's h of both directions
side by side, as in PyTorch. The reverse direction reads the sequence from its end, so its value
at step t has seen tokens t..T-1. Layers whose shapes differ (`proj_size`) are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from models.sequence.cell_steps import GATES

KINDS: dict[type[nn.RNNBase], str] = {nn.LSTM: "LSTM", nn.GRU: "GRU", nn.RNN: "RNN"}


class RecurrentError(ValueError):
    """The layer cannot be stepped by hand; the message says why, in one line."""


@dataclass(frozen=True)
class RecurrentSteps:
    kind: str  # "LSTM", "GRU" or "RNN"
    # [layer][direction (0 forward, 1 reverse)] -> {"h": (T, B, H), and "c", "f", "i", "g", "o"
    # for an LSTM, "z", "r", "n" for a GRU}, every value at every step, time first
    layers: tuple[tuple[dict[str, torch.Tensor], ...], ...]
    output: torch.Tensor  # the module's own first output, in its layout
    h_n: torch.Tensor  # (layers × directions, B, H), as the module returns it
    c_n: torch.Tensor | None  # LSTM only

    @property
    def names(self) -> tuple[str, ...]:
        """The values kept per step: "h" first, then the cell's own."""
        return tuple(self.layers[0][0])

    def stacked(self, name: str, batch: int = 0) -> torch.Tensor:
        """One value of one sequence as (T, layers, directions, H)."""
        return torch.stack(
            [torch.stack([d[name][:, batch] for d in layer], dim=1) for layer in self.layers],
            dim=1,
        )


def kind_of(module: nn.Module) -> str | None:
    for cls, kind in KINDS.items():
        if isinstance(module, cls):
            return kind
    return None


def check_steppable(module: nn.RNNBase) -> None:
    """Raise RecurrentError if `module` is a layer these steps do not reproduce."""
    if kind_of(module) is None:
        raise RecurrentError(f"{type(module).__name__} is not an nn.LSTM, nn.GRU or nn.RNN")
    if getattr(module, "proj_size", 0):
        raise RecurrentError(
            f"an LSTM with proj_size = {module.proj_size} (its h is projected) cannot be "
            "stepped by the app's cells"
        )


def step_recurrent(
    module: nn.RNNBase,
    x: torch.Tensor,
    hx: torch.Tensor | tuple[torch.Tensor, torch.Tensor] | None = None,
) -> RecurrentSteps:
    """Run `module` over x step by step: (B, T, in) if batch_first else (T, B, in), or (T, in)."""
    check_steppable(module)
    kind = kind_of(module)
    assert kind is not None
    if isinstance(x, nn.utils.rnn.PackedSequence):
        raise RecurrentError("packed sequences cannot be stepped: give the layer a plain tensor")
    unbatched = x.dim() == 2
    seq = x.unsqueeze(1) if unbatched else (x.transpose(0, 1) if module.batch_first else x)
    steps, batch, _ = seq.shape  # (T, B, in) from here on
    directions = 2 if module.bidirectional else 1
    hidden = module.hidden_size
    h0, c0 = _initial(hx, unbatched, module.num_layers * directions, batch, hidden, seq)
    layers, finals_h, finals_c = [], [], []
    layer_input = seq
    for layer in range(module.num_layers):
        runs = []
        for direction in range(directions):
            index = layer * directions + direction
            run = _run(module, kind, layer_input, layer, direction, h0[index], c0[index])
            runs.append(run)
            last = 0 if direction else steps - 1  # the reverse direction ends at step 0
            finals_h.append(run["h"][last])
            if "c" in run:
                finals_c.append(run["c"][last])
        layers.append(tuple(runs))
        layer_input = torch.cat([run["h"] for run in runs], dim=-1)  # (T, B, D H)
    output = layer_input
    h_n, c_n = torch.stack(finals_h), torch.stack(finals_c) if finals_c else None
    if unbatched:
        output, h_n = output[:, 0], h_n[:, 0]
        c_n = None if c_n is None else c_n[:, 0]
    elif module.batch_first:
        output = output.transpose(0, 1)
    return RecurrentSteps(kind, tuple(layers), output, h_n, c_n)


def _initial(
    hx: torch.Tensor | tuple[torch.Tensor, torch.Tensor] | None,
    unbatched: bool,
    count: int,
    batch: int,
    hidden: int,
    like: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(h0, c0), each (layers × directions, B, H): zeros where not given."""
    zeros = like.new_zeros(count, batch, hidden)
    if hx is None:
        return zeros, zeros
    h0, c0 = hx if isinstance(hx, tuple) else (hx, zeros)
    if unbatched:
        h0, c0 = h0.unsqueeze(1), (c0.unsqueeze(1) if c0.dim() == 2 else c0)
    return h0, c0


def _run(
    module: nn.RNNBase,
    kind: str,
    x: torch.Tensor,
    layer: int,
    direction: int,
    h: torch.Tensor,
    c: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """One layer in one direction over x (T, B, in): {"h": (T, B, H), gates ...}."""
    suffix = f"l{layer}{'_reverse' if direction else ''}"
    w_ih, w_hh = getattr(module, f"weight_ih_{suffix}"), getattr(module, f"weight_hh_{suffix}")
    b_ih = getattr(module, f"bias_ih_{suffix}") if module.bias else None
    b_hh = getattr(module, f"bias_hh_{suffix}") if module.bias else None
    steps = x.shape[0]
    x_proj = F.linear(x, w_ih, b_ih)  # (T, B, k H)
    names = ("h", *GATES[_base(kind)])
    record = {name: x.new_empty(steps, *h.shape) for name in names}
    order = range(steps - 1, -1, -1) if direction else range(steps)
    relu = kind == "RNN" and module.nonlinearity == "relu"
    for t in order:
        recurrent = F.linear(h, w_hh, b_hh)  # (B, k H)
        if kind == "LSTM":
            i, f, g, o = (x_proj[t] + recurrent).chunk(4, dim=-1)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g
            h = o * torch.tanh(c)
            values = {"h": h, "c": c, "f": f, "i": i, "g": g, "o": o}
        elif kind == "GRU":
            x_r, x_z, x_n = x_proj[t].chunk(3, dim=-1)
            h_r, h_z, h_n = recurrent.chunk(3, dim=-1)
            r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
            n = torch.tanh(x_n + r * h_n)
            h = (1 - z) * n + z * h
            values = {"h": h, "z": z, "r": r, "n": n}
        else:
            pre = x_proj[t] + recurrent
            h = torch.relu(pre) if relu else torch.tanh(pre)
            values = {"h": h}
        for name, value in values.items():
            record[name][t] = value
    return record


def _base(kind: str) -> type[nn.RNNBase]:
    return next(cls for cls, name in KINDS.items() if name == kind)
