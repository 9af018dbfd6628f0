"""A picture enlarged for crisp marks, and the marks drawn on it: a cross at a point, a box."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

PICTURE_SIDE = 448  # twice the models' input: marks drawn at this size look sharp

RGB = tuple[int, int, int]


def is_small(rgb: np.ndarray, side: int = PICTURE_SIDE) -> bool:
    """A picture at most a quarter of `side` wide (a 28-pixel digit), not a photo."""
    return rgb.shape[1] * 4 <= side


def enlarged(rgb: np.ndarray, side: int = PICTURE_SIDE) -> tuple[np.ndarray, float]:
    """The picture enlarged to `side` pixels wide, and the factor, for crisp marks: smoothly,
    or pixel by pixel when it is small (a smoothed 28-pixel digit is a blur)."""
    factor = side / rgb.shape[1]
    size = (side, round(rgb.shape[0] * factor))
    resample = Image.Resampling.NEAREST if is_small(rgb, side) else Image.Resampling.BILINEAR
    return np.asarray(Image.fromarray(rgb).resize(size, resample)), factor


def for_screen(rgb: np.ndarray, side: int = PICTURE_SIDE) -> np.ndarray:
    """A picture as sent to the browser: a small one enlarged pixel by pixel (the browser
    would smooth it), a photo-sized one as it is."""
    return enlarged(rgb, side)[0] if is_small(rgb, side) else rgb


def mark_point(rgb: np.ndarray, point: tuple[float, float], colour: RGB, rim: RGB) -> np.ndarray:
    """The picture, enlarged, with a cross in `colour` at `point` (x, y) in its pixel
    coordinates, drawn over a wider one in `rim`."""
    big, factor = enlarged(rgb)
    x, y = ((coordinate + 0.5) * factor - 0.5 for coordinate in point)
    picture = Image.fromarray(big)
    draw = ImageDraw.Draw(picture)
    arm = 12
    for fill, width in ((rim, 7), (colour, 4)):  # the rim keeps it visible on a pale photo
        draw.line([(x - arm, y - arm), (x + arm, y + arm)], fill=fill, width=width)
        draw.line([(x - arm, y + arm), (x + arm, y - arm)], fill=fill, width=width)
    return np.asarray(picture)


def draw_box(rgb: np.ndarray, box: tuple[int, int, int, int], colour: RGB) -> np.ndarray:
    """The picture, enlarged, with the (top, left, bottom, right) pixel box outlined in `colour`."""
    big, factor = enlarged(rgb)
    top, left, bottom, right = box
    picture = Image.fromarray(big)
    outline = [round(left * factor), round(top * factor)]
    outline += [round(right * factor) - 1, round(bottom * factor) - 1]
    ImageDraw.Draw(picture).rectangle(outline, outline=colour, width=4)
    return np.asarray(picture)
