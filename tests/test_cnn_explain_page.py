"""AppTest of the CNN page's "why" sections: every control, every number from the models."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest
import torch
from PIL import Image

import ui.cache.cnn
from bench.harness.apptest import open_cnn_page
from bench.harness.paths import SAMPLES
from charts.theme import CROSS, CROSS_RIM
from imaging.marks import PICTURE_SIDE, enlarged, mark_point
from models.cnn.explain import effective_receptive_field, explain
from models.cnn.geometry import receptive_fields
from models.cnn.imagenet import class_names
from models.cnn.registry import CNN_MODELS, load_cnn
from models.cnn.stage_stats import stage_statistics
from models.cnn.trace import trace_image
from tests.helpers.apptest import charts, empty_blocks
from tests.helpers.pictures import picture, pictures, recorded_media
from ui.cnn.look_deeper import FIELDS_TABLE_KEY

ESPRESSO = 967


def photo() -> Image.Image:
    return Image.open(SAMPLES / "chelsea.jpg")  # the default sample


def batch(model: str) -> torch.Tensor:
    return CNN_MODELS[model].preprocess(photo())[0]


def near(found: np.ndarray, expected: np.ndarray) -> float:
    """Mean absolute difference of two uint8 pictures (JPEG leaves a few levels of noise)."""
    return float(np.abs(found.astype(int) - expected.astype(int)).mean())


def cross_mask(point: tuple[float, float]) -> np.ndarray:
    """Where `mark_point` paints white for a cross at `point` of the 227-pixel input."""
    return mark_point(np.zeros((227, 227, 3), np.uint8), point, CROSS, CROSS_RIM).min(axis=2) > 240


def whiteness(rgb: np.ndarray, mask: np.ndarray) -> float:
    return float(rgb[mask].min(axis=1).mean())


def check_cross(rgb: np.ndarray, peak: tuple[float, float]) -> None:
    """The evidence picture carries the white cross at `peak`, and not 40 pixels away."""
    assert rgb.shape == (PICTURE_SIDE, PICTURE_SIDE, 3)
    assert whiteness(rgb, cross_mask(peak)) > 200
    elsewhere = ((peak[0] + 40) % 200 + 13, (peak[1] + 40) % 200 + 13)
    assert whiteness(rgb, cross_mask(elsewhere)) < 200


def test_class_evidence_defaults_to_the_top_class_and_is_exact() -> None:
    with recorded_media() as media:
        at = open_cnn_page(section="class")
    trace = trace_image(load_cnn("squeezenet1_1"), "squeezenet1_1", photo())
    top = trace.top(1)[0][0]
    assert at.selectbox(key="cnn_class").value == top
    expected = explain(
        "squeezenet1_1", load_cnn("squeezenet1_1"), batch("squeezenet1_1"), "cam", top
    )
    assert any(f"{expected.logit:.2f}" in md.value and "Exact" in md.value for md in at.markdown)
    check_cross(picture(at, "cnn_evidence", media), expected.peak_input())
    assert any("in the 451×300 photo" in md.value for md in at.markdown)


def test_any_class_and_grad_cam_at_any_stage() -> None:
    at = open_cnn_page(section="class")
    at.selectbox(key="cnn_class").set_value(ESPRESSO).run()
    at.radio(key="cnn_method").set_value("gradcam").run()
    with recorded_media() as media:
        at.selectbox(key="cnn_gradcam_stage_squeezenet1_1").set_value("fire5").run()
    assert not at.exception
    expected = explain(
        "squeezenet1_1",
        load_cnn("squeezenet1_1"),
        batch("squeezenet1_1"),
        "gradcam",
        ESPRESSO,
        "fire5",
    )
    check_cross(picture(at, "cnn_evidence", media), expected.peak_input())
    assert any("Grad-CAM on **fire5**" in md.value for md in at.markdown)
    assert any(class_names()[ESPRESSO] in md.value for md in at.markdown)


def test_occlusion_runs_on_request() -> None:
    at = open_cnn_page(section="class")
    at.radio(key="cnn_method").set_value("occlusion").run()
    assert not pictures(at, "cnn_evidence")
    assert any("Run occlusion" in info.value for info in at.info)
    at.select_slider(key="cnn_patch").set_value(96).run()
    at.select_slider(key="cnn_stride").set_value(48).run()
    assert any("9 forward passes" in caption.value for caption in at.caption)
    at.button(key="cnn_run_occlusion").click().run()
    assert not at.exception
    assert pictures(at, "cnn_evidence")
    assert any("largest drop" in md.value for md in at.markdown)


def test_no_section_is_built_until_chosen_and_the_chosen_one_is_in_the_address() -> None:
    """ "Look deeper" starts on "Nothing more": a photo costs no class map, no unit gradient and
    no statistics until the visitor picks a section, which the address then names."""
    ui.cache.cnn.unit_gradient.clear()  # another test may have followed the same unit
    cache = ui.cache.cnn
    with (
        patch.object(
            cache, "effective_receptive_field", wraps=cache.effective_receptive_field
        ) as gradients,
        patch.object(
            cache, "class_activation_map_of", wraps=cache.class_activation_map_of
        ) as class_maps,
    ):
        at = open_cnn_page()
        assert at.radio(key="cnn_deeper").value == "none"
        assert gradients.call_count == class_maps.call_count == 0
        assert not any(pictures(at, key) for key in ("cnn_evidence", "cnn_rf_box"))
        assert "cnn_stats" not in charts(at) and "section" not in at.query_params
        assert "This overlay (PNG)" not in download_labels(at)
        at.radio(key="cnn_deeper").set_value("class").run()
        assert class_maps.call_count == 1 and pictures(at, "cnn_evidence")
        assert at.query_params["section"] == "class"
        at.radio(key="cnn_deeper").set_value("unit").run()
        assert gradients.call_count == 1
        assert pictures(at, "cnn_rf_box") and pictures(at, "cnn_rf_gradient")
        assert not pictures(at, "cnn_evidence") and at.query_params["section"] == "unit"
        assert not empty_blocks(at)  # the unit's fragment is the section, not a helper of it
        at.radio(key="cnn_deeper").set_value("statistics").run()
        assert "cnn_stats" in charts(at) and not pictures(at, "cnn_rf_box")
        assert gradients.call_count == 1 and class_maps.call_count == 1
        assert at.query_params["section"] == "statistics"
        at.radio(key="cnn_deeper").set_value("none").run()
        assert "section" not in at.query_params and "cnn_stats" not in charts(at)
    assert not at.exception


def download_labels(at) -> set[str]:
    return {button.proto.label for button in at.get("download_button")}


def test_back_at_the_class_section_the_top_guess_is_explained_again() -> None:
    at = open_cnn_page(section="class")
    top = at.selectbox(key="cnn_class").value
    at.selectbox(key="cnn_class").set_value(ESPRESSO).run()
    at.radio(key="cnn_deeper").set_value("unit").run()
    at.radio(key="cnn_deeper").set_value("class").run()
    assert not at.exception
    assert at.selectbox(key="cnn_class").value == top != 0  # not the first class, "tench"
    assert pictures(at, "cnn_evidence")


def test_one_units_field_and_gradient() -> None:
    at = open_cnn_page()
    at.radio(key="cnn_deeper").set_value("unit").run()
    at.selectbox(key="cnn_rf_stage_squeezenet1_1").set_value("fire4").run()
    at.number_input(key="cnn_rf_row_squeezenet1_1_fire4").set_value(3).run()
    with recorded_media() as media:
        at.number_input(key="cnn_rf_col_squeezenet1_1_fire4").set_value(20).run()
    assert not at.exception
    spec = CNN_MODELS["squeezenet1_1"]
    field = next(f for f in receptive_fields(spec.spatial_ops(227)) if f.stage == "fire4")
    top, left, bottom, right = field.box(3, 20, 227)
    drawn = picture(at, "cnn_rf_box", media).astype(int)
    red = (drawn[..., 0] > 200) & (drawn[..., 1] < 110) & (drawn[..., 2] < 150)
    rows_red, cols_red = np.nonzero(red)
    factor = PICTURE_SIDE / 227
    # The red outline's outer edge is the box's edge, in the enlarged picture's pixels.
    assert rows_red.min() == pytest.approx(top * factor, abs=2)
    assert rows_red.max() == pytest.approx(bottom * factor - 1, abs=2)
    assert cols_red.min() == pytest.approx(left * factor, abs=2)
    assert cols_red.max() == pytest.approx(right * factor - 1, abs=2)
    gradient = effective_receptive_field(
        load_cnn("squeezenet1_1"), batch("squeezenet1_1"), "fire4", 3, 20
    )
    rows, cols = np.nonzero(gradient.sum(axis=1))[0], np.nonzero(gradient.sum(axis=0))[0]
    assert top <= rows.min() and rows.max() < bottom and left <= cols.min() and cols.max() < right
    assert any(f"{field.size}×{field.size} pixels" in c.value for c in at.caption)
    assert not at.table  # the table of every stage is built when its expander is opened
    at.session_state[FIELDS_TABLE_KEY] = True
    at.run()
    table = next(t.value for t in at.table if "field (pixels)" in t.value.columns)
    assert table["field (pixels)"].tolist()[-1] == 207


def test_statistics_compare_and_downloads() -> None:
    at = open_cnn_page(section="class")
    labels = download_labels(at)
    assert {"These channels (PNG)", "This overlay (PNG)", "Top 5 (CSV)"} <= labels
    at.radio(key="cnn_deeper").set_value("statistics").run()
    at.selectbox(key="cnn_top_squeezenet1_1").set_value("fire9").run()
    trace = trace_image(load_cnn("squeezenet1_1"), "squeezenet1_1", photo())
    fire9 = next(s for s in stage_statistics(trace) if s.name == "fire9")
    frame = next(df.value for df in at.dataframe if "mean activation" in df.value.columns)
    assert frame["channel"].tolist() == [channel for channel, _ in fire9.top_channels]
    assert "cnn_stats" in charts(at)
    at.toggle(key="cnn_both").set_value(True).run()
    assert not at.exception
    found = charts(at)
    assert {f"cnn_both_top5_{name}" for name in CNN_MODELS} <= set(found)
    other = trace_image(load_cnn("efficientnet_lite0"), "efficientnet_lite0", photo())
    bars = found["cnn_both_top5_efficientnet_lite0"]["data"][0]
    assert class_names()[other.top(1)[0][0]] in bars["y"]


def test_opacity_blends_the_evidence_over_the_photo() -> None:
    with recorded_media() as media:
        at = open_cnn_page(section="class")
        strong = picture(at, "cnn_evidence", media)
        at.slider(key="cnn_explain_opacity").set_value(0.0).run()
        assert not at.exception
        plain = picture(at, "cnn_evidence", media)
    trace = trace_image(load_cnn("squeezenet1_1"), "squeezenet1_1", photo())
    top = trace.top(1)[0][0]
    peak = explain("squeezenet1_1", load_cnn("squeezenet1_1"), batch("squeezenet1_1"), "cam", top)
    bare = mark_point(enlarged(trace.shown)[0], peak.peak_input(), CROSS, CROSS_RIM)
    assert near(plain, bare) < 3  # opacity 0: the photo as the model sees it, and the cross
    assert near(strong, bare) > 10
