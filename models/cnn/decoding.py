"""Decoding an opened picture at about the size it is kept at, with bounded memory.

A 200 kB PNG can hold 64 megapixels: decoded whole in RGB that is 256 MB (Pillow keeps four bytes
a pixel), and the old way of converting it to RGB and then scaling it held two such copies
at once. Here:

- a JPEG is decoded at a reduced size by the decoder itself (`draft`: 1/2, 1/4 or 1/8);
- any other format is decoded in its own mode (one byte a pixel for "1", "L" and "P"), then
  converted and reduced by a whole factor a strip of rows at a time, so no full-size copy in
  another mode is ever made (the old code made a float64 one for 16-bit and float pictures);
- a decode of more than LARGE_PIXELS waits for its turn: LARGE_DECODES_AT_ONCE of them run at
  once in a process, so three 64-megapixel uploads arriving together queue instead of adding up.

The result is in one of four modes, "L", "LA", "RGB" or "RGBA", which the CNN page turns into
RGB and the digits page into grey.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from PIL import Image

# Above this many pixels (as decoded, after a JPEG's draft) a decode takes its turn: 16 MP is
# 64 MB in RGB or float, so decodes under it can run side by side without much cost.
LARGE_PIXELS = 16_000_000
LARGE_DECODES_AT_ONCE = 1
_large_decodes = threading.BoundedSemaphore(LARGE_DECODES_AT_ONCE)
# Rows are converted and reduced about this many pixels at a time (4 MB of float32 a strip).
STRIP_PIXELS = 1_000_000

GREY_LEVELS = ("1", "I", "F")  # modes whose values are scaled into "L"
_AS_IS = ("L", "LA", "RGB", "RGBA")
_CONVERTED = {"La": "LA", "PA": "RGBA", "RGBa": "RGBA", "RGBX": "RGB"}


@contextmanager
def decode_turn(pixels: int) -> Iterator[None]:
    """Wait for a turn when decoding `pixels` is large; small decodes go straight through."""
    if pixels <= LARGE_PIXELS:
        yield
        return
    with _large_decodes:
        yield


def working_mode(image: Image.Image) -> str:
    """The mode a picture is kept in: "L", "LA", "RGB" or "RGBA", transparency kept."""
    mode = image.mode
    if mode in _AS_IS:
        return mode
    if mode in _CONVERTED:
        return _CONVERTED[mode]
    if mode == "1" or mode.startswith("I") or mode == "F":
        return "L"
    if mode == "P":
        see_through = "transparency" in image.info or (
            image.palette is not None and image.palette.mode == "RGBA"
        )
        return "RGBA" if see_through else "RGB"
    return "RGB"  # CMYK, YCbCr, LAB, HSV


def grey_range(image: Image.Image) -> tuple[float, float]:
    """(low, span) that maps a 16-bit, 32-bit or float picture's values onto 0..1.

    16-bit pictures use their whole range; 32-bit integers too when any value passes 255 (many
    are 8-bit values stored wide); float pictures are stretched from their lowest value to
    their highest, as their scale is anyone's guess (0..1, 0..255, or measurements).
    """
    low, high = image.getextrema()
    if image.mode == "F":
        low, high = float(low), float(high)
        if not np.isfinite(low) or not np.isfinite(high):
            values = np.asarray(image, dtype=np.float32)
            finite = values[np.isfinite(values)]
            low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        return low, (high - low) or 1.0
    top = 65535.0 if image.mode.startswith("I;16") or high > 255 else 255.0
    return 0.0, top


def to_working(strip: Image.Image, mode: str, scale: tuple[float, float] | None) -> Image.Image:
    """One strip of a picture in the working mode."""
    if scale is not None and strip.mode != "1":
        low, span = scale
        values = np.asarray(strip, dtype=np.float32)
        grey = np.nan_to_num((values - low) / span, nan=0.0, posinf=1.0, neginf=0.0)
        return Image.fromarray(np.clip(grey * 255.0 + 0.5, 0, 255).astype(np.uint8), mode="L")
    return strip if strip.mode == mode else strip.convert(mode)


def shrink(image: Image.Image, target: tuple[int, int]) -> Image.Image:
    """A loaded picture in its working mode, reduced by the largest whole factor that keeps it
    at least `target` (width, height); converted and reduced a strip of rows at a time."""
    width, height = image.size
    factor = max(1, min(width // max(1, target[0]), height // max(1, target[1])))
    mode = working_mode(image)
    scale = grey_range(image) if mode == "L" and image.mode not in ("L", "1") else None
    if factor == 1 and image.mode == mode:
        return image
    rows = max(factor, STRIP_PIXELS // max(1, width) // factor * factor)
    out = Image.new(mode, (-(-width // factor), -(-height // factor)))
    for top in range(0, height, rows):
        strip = image.crop((0, top, width, min(height, top + rows)))
        strip = to_working(strip, mode, scale)
        if factor > 1:
            strip = strip.reduce(factor)
        out.paste(strip, (0, top // factor))
    return out


def decode_reduced(image: Image.Image, target: tuple[int, int]) -> tuple[Image.Image, int]:
    """An opened (not yet loaded) picture's current frame, decoded and reduced towards
    `target` (width, height) but never below it, in its working mode; and its EXIF
    orientation (1 when upright), read once decoded (a PNG's may follow its pixels)."""
    image.draft(image.mode, target)  # JPEG only: the decoder skips what is not needed
    with decode_turn(image.width * image.height):
        image.load()
        reduced = shrink(image, target)
        orientation = int(image.getexif().get(0x0112, 1) or 1)
        if reduced is image:
            reduced = image.copy()  # small: not worth keeping the file's object alive
        image.close()  # the full-size pixels go before the next large decode starts
    # Nothing of the file's metadata goes on: its EXIF orientation, applied by the caller,
    # would be applied again by anyone who calls ImageOps.exif_transpose on the result.
    reduced.info = {}
    return reduced, orientation
