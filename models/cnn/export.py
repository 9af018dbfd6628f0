"""Downloads of a photo's trace: the top five classes as CSV, every stage's maps as NPZ."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import numpy as np

from models.cnn.imagenet import class_names
from models.cnn.trace import CnnTrace


def top5_csv(trace: CnnTrace, names: Sequence[str] | None = None) -> str:
    """The five likeliest classes, named by `names` (ImageNet's unless given)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["rank", "class_index", "label", "probability"])
    names = class_names() if names is None else names
    for rank, (index, prob) in enumerate(trace.top(5), start=1):
        writer.writerow([rank, index, names[index], f"{prob:.6f}"])
    return out.getvalue()


def stages_npz(trace: CnnTrace) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, probs=trace.probs, shown=trace.shown, **{s.name: s.maps for s in trace.stages}
    )
    return buffer.getvalue()
