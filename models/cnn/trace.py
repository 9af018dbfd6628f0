"""One traced forward pass of a photo: every stage's feature maps and the class probabilities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from models.cnn.registry import CNN_MODELS
from models.cnn.staged import StagedCnn


@dataclass(frozen=True)
class Stage:
    name: str
    note: str  # what the stage computes, in one line
    maps: np.ndarray  # (C, H, W) float32 feature maps

    @property
    def shape(self) -> tuple[int, int, int]:
        channels, height, width = self.maps.shape
        return channels, height, width


@dataclass(frozen=True)
class CnnTrace:
    model: str
    shown: np.ndarray  # (S, S, 3) uint8: the photo as the model sees it, after resize and crop
    stages: tuple[Stage, ...]
    probs: np.ndarray  # (1000,) float32 softmax over the ImageNet classes

    def top(self, k: int = 5) -> list[tuple[int, float]]:
        order = np.argsort(-self.probs)[:k]
        return [(int(index), float(self.probs[index])) for index in order]

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(f"{self.model} has no stage {name!r}")


def trace_image(model: StagedCnn, name: str, image: Image.Image) -> CnnTrace:
    """One forward pass that keeps every stage's feature maps (returned explicitly, no hooks)."""
    batch, shown = CNN_MODELS[name].preprocess(image)
    with torch.inference_mode():
        outputs, logits = model.forward_stages(batch)
        probs = torch.softmax(logits[0], dim=0)
    stages = tuple(
        Stage(name=stage, note=model.stage_note(stage), maps=_read_only(output[0].numpy()))
        for stage, output in outputs
    )
    return CnnTrace(
        model=name, shown=_read_only(shown), stages=stages, probs=_read_only(probs.numpy())
    )


def _read_only(array: np.ndarray) -> np.ndarray:
    """The array, marked read-only: one trace is shared by every session that shows it."""
    array.setflags(write=False)
    return array
