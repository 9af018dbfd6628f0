"""AppTest of the CNN page's "why" sections: every control, every number from the models."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from models.cnn import CNN_MODELS, load_cnn, trace_image
from models.cnn_geometry import receptive_fields
from models.explain import effective_receptive_field, explain
from models.imagenet import class_names
from models.stage_stats import stage_statistics
from tests.test_cnn_page import chart, open_page

SAMPLES = Path(__file__).resolve().parent.parent / "assets" / "samples"
ESPRESSO = 967


def photo() -> Image.Image:
    return Image.open(SAMPLES / "chelsea.jpg")  # the default sample


def batch(model: str) -> torch.Tensor:
    return CNN_MODELS[model].preprocess(photo())[0]


def decode_picture(figure: dict) -> np.ndarray:
    """The RGB array of a picture figure's PNG data URI."""
    uri = figure["data"][0]["source"]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))


def charts(at) -> dict[str, dict]:
    """Plotly specs by widget key."""
    return {
        element.proto.id.rsplit("-", 1)[-1]: json.loads(element.proto.spec)
        for element in at.get("plotly_chart")
    }


def test_class_evidence_defaults_to_the_top_class_and_is_exact() -> None:
    at = open_page()
    trace = trace_image(load_cnn("squeezenet1_1"), "squeezenet1_1", photo())
    top = trace.top(1)[0][0]
    assert at.selectbox(key="cnn_class").value == top
    expected = explain(
        "squeezenet1_1", load_cnn("squeezenet1_1"), batch("squeezenet1_1"), "cam", top
    )
    assert any(f"{expected.logit:.2f}" in md.value and "Exact" in md.value for md in at.markdown)
    cross = chart(at, "cnn_evidence")["data"][1]
    assert (cross["x"][0], cross["y"][0]) == pytest.approx(expected.peak_input())
    assert any("in the 451×300 photo" in md.value for md in at.markdown)


def test_any_class_and_grad_cam_at_any_stage() -> None:
    at = open_page()
    at.selectbox(key="cnn_class").set_value(ESPRESSO).run()
    at.radio(key="cnn_method").set_value("gradcam").run()
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
    cross = chart(at, "cnn_evidence")["data"][1]
    assert (cross["x"][0], cross["y"][0]) == pytest.approx(expected.peak_input())
    assert any("Grad-CAM on **fire5**" in md.value for md in at.markdown)
    assert any(class_names()[ESPRESSO] in md.value for md in at.markdown)


def test_occlusion_runs_on_request() -> None:
    at = open_page()
    at.radio(key="cnn_method").set_value("occlusion").run()
    assert "cnn_evidence" not in charts(at)
    assert any("Run occlusion" in info.value for info in at.info)
    at.select_slider(key="cnn_patch").set_value(96).run()
    at.select_slider(key="cnn_stride").set_value(48).run()
    assert any("9 forward passes" in caption.value for caption in at.caption)
    at.button(key="cnn_run_occlusion").click().run()
    assert not at.exception
    assert "cnn_evidence" in charts(at)
    assert any("largest drop" in md.value for md in at.markdown)


def test_one_units_field_and_gradient() -> None:
    at = open_page()
    at.selectbox(key="cnn_rf_stage_squeezenet1_1").set_value("fire4").run()
    at.number_input(key="cnn_rf_row_fire4").set_value(3).run()
    at.number_input(key="cnn_rf_col_fire4").set_value(20).run()
    assert not at.exception
    spec = CNN_MODELS["squeezenet1_1"]
    field = next(f for f in receptive_fields(spec.spatial_ops(227)) if f.stage == "fire4")
    top, left, bottom, right = field.box(3, 20, 227)
    shape = chart(at, "cnn_rf_box")["layout"]["shapes"][0]
    assert (shape["x0"], shape["y0"], shape["x1"], shape["y1"]) == (
        left - 0.5, top - 0.5, right - 0.5, bottom - 0.5
    )  # fmt: skip
    gradient = effective_receptive_field(
        load_cnn("squeezenet1_1"), batch("squeezenet1_1"), "fire4", 3, 20
    )
    rows, cols = np.nonzero(gradient.sum(axis=1))[0], np.nonzero(gradient.sum(axis=0))[0]
    assert top <= rows.min() and rows.max() < bottom and left <= cols.min() and cols.max() < right
    assert any(f"{field.size}×{field.size} pixels" in c.value for c in at.caption)
    table = next(t.value for t in at.table if "field (pixels)" in t.value.columns)
    assert table["field (pixels)"].tolist()[-1] == 207


def test_statistics_compare_and_downloads() -> None:
    at = open_page()
    at.selectbox(key="cnn_top_squeezenet1_1").set_value("fire9").run()
    trace = trace_image(load_cnn("squeezenet1_1"), "squeezenet1_1", photo())
    fire9 = next(s for s in stage_statistics(trace) if s.name == "fire9")
    frame = next(df.value for df in at.dataframe if "mean activation" in df.value.columns)
    assert frame["channel"].tolist() == [channel for channel, _ in fire9.top_channels]
    assert "cnn_stats" in charts(at)
    labels = [button.proto.label for button in at.get("download_button")]
    assert {"These channels (PNG)", "This overlay (PNG)", "Top 5 (CSV)"} <= set(labels)
    at.toggle(key="cnn_both").set_value(True).run()
    assert not at.exception
    found = charts(at)
    assert {f"cnn_both_top5_{name}" for name in CNN_MODELS} <= set(found)
    other = trace_image(load_cnn("efficientnet_lite0"), "efficientnet_lite0", photo())
    bars = found["cnn_both_top5_efficientnet_lite0"]["data"][0]
    assert class_names()[other.top(1)[0][0]] in bars["y"]


def test_opacity_blends_the_evidence_over_the_photo() -> None:
    at = open_page()
    strong = decode_picture(chart(at, "cnn_evidence"))
    at.slider(key="cnn_explain_opacity").set_value(0.0).run()
    assert not at.exception
    plain = decode_picture(chart(at, "cnn_evidence"))
    shown = trace_image(load_cnn("squeezenet1_1"), "squeezenet1_1", photo()).shown
    np.testing.assert_array_equal(plain, shown)  # opacity 0: the photo as the model sees it
    assert np.abs(strong.astype(int) - shown).mean() > 10
