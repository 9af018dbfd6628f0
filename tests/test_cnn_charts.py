"""CNN chart builders: figures carry exactly the values they were given."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from charts.cnn import channel_captions, shape_ladder_figure, stage_captions, top_classes_figure
from charts.explain import stage_stats_figure
from charts.layout import row_domains
from charts.theme import CROSS, CROSS_RIM, FIELD_BOX
from imaging.encode import png_data_uri
from imaging.maps import colorize, overlay_image, viridis_png
from imaging.marks import draw_box, enlarged, mark_point
from imaging.tiles import channel_tiles, stage_pictures
from models.cnn.channel_stats import representative_map
from tests.helpers.pictures import data_uri_pixels


def png_pixels(data: bytes) -> np.ndarray:
    assert data.startswith(b"\x89PNG")
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_png_data_uri_round_trips_pixels() -> None:
    rgb = np.random.default_rng(1).integers(0, 255, (7, 5, 3), dtype=np.uint8)
    assert np.array_equal(data_uri_pixels(png_data_uri(rgb)), rgb)


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


def test_stage_pictures_one_per_stage_with_shape_captions() -> None:
    maps = [np.ones((3, 8, 8), np.float32), np.ones((6, 4, 4), np.float32)]
    maps[1][:, 0, 0] = 5.0  # one bright corner
    pictures = stage_pictures([representative_map(m, "mean") for m in maps])
    captions = stage_captions(["a", "b"], [(3, 8, 8), (6, 4, 4)], [3, 7])
    assert captions == ["a · 3×8×8 · sees 3 px", "b · 6×4×4 · sees 7 px"]
    shown = [png_pixels(p) for p in pictures]
    assert [p.shape for p in shown] == [(8, 8, 3), (4, 4, 3)]  # the maps' own size
    assert shown[1][0, 0].tolist() == colorize(np.array(1.0)).tolist()
    assert shown[1][-1, -1].tolist() == colorize(np.array(0.0)).tolist()


def test_shape_ladder_plots_channels_and_height() -> None:
    fig = shape_ladder_figure(["conv1", "fire9"], [(64, 113, 113), (512, 13, 13)])
    assert list(fig.data[0].y) == [64, 512]
    assert list(fig.data[1].y) == [113, 13]


def test_stage_statistics_draw_the_values_given() -> None:
    fig = stage_stats_figure(["conv1", "fire2"], [0.5, 2.0], [4.0, 9.0], [0.25, 0.75])
    assert [list(t.y) for t in fig.data] == [[0.5, 2.0], [4.0, 9.0], [0.25, 0.75]]
    assert list(fig.data[0].x) == ["conv1", "fire2"] and fig.layout.yaxis.type == "log"
    negative = stage_stats_figure(["a", "b"], [-0.1, 2.0], [4.0, 9.0], [0.0, 0.0])
    assert negative.layout.yaxis.type == "linear"  # a log axis would hide the negative mean


def test_channel_tiles_in_the_order_asked_with_their_captions() -> None:
    maps = np.zeros((10, 56, 56), np.float32)
    maps[4] = 1.0
    tiles = [png_pixels(t) for t in channel_tiles(maps, [4, 0, 9], per_channel=False)]
    assert [t.shape for t in tiles] == [(56, 56, 3)] * 3
    assert tiles[0][10, 10].tolist() == colorize(np.array(1.0)).tolist()  # channel 4: brightest
    assert tiles[1][10, 10].tolist() == colorize(np.array(0.0)).tolist()
    assert channel_captions([4, 0]) == ["#4", "#0"]
    assert channel_captions([1], ["goldfish, Carassius auratus", "great white shark"]) == [
        "#1 great white shark"
    ]


def test_a_palette_png_holds_exactly_the_colour_map() -> None:
    values = np.random.default_rng(3).random((40, 30)).astype(np.float32)
    data = viridis_png(values)
    np.testing.assert_array_equal(png_pixels(data), colorize(values))
    assert len(data) < 768 + 40 * 30 * 1.2  # the palette, then about a byte per pixel, not 3


def test_layout_rows_stack_top_down_inside_the_paper() -> None:
    assert row_domains(2, 0.18) == [[0.59, 1.0], [0.0, 0.41]]
    assert row_domains(3, 0.1)[1] == pytest.approx([0.3666666, 0.6333333])


def test_a_mark_lands_on_its_input_pixel_after_enlarging() -> None:
    photo = np.zeros((100, 100, 3), np.uint8)
    big, factor = enlarged(photo, 400)
    assert big.shape == (400, 400, 3) and factor == 4
    marked = mark_point(photo, (25.0, 70.0), CROSS, CROSS_RIM).min(axis=2) > 240  # a cross ...
    rows, cols = np.nonzero(marked)
    # ... white, centred on input pixel (25, 70), i.e. enlarged pixels 100-103 and 280-283.
    assert cols.mean() == pytest.approx(25.5 * (448 / 100) - 0.5, abs=1)
    assert rows.mean() == pytest.approx(70.5 * (448 / 100) - 0.5, abs=1)


def test_a_box_outlines_exactly_its_pixels() -> None:
    photo = np.zeros((100, 100, 3), np.uint8)
    drawn = draw_box(photo, (10, 20, 30, 60), FIELD_BOX)  # top, left, bottom, right (end-exclusive)
    red = np.nonzero(drawn[..., 0] == 255)
    factor = 448 / 100
    assert (red[0].min(), red[0].max()) == (round(10 * factor), round(30 * factor) - 1)
    assert (red[1].min(), red[1].max()) == (round(20 * factor), round(60 * factor) - 1)


def test_class_names_are_shown_as_written_not_read_as_plotly_markup() -> None:
    # An operator's names file may hold anything; plotly reads <b>, <a href> and entities.
    fig = top_classes_figure(["<b>bold</b>", "A&P", "cat"], [0.5, 0.3, 0.2])
    labels = list(fig.data[0].y)
    assert "&lt;b&gt;bold&lt;/b&gt;" in labels
    assert "A&amp;P" in labels
    assert "cat" in labels
