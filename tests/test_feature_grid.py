"""Feature-map wrangling: scaling, ordering, tiling and colouring give exact, checkable values."""

from __future__ import annotations

import numpy as np
import pytest

from imaging.maps import colorize, scale_maps, tile, upscale_nearest
from models.cnn.channel_stats import channel_order, representative_map
from ui.common.text import escape_markdown

MAPS = np.stack(
    [
        np.zeros((2, 2)),
        np.array([[0.0, 1.0], [2.0, 3.0]]),
        np.full((2, 2), 10.0),
    ]
).astype(np.float32)  # (3, 2, 2); channel means 0, 1.5, 10


def test_scale_per_channel_and_per_layer() -> None:
    per_channel = scale_maps(MAPS, per_channel=True)
    np.testing.assert_allclose(per_channel[1], [[0, 1 / 3], [2 / 3, 1]], rtol=1e-6)
    assert per_channel[0].tolist() == [[0, 0], [0, 0]]  # a flat channel does not divide by zero
    per_layer = scale_maps(MAPS, per_channel=False)
    assert per_layer[1, 1, 1] == pytest.approx(0.3)
    assert per_layer[2, 0, 0] == pytest.approx(1.0)


def test_channel_order_and_representative_map() -> None:
    assert channel_order(MAPS, "mean").tolist() == [2, 1, 0]
    assert channel_order(MAPS, "index").tolist() == [0, 1, 2]
    assert representative_map(MAPS, "strongest").tolist() == MAPS[2].tolist()
    assert representative_map(MAPS, "mean")[0, 1] == pytest.approx((0 + 1 + 10) / 3)
    with pytest.raises(ValueError):
        channel_order(MAPS, "random")


def test_colorize_endpoints_are_viridis() -> None:
    rgb = colorize(np.array([0.0, 1.0, 2.0, -1.0]))
    assert rgb.dtype == np.uint8
    assert rgb[0].tolist() == [68, 1, 84]
    assert rgb[1].tolist() == [253, 231, 37]
    assert rgb[2].tolist() == rgb[1].tolist()  # clipped
    assert rgb[3].tolist() == rgb[0].tolist()


def test_tile_places_images_row_by_row_with_gaps() -> None:
    images = np.arange(5 * 2 * 3, dtype=np.int64).reshape(5, 2, 3)
    grid = tile(images, columns=3, gap=1, fill=-1)
    assert grid.shape == (2 * 2 + 1, 3 * 3 + 2)
    for index in range(5):
        y, x = (index // 3) * 3, (index % 3) * 4  # each cell is 2×3 plus a gap of 1
        assert grid[y : y + 2, x : x + 3].tolist() == images[index].tolist()
    assert grid[2, 0] == -1  # the gap row
    assert grid[3:, 8:].tolist() == [[-1, -1, -1], [-1, -1, -1]]  # empty sixth cell


def test_upscale_nearest_repeats_pixels() -> None:
    image = np.array([[1, 2], [3, 4]])
    big = upscale_nearest(image, 5)
    assert big.shape == (6, 6)
    assert big[:3, :3].tolist() == [[1] * 3] * 3 and big[5, 5] == 4


def test_escape_markdown_neutralises_syntax() -> None:
    escaped = escape_markdown("**bold** <script>[x](javascript:1)\nnext")
    assert "**" not in escaped.replace("\\*", "")
    assert "\n" not in escaped
    assert escaped.startswith("\\*\\*bold\\*\\*")
    assert "\\<script\\>" in escaped
