"""CNN chart builders: figures carry exactly the values they were given."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from charts.cnn import (
    channel_grid_figure,
    overlay_image,
    shape_ladder_figure,
    stage_overview_figure,
    top_classes_figure,
)
from charts.pictures import png_data_uri
from charts.rendering import colorize


def decode(uri: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def test_png_data_uri_round_trips_pixels() -> None:
    rgb = np.random.default_rng(1).integers(0, 255, (7, 5, 3), dtype=np.uint8)
    assert np.array_equal(decode(png_data_uri(rgb)), rgb)


def test_top_classes_most_likely_on_top() -> None:
    fig = top_classes_figure(["espresso", "cup"], [0.9, 0.1])
    assert list(fig.data[0].y) == ["cup", "espresso"]  # plotly draws bars bottom-up
    assert list(fig.data[0].x) == [0.1, 0.9]
    assert list(fig.data[0].text) == ["10.0%", "90.0%"]


def test_overlay_opacity_endpoints() -> None:
    photo = np.full((4, 4, 3), 100, dtype=np.uint8)
    feature = np.array([[0.0, 1.0], [2.0, 3.0]], dtype=np.float32)
    assert np.array_equal(overlay_image(photo, feature, 0.0), photo)
    full = overlay_image(photo, feature, 1.0)
    assert full[0, 0].tolist() == colorize(np.array(0.0)).tolist()  # weakest corner
    assert full[3, 3].tolist() == colorize(np.array(1.0)).tolist()  # strongest corner
    half = overlay_image(photo, feature, 0.5)
    expected = np.rint((photo[0, 0].astype(float) + colorize(np.array(0.0))) / 2)
    assert half[0, 0].tolist() == expected.tolist()


def test_stage_overview_one_image_per_stage_with_shape_titles() -> None:
    maps = [np.ones((3, 8, 8), np.float32), np.ones((6, 4, 4), np.float32)]
    fig = stage_overview_figure(["a", "b"], [(3, 8, 8), (6, 4, 4)], maps, "mean")
    assert [t.type for t in fig.data] == ["image", "image"]
    assert [a.text for a in fig.layout.annotations] == ["a<br>3×8×8", "b<br>6×4×4"]
    assert fig.layout.yaxis2.scaleanchor == "x2"  # square pixels in every subplot


def test_shape_ladder_plots_channels_and_height() -> None:
    fig = shape_ladder_figure(["conv1", "fire9"], [(64, 113, 113), (512, 13, 13)])
    assert list(fig.data[0].y) == [64, 512]
    assert list(fig.data[1].y) == [113, 13]


def test_channel_grid_labels_each_tile_with_its_channel() -> None:
    maps = np.zeros((10, 56, 56), np.float32)
    maps[4] = 1.0
    fig = channel_grid_figure(maps, [4, 0, 9], per_channel=False, columns=8)
    assert [a.text for a in fig.layout.annotations] == ["#4", "#0", "#9"]
    grid = decode(fig.data[0].source)
    assert grid.shape == (56, 3 * 56 + 2 * 2, 3)
    assert grid[10, 10].tolist() == colorize(np.array(1.0)).tolist()  # channel 4 is brightest
    assert grid[10, 58 + 10].tolist() == colorize(np.array(0.0)).tolist()
