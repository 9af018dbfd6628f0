"""A drawn, photographed or uploaded digit made into what the models read: MNIST's own recipe.

MNIST's digits were made by scaling each digit's ink into a 20×20 box, keeping its shape, and
placing that box in a 28×28 field so that the ink's centre of mass sits at the centre. The same
steps here, each kept so the page can show them:

1. grey: the picture in shades of grey; a transparent picture (a canvas export keeps the
   strokes in its alpha channel) is laid on a background the opposite of its strokes' colour;
2. ink: white on black, whichever way it was drawn (a light border means dark ink, so it is
   inverted), the background level taken away;
3. cropped to the ink;
4. scaled so its longer side is 20 pixels;
5. placed in 28×28 with its centre of mass at the centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from imaging.grey import border_level
from models.cnn.images import KEEP_SIDE, decode_picture, fit_side

FIELD, BOX = 28, 20
INK_THRESHOLD = 0.15  # of the strongest ink: fainter pixels do not set the crop
# A picture thinner than this, or longer than THINNEST_SHAPE times its width, holds no digit
# that could be read: MNIST's own digits are 20 pixels tall and 4 to 20 wide.
THINNEST_SIDE, THINNEST_SHAPE = 8, 50


class DigitInputError(ValueError):
    """The picture holds no digit to read; the message is written for the person who sent it."""


@dataclass(frozen=True)
class PreparedDigit:
    grey: np.ndarray  # (H, W) in [0, 1], as sent
    inverted: bool  # the ink was dark on a light background
    ink: np.ndarray  # (H, W) in [0, 1], white ink on black
    cropped: np.ndarray  # the ink's bounding box
    boxed: np.ndarray  # scaled to fit 20×20, shape kept
    digit: np.ndarray  # (28, 28) float32 in [0, 1]: what the models read
    from_mnist: bool = False  # an MNIST digit taken as it is (every step is the digit itself)


def as_prepared(digit: np.ndarray) -> PreparedDigit:
    """An MNIST digit, which went through this recipe when MNIST was made: taken as it is (done
    again, rounding the centre of mass could move it by a pixel)."""
    values = np.asarray(digit, dtype=np.float32)
    return PreparedDigit(values, False, values, values, values, values, from_mnist=True)


def to_grey(image: Image.Image) -> np.ndarray:
    """(H, W) grey values in [0, 1]; transparency laid on the background its strokes need."""
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float64) / 255.0
        alpha = rgba[..., 3]
        grey = rgba[..., :3] @ np.array([0.299, 0.587, 0.114])
        if alpha.min() < 0.99:  # see-through somewhere: the strokes are where alpha is
            strokes = alpha > 0.5
            stroke_level = float(grey[strokes].mean()) if strokes.any() else 0.0
            background = 1.0 if stroke_level < 0.5 else 0.0
            return alpha * grey + (1 - alpha) * background
        return grey
    return np.asarray(image.convert("L"), dtype=np.float64) / 255.0


def prepare_digit(image: Image.Image) -> PreparedDigit:
    grey = to_grey(image)
    background = border_level(grey)
    inverted = background > 0.5
    ink = (1.0 - grey) if inverted else grey
    ink = np.clip(ink - min(background, 1 - background), 0.0, None)
    if ink.max() < 0.1:
        raise DigitInputError("There is no digit to read: the picture is empty or one colour.")
    ink = ink / ink.max()
    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    cropped = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    boxed = fit_box(cropped)
    return PreparedDigit(grey, inverted, ink, cropped, boxed, centre_by_mass(boxed))


def fit_box(ink: np.ndarray, side: int = BOX) -> np.ndarray:
    """The ink scaled (smoothly) so that its longer side is `side` pixels, its shape kept."""
    height, width = ink.shape
    factor = side / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    picture = Image.fromarray((ink * 255).astype(np.float32), mode="F")
    scaled = np.asarray(picture.resize(size, Image.Resampling.LANCZOS), dtype=np.float64) / 255
    return np.clip(scaled, 0.0, 1.0)


def centre_of_mass(ink: np.ndarray) -> tuple[float, float]:
    """(row, column) of the ink's centre of mass, in pixel-centre coordinates."""
    total = ink.sum()
    rows, cols = np.indices(ink.shape)
    return float((rows * ink).sum() / total), float((cols * ink).sum() / total)


def centre_by_mass(boxed: np.ndarray, field: int = FIELD) -> np.ndarray:
    """The box placed in a field x field picture with its centre of mass at the centre (to the
    nearest pixel, as MNIST did); ink pushed past an edge is cut off."""
    row, col = centre_of_mass(boxed)
    centre = (field - 1) / 2
    top, left = round(centre - row), round(centre - col)
    out = np.zeros((field, field), dtype=np.float32)
    height, width = boxed.shape
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + height, field), min(left + width, field)
    out[r0:r1, c0:c1] = boxed[r0 - top : r1 - top, c0 - left : c1 - left]
    return out


def open_digit_picture(data: bytes) -> Image.Image:
    """A sent file as a picture of a digit, its transparency kept (the ink may live there).

    Decoded once, by the app's bounded decoder (models/cnn/images.py: empty, corrupt and too
    large files raise ImageInputError with a message for the person), upright, at most 1024
    pixels a side, in "L", "LA", "RGB" or "RGBA": 16-bit and float pictures are scaled into
    grey levels first, so a float TIFF of a digit is read as one.
    """
    picture = decode_picture(data, fit_side(KEEP_SIDE))
    width, height = picture.image.size
    if min(width, height) < THINNEST_SIDE or max(width, height) > THINNEST_SHAPE * min(
        width, height
    ):
        sent_width, sent_height = picture.original_size
        raise DigitInputError(
            f"This picture is {sent_width:,}×{sent_height:,} pixels: too thin to hold a digit. "
            f"Send one at least {THINNEST_SIDE} pixels each way, roughly as wide as it is tall."
        )
    return picture.image
