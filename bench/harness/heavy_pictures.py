"""Pictures encoded in memory, and a 64-megapixel PNG of about 80 kB.

The tests' corpus of odd files (tests/helpers/bad_inputs.py) and bench/decode_memory.py both
send the large one.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    """The bytes of `image` saved as `fmt` (a Pillow format name)."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def big_digit_png(side: int = 7990, mode: str = "L") -> bytes:
    """A side×side PNG of a dark 7 on white, drawn small and enlarged without smoothing, so
    it compresses to about 80 kB in grey (200 kB in RGB) yet decodes to 64 megapixels."""
    small = Image.new(mode, (64, 64), "white")
    ImageDraw.Draw(small).line([(20, 12), (44, 12), (30, 52)], fill="black", width=6)
    return encode(small.resize((side, side), Image.Resampling.NEAREST), "PNG", compress_level=9)
