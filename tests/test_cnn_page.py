"""AppTest of the CNN page: predictions, feature-map charts, bad files, and cached redraws."""

from __future__ import annotations

import io
import json
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

import ui.cnn_cache

ROOT = Path(__file__).resolve().parent.parent
# top-5, overview, shape ladder, channel grid, one channel; class evidence, a unit's field and
# its gradient, per-stage statistics
PAGE_CHARTS = 9
SAMPLES = ROOT / "assets" / "samples"
CAT_CLASSES = {"tabby", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat"}


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    at.switch_page("app_pages/1_CNN_feature_maps.py").run()
    assert not at.exception
    return at


def charts(at: AppTest) -> dict[str, dict]:
    return {chart.proto.id: json.loads(chart.proto.spec) for chart in at.get("plotly_chart")}


def chart(at: AppTest, key: str) -> dict:
    for chart_element in at.get("plotly_chart"):
        if chart_element.proto.id.endswith(key) or key in chart_element.proto.id:
            return json.loads(chart_element.proto.spec)
    raise AssertionError(f"no chart with key {key}")


def top_labels(at: AppTest) -> list[str]:
    bars = chart(at, "cnn_top5")["data"][0]
    return list(reversed(bars["y"]))  # drawn bottom-up, most likely on top


def upload(at: AppTest, name: str, data: bytes, mime: str = "image/png") -> AppTest:
    at.radio(key="cnn_source").set_value("Upload").run()
    at.file_uploader[0].upload(name, data, mime).run()
    return at


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def test_opens_on_a_sample_with_cat_predictions_and_all_charts() -> None:
    at = open_page()
    assert set(top_labels(at)[:3]) <= CAT_CLASSES
    assert len(at.get("plotly_chart")) == PAGE_CHARTS
    assert any("Top guess:" in md.value for md in at.markdown)
    overview = chart(at, "cnn_overview")
    titles = [a["text"] for a in overview["layout"]["annotations"]]
    assert titles[0] == "conv1<br>64×113×113 · sees 3 px"
    assert titles[-1] == "conv10<br>1000×13×13 · sees 207 px"
    # Feature maps travel as PNG images, never as float arrays.
    assert all(
        t["type"] == "image" and t["source"].startswith("data:image/png") for t in overview["data"]
    )


def test_upload_runs_the_model_once_and_layer_changes_reuse_it() -> None:
    at = open_page()
    with patch.object(ui.cnn_cache, "trace_image", wraps=ui.cnn_cache.trace_image) as passes:
        upload(at, "coffee.jpg", (SAMPLES / "coffee.jpg").read_bytes(), "image/jpeg")
        assert not at.exception
        assert top_labels(at)[0] == "espresso"
        assert passes.call_count == 1
        check_layer_changes_reuse_the_trace(at)
        assert passes.call_count == 1


def check_layer_changes_reuse_the_trace(at: AppTest) -> None:
    grid_before = chart(at, "cnn_grid")["data"][0]["source"]
    at.selectbox(key="cnn_layer_squeezenet1_1").select("fire9").run()
    at.radio(key="cnn_sort").set_value("index").run()
    at.radio(key="cnn_scale").set_value("channel").run()
    at.number_input(key="cnn_channel_squeezenet1_1_fire9").set_value(7).run()
    at.slider(key="cnn_opacity").set_value(0.2).run()
    assert not at.exception
    assert chart(at, "cnn_grid")["data"][0]["source"] != grid_before
    assert any("Channel **#7**" in md.value for md in at.markdown)
    assert any("fire9" in caption.value and "512×13×13" in caption.value for caption in at.caption)


def test_switching_model_shows_efficientnet_stages() -> None:
    at = open_page()
    at.sidebar.radio(key="cnn_model").set_value("efficientnet_lite0").run()
    assert not at.exception
    titles = [a["text"] for a in chart(at, "cnn_overview")["layout"]["annotations"]]
    assert len(titles) == 18
    assert titles[0] == "stem<br>32×112×112 · sees 3 px"
    assert titles[-1] == "head<br>1280×7×7 · sees 851 px"
    assert set(top_labels(at)[:3]) <= CAT_CLASSES


@pytest.mark.parametrize(
    "name, data",
    [
        ("broken.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"),
        ("empty.png", b""),
        ("notes.gif", b"plain text, not a picture"),
    ],
)
def test_unreadable_files_give_a_clear_message(name: str, data: bytes) -> None:
    at = upload(open_page(), name, data)
    assert not at.exception
    assert at.error and "can't be used" in at.error[0].value
    assert not at.get("plotly_chart")


@pytest.mark.parametrize(
    "name, data, mode",
    [
        ("cmyk.jpg", encode(Image.open(SAMPLES / "coffee.jpg").convert("CMYK"), "JPEG"), "CMYK"),
        (
            "deep.png",
            encode(
                Image.fromarray((np.arange(64 * 64).reshape(64, 64) * 16).astype(np.uint16)), "PNG"
            ),
            "I;16",
        ),
        ("alpha.png", encode(Image.new("RGBA", (300, 200), (0, 128, 0, 90)), "PNG"), "RGBA"),
        (
            "animated.gif",
            encode(
                Image.new("P", (64, 64), 3),
                "GIF",
                save_all=True,
                append_images=[Image.new("P", (64, 64), 9)] * 2,
            ),
            "P",
        ),
    ],
)
def test_odd_image_modes_are_analysed(name: str, data: bytes, mode: str) -> None:
    at = upload(open_page(), name, data)
    assert not at.exception
    assert not at.error
    assert len(at.get("plotly_chart")) == PAGE_CHARTS
    caption = next(c.value for c in at.caption if "Resized and centre-cropped" in c.value)
    assert f"mode {mode}" in caption


def test_file_names_are_shown_as_text_not_markup() -> None:
    data = (SAMPLES / "chelsea.jpg").read_bytes()
    at = upload(open_page(), "<img src=x onerror=alert(1)>**bold**.jpg", data, "image/jpeg")
    assert not at.exception
    caption = next(c.value for c in at.caption if "Resized and centre-cropped" in c.value)
    assert "\\<img" in caption and "\\*\\*bold\\*\\*" in caption


def test_class_maps_are_labelled_and_ordered_like_the_prediction() -> None:
    at = open_page()
    top_label = top_labels(at)[0]
    at.selectbox(key="cnn_layer_squeezenet1_1").select("conv10").run()
    assert not at.exception
    tiles = [a["text"] for a in chart(at, "cnn_grid")["layout"]["annotations"]]
    # conv10's channel means are SqueezeNet's logits: the strongest map is the top-1 class.
    assert tiles[0] == f"#285 {top_label}" and top_label == "Egyptian cat"
    assert any("one channel per ImageNet class" in info.value for info in at.info)
    assert any("class *Egyptian cat*" in md.value for md in at.markdown)


def test_channel_pages_step_through_the_layer() -> None:
    at = open_page()
    at.selectbox(key="cnn_layer_squeezenet1_1").select("fire2").run()
    at.radio(key="cnn_sort").set_value("index").run()
    at.select_slider(key="cnn_count").set_value(32).run()
    at.select_slider(key="cnn_page").set_value(96).run()
    assert not at.exception
    tiles = [a["text"] for a in chart(at, "cnn_grid")["layout"]["annotations"]]
    assert tiles == [f"#{channel}" for channel in range(96, 128)]


def test_the_same_photo_uploaded_again_is_not_traced_again() -> None:
    data = (SAMPLES / "coffee.jpg").read_bytes()
    ui.cnn_cache.cnn_trace.clear()
    with patch.object(ui.cnn_cache, "trace_image", wraps=ui.cnn_cache.trace_image) as passes:
        first = upload(open_page(), "coffee.jpg", data, "image/jpeg")
        second = upload(open_page(), "renamed copy.jpg", data, "image/jpeg")  # another session
        assert not first.exception and not second.exception
        assert top_labels(second)[0] == "espresso"
        traced = [call.args[1] for call in passes.call_args_list]
        assert traced.count("squeezenet1_1") == 2  # the default sample, then coffee: once


def test_sessions_share_one_read_only_trace() -> None:
    image = Image.open(SAMPLES / "coffee.jpg")
    key = "sample:coffee.jpg"
    one = ui.cnn_cache.cnn_trace("squeezenet1_1", key, image)
    two = ui.cnn_cache.cnn_trace("squeezenet1_1", key, image)
    assert one is two  # one object for every session, not a copy each
    for array in (one.shown, one.probs, *(stage.maps for stage in one.stages)):
        assert not array.flags.writeable
