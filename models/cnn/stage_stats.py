"""Per-stage statistics of a traced photo: how strongly and how sparsely each stage fires."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.cnn.trace import CnnTrace


@dataclass(frozen=True)
class StageStats:
    name: str
    mean: float
    max: float
    zero_fraction: float  # share of activations exactly 0 (switched off by a ReLU)
    top_channels: tuple[tuple[int, float], ...]  # (channel, mean activation), strongest first


def stage_statistics(trace: CnnTrace, top: int = 5) -> list[StageStats]:
    found = []
    for stage in trace.stages:
        maps = stage.maps
        means = maps.mean(axis=(1, 2))
        order = np.argsort(-means, kind="stable")[:top]
        found.append(
            StageStats(
                name=stage.name,
                mean=float(maps.mean()),
                max=float(maps.max()),
                zero_fraction=float((maps == 0).mean()),
                top_channels=tuple((int(c), float(means[c])) for c in order),
            )
        )
    return found
