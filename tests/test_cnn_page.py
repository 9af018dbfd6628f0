"""AppTest of the CNN page: predictions, feature-map charts, bad files, and cached redraws."""

from __future__ import annotations

import time
from unittest.mock import patch

from PIL import Image
from streamlit.testing.v1 import AppTest

import ui.cache.cnn
from bench.harness.apptest import open_cnn_page, upload
from bench.harness.paths import SAMPLES
from tests.helpers.apptest import empty_blocks, figure_elements, top_five, top_labels
from tests.helpers.bad_inputs import CAT_CLASSES, ImageCase, image_cases
from tests.helpers.pictures import captions, pictures

PAGE_CHARTS = 2  # top-5 bars and the shape ladder; the rest are pictures


def test_opens_on_a_sample_with_cat_predictions_and_all_charts() -> None:
    at = open_cnn_page()
    assert set(top_labels(at)[:3]) <= CAT_CLASSES
    assert len(figure_elements(at)) == PAGE_CHARTS
    assert any("Top guess:" in md.value for md in at.markdown)
    overview = pictures(at, "cnn_overview")
    assert len(overview) == 10
    assert overview[0][0] == "conv1 · 64×113×113 · sees 3 px"
    assert overview[-1][0] == "conv10 · 1000×13×13 · sees 207 px"
    # Feature maps travel as PNG files the browser fetches and caches, never inside chart JSON.
    assert all(url.startswith("/mock/media/") and url.endswith(".png") for _, url in overview)
    for key in ("cnn_grid", "cnn_overlay"):
        assert pictures(at, key), key
    assert not pictures(at, "cnn_evidence")  # "Look deeper" starts on "Nothing more"
    assert not empty_blocks(at)


def test_upload_runs_the_model_once_and_layer_changes_reuse_it() -> None:
    at = open_cnn_page()
    ui.cache.cnn.cnn_trace.clear()  # other tests may have traced coffee.jpg already
    with patch.object(ui.cache.cnn, "trace_image", wraps=ui.cache.cnn.trace_image) as passes:
        upload(at, "coffee.jpg", (SAMPLES / "coffee.jpg").read_bytes(), "image/jpeg")
        assert not at.exception
        assert top_labels(at)[0] == "espresso"
        assert passes.call_count == 1
        check_layer_changes_reuse_the_trace(at)
        assert passes.call_count == 1


def check_layer_changes_reuse_the_trace(at: AppTest) -> None:
    grid_before = pictures(at, "cnn_grid")
    at.selectbox(key="cnn_layer_squeezenet1_1").select("fire9").run()
    at.radio(key="cnn_sort").set_value("index").run()
    at.radio(key="cnn_scale").set_value("channel").run()
    at.number_input(key="cnn_channel_squeezenet1_1_fire9").set_value(7).run()
    at.slider(key="cnn_opacity").set_value(0.2).run()
    assert not at.exception
    assert pictures(at, "cnn_grid") != grid_before
    assert any("Channel **#7**" in md.value for md in at.markdown)
    assert any("fire9" in caption.value and "512×13×13" in caption.value for caption in at.caption)


def test_switching_model_shows_efficientnet_stages() -> None:
    at = open_cnn_page()
    at.sidebar.radio(key="cnn_model").set_value("efficientnet_lite0").run()
    assert not at.exception
    titles = captions(at, "cnn_overview")
    assert len(titles) == 18
    assert titles[0] == "stem · 32×112×112 · sees 3 px"
    assert titles[-1] == "head · 1280×7×7 · sees 851 px"
    assert set(top_labels(at)[:3]) <= CAT_CLASSES


def test_every_corpus_file_gives_a_message_or_a_prediction() -> None:
    """One session sends every file of the bad-input corpus, one after the other: each is
    refused with a message that says why, or analysed and described as it was sent."""
    at = open_cnn_page()
    at.radio(key="cnn_source").set_value("Upload").run()
    problems = []
    for case in image_cases():
        started = time.monotonic()
        at.file_uploader[0].upload(case.name, case.data, case.mime).run()
        problems += [f"{case.name}: {problem}" for problem in page_problems(at, case)]
        print(f"{case.name}: {time.monotonic() - started:.2f} s")
    assert not problems, "\n".join(problems)


def page_problems(at: AppTest, case: ImageCase) -> list[str]:
    """What is wrong with the page after `case` was uploaded (nothing: an empty list)."""
    if at.exception:
        return [f"exception {at.exception[0].value}"]
    errors = [error.value for error in at.error]
    if case.refused:
        if len(errors) != 1 or not errors[0].startswith("That file can't be used: "):
            return [f"expected one message, got {errors}"]
        missing = [word for word in case.refused if word not in errors[0]]
        shown = [md.value for md in at.markdown if "Top guess:" in md.value]
        return [f"message {errors[0]!r} lacks {missing}"] * bool(missing) + [
            f"a prediction is still shown: {shown}"
        ] * bool(shown)
    if errors:
        return [f"refused: {errors}"]
    problems = []
    caption = next((c.value for c in at.caption if "Resized and centre-cropped" in c.value), "")
    width, height = case.size
    for expected in (f"{width}×{height}, mode {case.mode}", *case.notes):
        if expected not in caption:
            problems.append(f"{expected!r} not in the caption {caption!r}")
    labels, probs = top_five(at)
    if len(labels) != 5 or not any(f"Top guess: {labels[0]}" in md.value for md in at.markdown):
        problems.append(f"top-5 {labels} and the top guess disagree")
    elif case.top and (labels[0] not in case.top or probs[0] < case.sure):
        expected = f"one of {sorted(case.top)} at {case.sure} or more"
        problems.append(f"top guess {labels[0]} ({probs[0]:.2f}), expected {expected}")
    return problems


def test_file_names_are_shown_as_text_not_markup() -> None:
    data = (SAMPLES / "chelsea.jpg").read_bytes()
    at = upload(open_cnn_page(), "<img src=x onerror=alert(1)>**bold**.jpg", data, "image/jpeg")
    assert not at.exception
    caption = next(c.value for c in at.caption if "Resized and centre-cropped" in c.value)
    assert "\\<img" in caption and "\\*\\*bold\\*\\*" in caption


def test_class_maps_are_labelled_and_ordered_like_the_prediction() -> None:
    at = open_cnn_page()
    top_label = top_labels(at)[0]
    at.selectbox(key="cnn_layer_squeezenet1_1").select("conv10").run()
    assert not at.exception
    tiles = captions(at, "cnn_grid")
    # conv10's channel means are SqueezeNet's logits: the strongest map is the top-1 class.
    assert tiles[0] == f"#285 {top_label}" and top_label == "Egyptian cat"
    assert any("one channel per ImageNet class" in info.value for info in at.info)
    assert any("class *Egyptian cat*" in md.value for md in at.markdown)


def test_channel_pages_step_through_the_layer() -> None:
    at = open_cnn_page()
    at.selectbox(key="cnn_layer_squeezenet1_1").select("fire2").run()
    at.radio(key="cnn_sort").set_value("index").run()
    at.select_slider(key="cnn_count").set_value(32).run()
    at.select_slider(key="cnn_page").set_value(96).run()
    assert not at.exception
    assert captions(at, "cnn_grid") == [f"#{channel}" for channel in range(96, 128)]


def test_the_same_photo_uploaded_again_is_not_traced_again() -> None:
    data = (SAMPLES / "coffee.jpg").read_bytes()
    ui.cache.cnn.cnn_trace.clear()
    with patch.object(ui.cache.cnn, "trace_image", wraps=ui.cache.cnn.trace_image) as passes:
        first = upload(open_cnn_page(), "coffee.jpg", data, "image/jpeg")
        second = upload(open_cnn_page(), "renamed copy.jpg", data, "image/jpeg")  # another session
        assert not first.exception and not second.exception
        assert top_labels(second)[0] == "espresso"
        traced = [call.args[1] for call in passes.call_args_list]
        assert traced.count("squeezenet1_1") == 2  # the default sample, then coffee: once


def test_sessions_share_one_read_only_trace() -> None:
    image = Image.open(SAMPLES / "coffee.jpg")
    key = "sample:coffee.jpg"
    one = ui.cache.cnn.cnn_trace("squeezenet1_1", key, image)
    two = ui.cache.cnn.cnn_trace("squeezenet1_1", key, image)
    assert one is two  # one object for every session, not a copy each
    for array in (one.shown, one.probs, *(stage.maps for stage in one.stages)):
        assert not array.flags.writeable


def test_upload_without_a_file_asks_for_one_and_draws_nothing_else() -> None:
    """A replaced upload reruns once with no file: that run must not draw a whole page."""
    at = open_cnn_page()
    with patch.object(ui.cache.cnn, "trace_image", wraps=ui.cache.cnn.trace_image) as passes:
        at.radio(key="cnn_source").set_value("Upload").run()
        assert not at.exception
        assert any("Drop a photo above" in info.value for info in at.info)
        assert not figure_elements(at) and not pictures(at, "cnn_overview")
        at.radio(key="cnn_source").set_value("Camera").run()
        assert any("Take a picture above" in info.value for info in at.info)
        assert not figure_elements(at)
        assert passes.call_count == 0
