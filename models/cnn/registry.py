"""The two ImageNet CNNs: one registry of specs that every page, chart and the command line read.

A spec says what a model is (title, strength), how to load it and prepare a photo for it, and its
geometry: every convolution's sizes, from which the receptive fields, the stage count and the
multiply-adds follow. Sizes shown in text come from there and from the loaded model, never typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
from PIL import Image

from models.cnn import efficientnet_lite, squeezenet
from models.cnn.config import CnnConfig
from models.cnn.geometry import ReceptiveField, SpatialOp, receptive_fields
from models.cnn.imagenet import class_names, class_synonyms
from models.cnn.staged import StagedCnn

IMAGENET_NOTE = (
    "ImageNet's 1000 classes include 120 dog breeds but no *person*, *horse* or *cow* "
    "(only a *sorrel* horse and an *ox*), so a photo of something outside them still "
    "gets the closest match among them."
)


@dataclass(frozen=True)
class CnnSpec:
    name: str  # the id on the command line and in the address
    title: str
    strength: str  # what it is good at, in a few words
    load: Callable[[], StagedCnn]  # the shipped weights, sha256 checked, eval mode, no grads
    preprocess: Callable[[Image.Image], tuple[torch.Tensor, np.ndarray]]
    config: CnnConfig
    spatial_ops: Callable[[int], list[SpatialOp]]  # every convolution, for an input side
    class_channels_stage: str | None = None  # a stage with one channel per class, if any
    channels = 3  # it reads colour pictures
    classes_note = IMAGENET_NOTE  # what its classes are, for the page (markdown)

    @property
    def input_size(self) -> int:
        """The side it was trained on; any side works (it ends in a global pool)."""
        return self.config.input_size

    def receptive_fields(self) -> dict[str, ReceptiveField]:
        """Stage name -> its receptive field at the training size, in stage order."""
        return _receptive_fields(self.name)

    def stages(self) -> list[str]:
        return list(self.receptive_fields())

    @property
    def resize_short_side(self) -> int:
        return self.config.resize_short_side

    @property
    def cam_stage(self) -> str:
        """The stage of its exact class activation maps (both shipped models have one)."""
        return self.config.cam_stage

    def class_names(self) -> tuple[str, ...]:
        """A readable name per output: ImageNet's."""
        return class_names()

    def also_called(self, index: int) -> list[str]:
        """The class's other names (WordNet's lemmas after the first)."""
        return class_synonyms()[index].split(", ")[1:]

    def describe(self, model: StagedCnn) -> str:
        """One line for the model chooser: parameters, stages, input, strength."""
        side = self.input_size
        return (
            f"{model.parameter_count() / 1e6:.1f} M parameters, {len(self.stages())} stages, "
            f"{side}×{side} input. {self.strength}"
        )


@cache
def _receptive_fields(name: str) -> dict[str, ReceptiveField]:
    spec = CNN_MODELS[name]
    return {field.stage: field for field in receptive_fields(spec.spatial_ops(spec.input_size))}


CNN_MODELS: dict[str, CnnSpec] = {
    spec.name: spec
    for spec in (
        CnnSpec(
            name="squeezenet1_1",
            title="SqueezeNet 1.1",
            strength="Small and fast.",
            load=squeezenet.load_pretrained,
            preprocess=squeezenet.preprocess,
            config=squeezenet.CONFIG,
            spatial_ops=squeezenet.spatial_ops,
            class_channels_stage="conv10",
        ),
        CnnSpec(
            name="efficientnet_lite0",
            title="EfficientNet-Lite0",
            strength="More accurate.",
            load=efficientnet_lite.load_pretrained,
            preprocess=efficientnet_lite.preprocess,
            config=efficientnet_lite.CONFIG,
            spatial_ops=efficientnet_lite.spatial_ops,
        ),
    )
}
DEFAULT_CNN = "squeezenet1_1"


def load_cnn(name: str) -> StagedCnn:
    """The model with its verified weights, ready for inference and safe to share."""
    return CNN_MODELS[name].load()
