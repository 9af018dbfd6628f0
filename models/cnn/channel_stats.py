"""Channels of a feature map ranked and summarised: mean activation, order, one representative."""

from __future__ import annotations

import numpy as np


def channel_means(maps: np.ndarray) -> np.ndarray:
    """Mean activation of each channel of (C, H, W) maps: (C,)."""
    return maps.mean(axis=(1, 2))


def channel_order(maps: np.ndarray, by: str) -> np.ndarray:
    """Channel indices sorted by 'mean' activation (strongest first) or by 'index'."""
    if by == "index":
        return np.arange(maps.shape[0])
    if by == "mean":
        return np.argsort(-channel_means(maps), kind="stable")
    raise ValueError(f"unknown channel order {by!r}")


def representative_map(maps: np.ndarray, how: str) -> np.ndarray:
    """One (H, W) map standing for a whole layer: the channel 'mean' or the 'strongest' channel."""
    if how == "mean":
        return maps.mean(axis=0)
    if how == "strongest":
        return maps[int(np.argmax(channel_means(maps)))]
    raise ValueError(f"unknown summary {how!r}")
