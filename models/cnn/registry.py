"""The two ImageNet CNNs: a registry, safe loading, and one traced forward pass per image."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torch import nn

from models.cnn import efficientnet_lite, squeezenet
from models.cnn.config import CnnConfig
from models.cnn.geometry import SpatialOp


@dataclass(frozen=True)
class CnnSpec:
    name: str
    title: str
    summary: str
    load: Callable[[], nn.Module]  # the shipped weights, sha256 checked, eval mode, no grads
    preprocess: Callable[[Image.Image], tuple[torch.Tensor, np.ndarray]]
    config: CnnConfig
    spatial_ops: Callable[[int], list[SpatialOp]]  # every convolution, for an input side
    class_map_stage: str | None = None  # a stage with one channel per class, if the model has one

    @property
    def input_size(self) -> int:
        """The side it was trained on; any side works (it ends in a global pool)."""
        return self.config.input_size


CNN_MODELS: dict[str, CnnSpec] = {
    spec.name: spec
    for spec in (
        CnnSpec(
            name="squeezenet1_1",
            title="SqueezeNet 1.1",
            summary="1.2 M parameters, 10 stages, 227×227 input. Small and fast.",
            load=squeezenet.load_pretrained,
            preprocess=squeezenet.preprocess,
            config=squeezenet.CONFIG,
            spatial_ops=squeezenet.spatial_ops,
            class_map_stage="conv10",
        ),
        CnnSpec(
            name="efficientnet_lite0",
            title="EfficientNet-Lite0",
            summary="4.7 M parameters, 18 stages, 224×224 input. More accurate.",
            load=efficientnet_lite.load_pretrained,
            preprocess=efficientnet_lite.preprocess,
            config=efficientnet_lite.CONFIG,
            spatial_ops=efficientnet_lite.spatial_ops,
        ),
    )
}
DEFAULT_CNN = "squeezenet1_1"


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


def load_cnn(name: str) -> nn.Module:
    """The model with its verified weights, ready for inference and safe to share."""
    return CNN_MODELS[name].load()


def trace_image(model: nn.Module, name: str, image: Image.Image) -> CnnTrace:
    """One forward pass that keeps every stage's feature maps (returned explicitly, no hooks)."""
    spec = CNN_MODELS[name]
    batch, shown = spec.preprocess(image)
    with torch.inference_mode():
        outputs, logits = model.forward_stages(batch)
        probs = torch.softmax(logits[0], dim=0)
    notes: dict[str, str] = getattr(model, "STAGE_NOTES", {})
    stages = tuple(
        Stage(name=stage_name, note=notes.get(stage_name, ""), maps=_read_only(output[0].numpy()))
        for stage_name, output in outputs
    )
    return CnnTrace(
        model=name, shown=_read_only(shown), stages=stages, probs=_read_only(probs.numpy())
    )


def _read_only(array: np.ndarray) -> np.ndarray:
    """The array, marked read-only: one trace is shared by every session that shows it."""
    array.setflags(write=False)
    return array
