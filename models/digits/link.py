"""A prepared 28×28 digit as a short text for a link, and back.

The digit is kept at 256 grey levels (as MNIST's own digits are), packed with zlib and written
in URL-safe base64: a drawn digit, mostly black, takes a few hundred characters. Reading a
text back checks everything a hand-edited or hostile link could get wrong (not base64, not
zlib, a decompression bomb, the wrong size) and says so in a DigitInputError.
"""

from __future__ import annotations

import base64
import binascii
import zlib

import numpy as np

from models.digits.prepare import FIELD, DigitInputError

PIXELS = FIELD * FIELD
MAX_TEXT = 2000  # characters: a digit needs far fewer; more is not a digit of ours


def quantised(digit: np.ndarray) -> np.ndarray:
    """The digit at 256 grey levels, as float32 in [0, 1]: what a link can carry exactly."""
    levels = np.rint(np.clip(digit, 0.0, 1.0) * 255.0)
    return (levels / 255.0).astype(np.float32)


def digit_to_text(digit: np.ndarray) -> str:
    levels = np.rint(np.clip(digit, 0.0, 1.0) * 255.0).astype(np.uint8)
    packed = zlib.compress(levels.tobytes(), 9)
    return base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def digit_from_text(text: str) -> np.ndarray:
    """The (28, 28) float32 digit a link's text holds; DigitInputError if it holds none."""
    if not text or len(text) > MAX_TEXT:
        raise DigitInputError("The link's drawing is not a digit of this page.")
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj()
        levels = inflater.decompress(packed, PIXELS + 1)  # never more than one digit's bytes
    except (binascii.Error, ValueError, zlib.error) as error:
        raise DigitInputError("The link's drawing could not be read.") from error
    if len(levels) != PIXELS or inflater.unconsumed_tail:
        raise DigitInputError("The link's drawing is not a 28×28 digit.")
    return (np.frombuffer(levels, dtype=np.uint8).reshape(FIELD, FIELD) / 255.0).astype(np.float32)
