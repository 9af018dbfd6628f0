"""The CNN page on the operator's CNN (AppTest): `?model=resdigits` on a held-out digit shows the
model's own answer, its stages and shapes, its class names, and every "Look deeper" section."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

import serving.own_models
import ui.cache.cnn
from bench.harness.apptest import open_page, upload
from models.cnn.images import load_photo
from models.cnn.stage_stats import stage_statistics
from models.custom.images import preprocess
from models.custom.own_cnn import OwnCnn
from serving.own_models import MODELS_DIR_VARIABLE, own_models
from tests.helpers.apptest import chart, texts, top_five
from tests.helpers.held_out import held_out_png
from tests.helpers.pictures import captions, picture, pictures, recorded_media
from ui.common.pages import CNN

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "own_model"
PAGE = CNN
DIGIT = 1  # a held-out 0, read right (98.7%); the default sample photo reads as an 8
FIELDS = {"features.0": 3, "features.1": 11, "features.2": 25, "features.3": 53, "pool": 77}


@pytest.fixture(scope="module")
def resdigits(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnCnn]:
    """A folder with the example digit reader alone, served as MODELS_DIR for this module."""
    folder = tmp_path_factory.mktemp("models")
    for name in ("resdigits.toml", "resdigits.py", "resdigits.pt", "digits.txt"):
        shutil.copy(EXAMPLES / name, folder / name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(MODELS_DIR_VARIABLE, str(folder))
        patch.setattr(serving.own_models, "_loaded", {})
        yield OwnCnn.of(own_models().model("resdigits"))


def opened_on_a_digit(index: int = DIGIT) -> tuple[AppTest, int]:
    """The page opened as `?model=resdigits&section=class`, a held-out digit uploaded; and its
    label."""
    data, label = held_out_png(index)
    at = upload(open_page(PAGE, {"model": "resdigits", "section": "class"}), "digit.png", data)
    assert not at.exception
    return at, label


def modules_answer(own: OwnCnn, index: int = DIGIT) -> torch.Tensor:
    data, _ = held_out_png(index)
    batch, _ = preprocess(load_photo(data).image, own.image)
    with torch.inference_mode():
        return own.model.loaded.module(batch)[0]


def test_the_address_opens_the_operators_cnn_on_a_held_out_digit(resdigits: OwnCnn) -> None:
    at, label = opened_on_a_digit()
    chooser = at.sidebar.radio(key="cnn_model")
    assert chooser.value == "resdigits"
    assert chooser.options == ["SqueezeNet 1.1", "EfficientNet-Lite0", "Residual digit reader"]
    # Its top five are the module's own, named by its config.
    probs = torch.softmax(modules_answer(resdigits), dim=0)
    order = torch.argsort(probs, descending=True)[:5]
    labels, shown = top_five(at)
    assert labels[0] == str(label)
    assert labels == [resdigits.class_names()[int(i)] for i in order]
    np.testing.assert_allclose(shown, probs[order].numpy(), atol=1e-6)
    assert chart(at, "cnn_top5")["layout"]["yaxis"]["type"] == "category"  # "0", not 0
    assert f"**Top guess: {label}** ({float(probs[label]):.1%})." in texts(at)
    assert any("the 10 classes its config names" in text for text in texts(at))
    assert not any("ImageNet's 1000 classes include" in text for text in texts(at))
    # Every stage of maps the taps found, with its shape and what one unit sees.
    points = [p for p in resdigits.taps.points if p.is_map]
    assert captions(at, "cnn_overview") == [
        f"{p.name} · {p.shape[1]}×{p.shape[2]}×{p.shape[3]} · sees {FIELDS[p.name]} px"
        for p in points
    ]
    assert at.selectbox(key="cnn_layer_resdigits").options == [p.name for p in points]
    assert at.selectbox(key="cnn_class").options[label].startswith(f"{label} (")
    assert any("28×28 grey input, 10 classes" in c.value for c in at.sidebar.caption)


def test_one_tapped_pass_per_new_picture_shared_by_every_session(resdigits: OwnCnn) -> None:
    ui.cache.cnn.cnn_trace.clear()
    with patch.object(OwnCnn, "trace", autospec=True, side_effect=OwnCnn.trace) as passes:
        at, _ = opened_on_a_digit()
        assert passes.call_count == 2  # the sample photo the page opens on, then the digit
        at.selectbox(key="cnn_layer_resdigits").set_value("features.2").run()
        at.radio(key="cnn_sort").set_value("index").run()
        at.number_input(key="cnn_channel_resdigits_features.2").set_value(11).run()
        assert not at.exception
        assert any("Channel **#11**" in text for text in texts(at))
        opened_on_a_digit()  # another visitor, the same two pictures
        assert passes.call_count == 2


def test_a_small_grey_picture_is_sent_pixel_by_pixel(resdigits: OwnCnn) -> None:
    data, _ = held_out_png(DIGIT)
    _, grey = preprocess(load_photo(data).image, resdigits.image)
    with recorded_media() as media:
        at, _ = opened_on_a_digit()
        at.slider(key="cnn_opacity").set_value(0.0).run()
        assert not at.exception
        overlay = picture(at, "cnn_overlay", media).astype(int)
    # The 28-pixel digit as the model reads it, each pixel a 16×16 block, in grey (JPEG's
    # rounding aside): the browser is not left to smooth 28 pixels over 460.
    assert overlay.shape == (448, 448, 3)
    expected = np.kron(grey.astype(int), np.ones((16, 16), int))
    assert np.abs(overlay - expected[:, :, None]).mean() < 3
    assert np.abs(overlay[:, :, 0] - overlay[:, :, 2]).max() < 12


def test_every_look_deeper_section_works_on_it(resdigits: OwnCnn) -> None:
    at, label = opened_on_a_digit()
    logits = modules_answer(resdigits)
    assert at.radio(key="cnn_method").options == [
        "class activation map (exact)",
        "Grad-CAM at a stage you pick",
        "occlusion: cover parts of the photo",
    ]
    assert at.selectbox(key="cnn_class").value == label
    assert pictures(at, "cnn_evidence")
    exact = f"map is the network's score (logit) for the class, {float(logits[label]):.2f}"
    assert any(exact in text and "7×7" in text for text in texts(at))
    at.radio(key="cnn_method").set_value("gradcam").run()
    at.selectbox(key="cnn_gradcam_stage_resdigits").set_value("features.2").run()
    assert not at.exception and pictures(at, "cnn_evidence")
    assert any("Grad-CAM on **features.2**" in text for text in texts(at))
    at.radio(key="cnn_method").set_value("occlusion").run()
    assert at.select_slider(key="cnn_patch_28").options == ["2", "3", "4", "6", "8", "12"]
    assert any("169 forward passes" in text for text in texts(at))  # 4-pixel patch, step 2
    at.button(key="cnn_run_occlusion").click().run()
    assert not at.exception and pictures(at, "cnn_evidence")

    at.radio(key="cnn_deeper").set_value("unit").run()
    at.selectbox(key="cnn_rf_stage_resdigits").set_value("features.2").run()
    assert not at.exception
    assert pictures(at, "cnn_rf_box") and pictures(at, "cnn_rf_gradient")
    assert any("unit (7, 7) of features.2: 25×25 pixels" in text for text in texts(at))

    at.radio(key="cnn_deeper").set_value("statistics").run()
    at.selectbox(key="cnn_top_resdigits").set_value("features.3").run()
    assert not at.exception
    assert any("The first 8 filters of features.0** (3×3 grey" in text for text in texts(at))
    data, _ = held_out_png(DIGIT)
    trace = resdigits.trace(load_photo(data).image)
    strongest = next(s for s in stage_statistics(trace) if s.name == "features.3")
    frame = next(df.value for df in at.dataframe if "mean activation" in df.value.columns)
    assert frame["channel"].tolist() == [channel for channel, _ in strongest.top_channels]
    labels = [button.proto.label for button in at.get("download_button")]
    assert {"Top 5 (CSV)", "Every stage's activations (NPZ)"} <= set(labels)
    # The sidebar's presentation switch is on every page; "both models" (cnn_both) is not here:
    # it compares the app's two ImageNet models.
    assert [t.key for t in at.get("toggle")] == ["present_toggle"]


@pytest.mark.usefixtures("resdigits")
def test_an_unknown_model_in_the_address_gets_the_notice_beside_the_operators() -> None:
    at = open_page(PAGE, {"model": "nope"})
    assert any("the model ` nope `, which is not here" in info.value for info in at.info)
    chooser = at.sidebar.radio(key="cnn_model")
    assert chooser.value == "squeezenet1_1" and chooser.options[-1] == "Residual digit reader"
