"""Step a one-layer LSTM, GRU or vanilla RNN by hand, keeping every gate at every step.

The equations are PyTorch's own (and its weight layouts: LSTM rows i, f, g, o; GRU rows r, z, n),
read straight from the module's parameters, so a module shared between sessions is only read:
no hooks, no copies. Tests check each against the torch module's own forward pass.

    LSTM: i, f, o = σ(..), g = tanh(..);  c_t = f c_(t-1) + i g;  h_t = o tanh(c_t)
    GRU:  r, z = σ(..);  n = tanh(W_n x + b_in + r (U_n h + b_hn));  h_t = (1 - z) n + z h_(t-1)
    RNN:  h_t = tanh(W x_t + b_ih + U h_(t-1) + b_hh)
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

# What each cell keeps per step besides h, in display order.
GATES: dict[type[nn.RNNBase], tuple[str, ...]] = {
    nn.LSTM: ("c", "f", "i", "g", "o"),
    nn.GRU: ("z", "r", "n"),
    nn.RNN: (),
}


def _check(cell: nn.RNNBase) -> None:
    if (
        cell.num_layers != 1
        or cell.bidirectional
        or not cell.bias
        or getattr(cell, "proj_size", 0)
        or not cell.batch_first
    ):
        raise ValueError("cell steps handle one-layer, unidirectional, batch_first cells")
    if isinstance(cell, nn.RNN) and cell.nonlinearity != "tanh":
        raise ValueError("only tanh RNNs are handled")


def cell_steps(
    cell: nn.RNNBase, x: torch.Tensor, last_only: bool = False
) -> dict[str, torch.Tensor]:
    """Run `cell` over x (B, S, in) from a zero state, keeping h and the gates at every step.

    Returns {"h": (B, S, H), gate: (B, S, H) ...} with the gates of GATES[type(cell)]; with
    `last_only`, the gates (not h) are kept for the last step only, as (B, 1, H).
    """
    _check(cell)
    kind = type(cell)
    if kind not in GATES:
        raise TypeError(f"no hand-stepped version of {kind.__name__}")
    batch, steps, _ = x.shape
    hidden = cell.hidden_size
    x_proj = F.linear(x, cell.weight_ih_l0, cell.bias_ih_l0)  # (B, S, k H)
    h = x.new_zeros(batch, hidden)  # (B, H)
    c = x.new_zeros(batch, hidden)
    h_seq = x.new_empty(batch, steps, hidden)
    kept = 1 if last_only else steps
    record = {name: x.new_empty(batch, kept, hidden) for name in GATES[kind]}
    for t in range(steps):
        recurrent = F.linear(h, cell.weight_hh_l0, cell.bias_hh_l0)  # (B, k H)
        gates: dict[str, torch.Tensor]
        if kind is nn.LSTM:
            i, f, g, o = (x_proj[:, t] + recurrent).chunk(4, dim=-1)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g
            h = o * torch.tanh(c)
            gates = {"c": c, "f": f, "i": i, "g": g, "o": o}
        elif kind is nn.GRU:
            x_r, x_z, x_n = x_proj[:, t].chunk(3, dim=-1)
            h_r, h_z, h_n = recurrent.chunk(3, dim=-1)
            r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
            n = torch.tanh(x_n + r * h_n)
            h = (1 - z) * n + z * h
            gates = {"z": z, "r": r, "n": n}
        else:
            h = torch.tanh(x_proj[:, t] + recurrent)
            gates = {}
        h_seq[:, t] = h
        if not last_only or t == steps - 1:
            slot = 0 if last_only else t
            for name, value in gates.items():
                record[name][:, slot] = value
    return {"h": h_seq, **record}
