"""Plotly's JSON arrays as numpy arrays: a plain list, or {"dtype", "bdata", "shape"}."""

from __future__ import annotations

import base64

import numpy as np


def decode(value: object) -> np.ndarray:
    """Plotly's JSON arrays: a plain list, or {"dtype", "bdata", "shape"} since plotly 6."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), value["dtype"])
        shape = value.get("shape")
        if shape:
            array = array.reshape([int(s) for s in str(shape).split(",")])
        return array
    return np.asarray(value)
