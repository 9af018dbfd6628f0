"""Held-out handwritten digits (the shipped MNIST split's test part) as PNG files a visitor or
the command line would send."""

from __future__ import annotations

import io

from PIL import Image

from models.digits.data import digit_set


def held_out_png(index: int) -> tuple[bytes, int]:
    """The `index`-th held-out digit as PNG bytes (white ink on black, 28×28) and its label."""
    digits = digit_set()
    which = digits.test[index]
    buffer = io.BytesIO()
    Image.fromarray(digits.images[which]).save(buffer, format="PNG")
    return buffer.getvalue(), int(digits.labels[which])
