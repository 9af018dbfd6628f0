"""What each CNN port expects of its input: one small frozen config per model."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class CnnConfig:
    input_size: int  # the side of the square it was trained and is evaluated on
    resize_short_side: int  # the photo's short side is scaled to this, then centre-cropped
    resample: Image.Resampling  # the original evaluation's interpolation
    channel_order: str  # "RGB", or "BGR" (Caffe)
    normalisation: str  # in words, for the model table
    first_stage: str  # the stage whose filters look at the pixels
    cam_stage: str  # the last stage: its maps, weighted by the classifier, are the class maps
