"""A brought CNN torch.export cannot follow: its block outputs come from a private copy (hooks,
or its children run as a chain), equal to the module's own, the shared module untouched; a copy
that does not give the model's logits is refused in one line."""

from __future__ import annotations

import io
import json
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

import serving.own_models
from bench.harness.apptest import open_page, upload
from models.cli import main
from models.custom.copy_taps import tap_private_copy
from models.custom.folder import open_model
from models.custom.own_cnn import OwnCnn
from models.custom.taps import ExportError, TapError, tap_cnn
from serving.own_models import MODELS_DIR_VARIABLE
from tests.fixtures import branching_cnn
from tests.fixtures.branching_folder import shared, write_branching
from tests.helpers.frozen import assert_untouched, snapshot
from tests.helpers.pictures import pictures
from ui.common.pages import CNN


def reason_of(model: nn.Module, x: torch.Tensor) -> str:
    with pytest.raises(ExportError) as caught:
        tap_cnn(model, x)
    return str(caught.value)


def test_hooks_on_a_private_copy_give_the_modules_own_block_outputs() -> None:
    model = shared(branching_cnn.build())
    before = snapshot(model)
    x = torch.randn(1, 1, 8, 8)
    reason = reason_of(model, x)
    tapped = tap_private_copy(model, x, reason)
    assert tapped.without_export == reason and tapped.captured is None and not tapped.batched
    assert tapped.names == ("stem", "block", "down", "mix")
    picture = torch.randn(1, 1, 8, 8)
    taps = tapped.run(picture)
    with torch.inference_mode():  # the module's own blocks, by hand
        stem = model.stem(picture)
        block = model.block(stem)
        summed = torch.relu(block + stem)
        down = model.down(summed if summed.sum() > 0 else -summed)
        mix = model.mix(down)
        logits = model(picture)
    for name, own in {"stem": stem, "block": block, "down": down, "mix": mix}.items():
        torch.testing.assert_close(taps.stage(name), own, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(taps.logits, logits, atol=1e-6, rtol=1e-6)
    # Gradients reach a kept stage (Grad-CAM), from a fresh leaf of the input.
    graded = tapped.run(picture, grad=True)
    (grads,) = torch.autograd.grad(graded.logits[0, 1], graded.stage("block"))
    assert grads.abs().sum() > 0
    assert_untouched(model, before)


def test_sessions_running_the_one_hooked_copy_at_once_each_get_their_own_blocks() -> None:
    # The copy and its hooks are shared by every session; what a hook keeps is per thread.
    model = shared(branching_cnn.build())
    x = torch.randn(1, 1, 8, 8)
    tapped = tap_private_copy(model, x, reason_of(model, x))
    pictures_ = [torch.randn(1, 1, 8, 8) for _ in range(4)]
    alone = [tapped.run(picture) for picture in pictures_]
    start = threading.Barrier(len(pictures_))
    wrong: list[object] = []  # a session's index where it saw another's block, or its error

    def session(index: int) -> None:
        start.wait()
        try:
            for _ in range(50):
                taps = tapped.run(pictures_[index])
                for name in tapped.names:
                    if not torch.equal(taps.stage(name), alone[index].stage(name)):
                        wrong.append(index)
        except Exception as error:  # a thread's failure is the test's
            wrong.append(error)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(len(pictures_))]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, inside the forwards
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not wrong


def test_a_sequential_runs_as_a_chain_of_its_children() -> None:
    model = shared(branching_cnn.build_chain())
    before = snapshot(model)
    x = torch.randn(1, 1, 8, 8)
    tapped = tap_private_copy(model, x, reason_of(model, x))
    assert tapped.names == tuple(str(i) for i in range(8))  # all but the linear layer: logits
    picture = torch.randn(1, 1, 8, 8)
    taps = tapped.run(picture)
    with torch.inference_mode():
        value = picture
        for index, layer in enumerate(model[:8]):
            value = layer(value.clone())
            torch.testing.assert_close(taps.stage(str(index)), value, atol=1e-6, rtol=1e-6)
        torch.testing.assert_close(taps.logits, model(picture), atol=1e-6, rtol=1e-6)
    # The kept conv output is not the ReLU's in-place result: it still has negative values.
    assert (taps.stage("0") < 0).any() and not (taps.stage("1") < 0).any()
    assert_untouched(model, before)


def test_a_sequential_whose_forward_is_not_its_chain_is_refused_in_one_line() -> None:
    model = shared(branching_cnn.build_doubled())
    before = snapshot(model)
    x = torch.randn(1, 1, 8, 8)
    reason = reason_of(model, x)
    with pytest.raises(TapError) as caught:
        tap_private_copy(model, x, reason)
    message = str(caught.value)
    assert message.startswith(f"served without its stages: {reason}; and its blocks run one ")
    assert message.endswith("(its forward does more than call its children in order)")
    assert "\n" not in message
    assert_untouched(model, before)


def folder_with(tmp_path: Path, builder: str) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    write_branching(folder, builder)
    return folder


def test_the_folder_serves_it_without_export_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = folder_with(tmp_path, "build")
    model = open_model(folder / "branching.toml")
    assert model.taps is not None and model.problem is None
    assert model.note.startswith(
        "served without export: torch.export cannot capture this model's forward pass: "
    )
    own = OwnCnn.of(model)
    assert own.stages() == ["stem", "block", "down", "mix"]
    assert own.cam_stage is None and own.receptive_fields() == {} and own.first_filters() is None
    picture = Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8) * 4)
    trace = own.trace(picture)
    batch, _ = own.preprocess(picture)
    with torch.inference_mode():
        probs = torch.softmax(model.loaded.module(batch)[0], dim=0).numpy()
    np.testing.assert_allclose(trace.probs, probs, atol=1e-6)
    assert own.explain(batch, "occlusion", 0).heatmap.shape[0] > 0
    assert main(["check", "--models", str(folder)]) == 0
    out, err = capsys.readouterr()
    record = json.loads(out)
    assert record["without_export"] == model.taps.without_export and err == ""
    path = tmp_path / "p.png"
    picture.save(path)
    assert main(["predict", str(path), "--models", str(folder), "--model", "branching"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"note: branching: {model.note}"]
    assert json.loads(out)["top"][0]["prob"] == pytest.approx(float(probs.max()), abs=1e-6)


def test_the_folder_refuses_its_stages_in_one_line_when_the_chain_differs(tmp_path: Path) -> None:
    model = open_model(folder_with(tmp_path, "build_doubled") / "branching.toml")
    assert model.taps is None and model.problem is not None and "\n" not in model.problem
    assert model.problem.startswith("served without its stages: torch.export cannot capture")
    assert model.note == model.problem


def test_the_cnn_page_shows_it_without_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = folder_with(tmp_path, "build")
    monkeypatch.setenv(MODELS_DIR_VARIABLE, str(folder))
    monkeypatch.setattr(serving.own_models, "_loaded", {})
    picture = Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8) * 4)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    at = upload(
        open_page(CNN, {"model": "branching", "section": "class"}), "p.png", buffer.getvalue()
    )
    assert not at.exception
    assert at.radio(key="cnn_method").options == [
        "Grad-CAM at a stage you pick",
        "occlusion: cover parts of the photo",
    ]
    at.radio(key="cnn_method").set_value("gradcam").run()
    at.selectbox(key="cnn_gradcam_stage_branching").set_value("block").run()
    assert not at.exception and pictures(at, "cnn_evidence")
    at.radio(key="cnn_deeper").set_value("unit").run()
    assert not at.exception and pictures(at, "cnn_rf_gradient")
    at.radio(key="cnn_deeper").set_value("statistics").run()
    assert not at.exception
