"""MNIST's recipe on synthetic pictures: inversion found, ink in a 20×20 box, mass centred."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from models.digits.data import digit_set
from models.digits.prepare import DigitInputError, centre_of_mass, prepare_digit


def stroke_picture(size: int, ink: int, paper: int, mode: str = "L") -> Image.Image:
    """A fat '7' drawn off-centre in the top-left of a size×size picture."""
    picture = Image.new(mode, (size, size), paper)
    draw = ImageDraw.Draw(picture)
    s = size // 10
    draw.line([(s, s), (5 * s, s), (2 * s, 6 * s)], fill=ink, width=max(1, size // 25))
    return picture


@pytest.mark.parametrize(
    ("ink", "paper", "inverted"), [(0, 255, True), (255, 0, False), (40, 220, True)]
)
def test_ink_becomes_white_on_black_whichever_way_it_was_drawn(ink, paper, inverted) -> None:
    prepared = prepare_digit(stroke_picture(280, ink, paper))
    assert prepared.inverted is inverted
    digit = prepared.digit
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert digit.max() == pytest.approx(1.0, abs=0.05) and digit.min() == 0.0
    assert max(prepared.boxed.shape) == 20  # the longer side fills the 20-pixel box
    rows = np.flatnonzero(digit.max(axis=1) > 0.05)
    cols = np.flatnonzero(digit.max(axis=0) > 0.05)
    assert rows[-1] - rows[0] <= 20 and cols[-1] - cols[0] <= 20
    row, col = centre_of_mass(digit)  # moved from the top-left to the middle
    assert abs(row - 13.5) <= 0.5 and abs(col - 13.5) <= 0.5


def test_strokes_held_only_in_the_alpha_channel_read_like_the_same_strokes_on_paper() -> None:
    paper = prepare_digit(stroke_picture(280, 0, 255)).digit
    transparent = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    alpha = stroke_picture(280, 255, 0)  # where the strokes are
    transparent.putalpha(alpha)  # black strokes, see-through elsewhere: a canvas export
    from_alpha = prepare_digit(transparent)
    assert from_alpha.inverted  # laid on white, the dark strokes are ink
    np.testing.assert_allclose(from_alpha.digit, paper, atol=0.02)
    white_strokes = Image.new("RGBA", (280, 280), (255, 255, 255, 0))
    white_strokes.putalpha(alpha)
    np.testing.assert_allclose(prepare_digit(white_strokes).digit, paper, atol=0.02)


def test_a_heldout_mnist_digit_comes_back_as_it_was_up_to_one_pixel_of_centring() -> None:
    """MNIST made its digits by this very recipe: applied again, it gives the same picture,
    except that rounding the centre of mass can place it one pixel away."""
    data = digit_set()
    for index in data.test[:50]:
        original = data.images[index].astype(np.float32) / 255
        again = prepare_digit(Image.fromarray(data.images[index])).digit
        nearest = min(
            np.abs(np.roll(again, (dy, dx), axis=(0, 1)) - original).mean()
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
        )
        assert nearest < 0.005, index


@pytest.mark.parametrize("colour", [0, 255, 128])
def test_a_picture_with_no_ink_says_so(colour: int) -> None:
    with pytest.raises(DigitInputError, match="no digit"):
        prepare_digit(Image.new("L", (50, 50), colour))
