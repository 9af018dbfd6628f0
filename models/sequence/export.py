"""Downloads: a trace as CSV or NPZ, attributions as CSV (plain text, safe for spreadsheets)."""

from __future__ import annotations

import csv
import io

import numpy as np

from models.sequence.registry import SequenceSpec, spec_of
from models.sequence.trace import SequenceTrace

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """Text that a spreadsheet will show as text, never run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def trace_scores(trace: SequenceTrace, spec: SequenceSpec | None = None) -> np.ndarray:
    """(T,) the per-token output, as the model's spec (by default the registry's) reads it."""
    return (spec or spec_of(trace.model)).scores(trace)


def trace_csv(trace: SequenceTrace, spec: SequenceSpec | None = None) -> str:
    """One row per (token, layer, state): step, token, score, layer, state, unit_0 ... unit_H−1."""
    out = io.StringIO()
    writer = csv.writer(out)
    units = trace.layers[0].h.shape[1]
    writer.writerow(
        ["step", "token", "score", "layer", "state", *(f"unit_{u}" for u in range(units))]
    )
    spec = spec or spec_of(trace.model)
    scores = trace_scores(trace, spec)
    names = [spec.layer_key(index) for index in range(len(trace.layers))]
    for t, token in enumerate(trace.tokens):
        for name, layer in zip(names, trace.layers, strict=True):
            for state, values in layer.values.items():
                row = [t + 1, cell(token), f"{scores[t]:.6f}", name, state]
                writer.writerow(row + [f"{v:.6f}" for v in values[t]])
    return out.getvalue()


def trace_npz(trace: SequenceTrace, spec: SequenceSpec | None = None) -> bytes:
    """tokens, scores and layer<L>_<state> arrays (T, H) in one compressed NPZ."""
    spec = spec or spec_of(trace.model)
    scores = trace_scores(trace, spec)
    arrays = {"tokens": np.array(trace.tokens, dtype=np.str_), "scores": scores}
    for index, layer in enumerate(trace.layers):
        for state, values in layer.values.items():
            arrays[f"layer{spec.layer_key(index)}_{state}"] = np.asarray(values)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def attribution_csv(tokens: tuple[str, ...], methods: dict[str, np.ndarray]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["step", "token", *methods])
    for t, token in enumerate(tokens):
        writer.writerow([t + 1, cell(token), *(f"{values[t]:.6f}" for values in methods.values())])
    return out.getvalue()
