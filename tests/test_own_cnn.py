"""A brought CNN as the CNN page and the command line read it (models/custom/own_cnn.py): its
trace, class maps, Grad-CAM, unit gradients, first filters and receptive fields, checked
against the module's own computations; and the verbs' --models DIR --model NAME."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import models.cli
from models.cli import main
from models.cnn.export import top5_csv
from models.cnn.geometry import SpatialOp, receptive_fields
from models.cnn.images import load_photo
from models.custom.fields import stage_fields
from models.custom.folder import open_model
from models.custom.images import preprocess
from models.custom.own_cnn import OwnCnn
from models.custom.taps import tap_cnn
from tests.helpers.held_out import held_out_png

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "own_model"


@pytest.fixture(scope="module")
def resdigits() -> OwnCnn:
    return OwnCnn.of(open_model(EXAMPLES / "resdigits.toml"))


def digit_input(own: OwnCnn, index: int = 0) -> tuple[torch.Tensor, int]:
    data, label = held_out_png(index)
    batch, _ = preprocess(load_photo(data).image, own.image)
    return batch, label


def test_the_trace_is_the_modules_own_answer_on_a_held_out_digit(resdigits: OwnCnn) -> None:
    data, label = held_out_png(0)
    trace = resdigits.trace(load_photo(data).image)
    batch, grey = preprocess(load_photo(data).image, resdigits.image)
    with torch.inference_mode():
        probs = torch.softmax(resdigits.model.loaded.module(batch)[0], dim=0).numpy()
    np.testing.assert_allclose(trace.probs, probs, atol=1e-6)
    assert trace.top(1)[0][0] == label
    # Every stage of feature maps, in order, with the taps' shapes; the picture it read, in grey.
    points = [p for p in resdigits.taps.points if p.is_map]
    assert [(s.name, s.shape) for s in trace.stages] == [(p.name, p.shape[1:]) for p in points]
    assert trace.shown.shape == (28, 28, 3) and (trace.shown == grey[:, :, None]).all()
    with torch.inference_mode():  # the first stage by hand: the stem Sequential of the example
        stem = resdigits.model.loaded.module.features[0](batch)[0].numpy()
    np.testing.assert_allclose(trace.stage("features.0").maps, stem, atol=1e-5)
    assert not any(stage.maps.flags.writeable for stage in trace.stages)
    csv = top5_csv(trace, resdigits.class_names()).splitlines()
    assert csv[1].split(",")[:3] == ["1", str(label), str(label)]


def test_the_class_map_spreads_the_logit_and_grad_cam_follows_the_gradient(
    resdigits: OwnCnn,
) -> None:
    batch, label = digit_input(resdigits)
    module = resdigits.model.loaded.module
    with torch.inference_mode():
        logits = module(batch)[0]
        maps = module.features(batch)[0]  # (32, 7, 7): what the pool averages
    trace = resdigits.trace_input(batch, np.zeros((28, 28, 3), np.uint8))
    for k in range(10):
        cam = resdigits.class_activation_map(trace, k)
        assert cam.layer == "features.3" and cam.heatmap.shape == (7, 7)
        assert cam.heatmap.mean() == pytest.approx(float(logits[k]), abs=1e-4)
        assert cam.logit == pytest.approx(float(logits[k]), abs=1e-4)
    # At the pooled stage the logit's gradient is w_k / 49 at every place, so Grad-CAM there
    # is the class map without its bias, positive part, over 49.
    weight, bias = module.fc.weight[label], module.fc.bias[label]
    by_hand = torch.relu(torch.einsum("c,chw->hw", weight, maps)) / 49
    grad_cam = resdigits.grad_cam(batch, label, "features.3")
    np.testing.assert_allclose(grad_cam.heatmap, by_hand.numpy(), atol=1e-5)
    cam = resdigits.class_activation_map(trace, label).heatmap
    np.testing.assert_allclose(grad_cam.heatmap, np.maximum(cam - float(bias), 0) / 49, atol=1e-5)
    # Cell (i, j) of features.3 is centred on input pixel 4i (a 3×3 stride-2 convolution with
    # padding 1, twice): the geometry comes from the graph.
    assert (grad_cam.centre, grad_cam.step) == (0.0, 4.0)


def test_a_units_gradient_is_the_modules_own(resdigits: OwnCnn) -> None:
    batch, _ = digit_input(resdigits)
    private = copy.deepcopy(resdigits.model.loaded.module)
    x = batch.clone().requires_grad_(True)
    with torch.enable_grad():
        unit = private.features[:3](x)[0, :, 5, 9].sum()
        (expected,) = torch.autograd.grad(unit, x)
    found = resdigits.unit_gradient(batch, "features.2", 5, 9)
    np.testing.assert_allclose(found, expected[0].abs().sum(dim=0).numpy(), atol=1e-6)


def test_receptive_fields_of_a_residual_graph_are_where_the_gradients_reach(
    resdigits: OwnCnn,
) -> None:
    fields = resdigits.receptive_fields()
    assert {name: field.size for name, field in fields.items()} == {
        "features.0": 3,  # a 3×3 convolution
        "features.1": 11,  # + two blocks of two 3×3
        "features.2": 25,  # + 2 (stride-2 conv at step 1) + 2 × 3 × 2 at step 2
        "features.3": 53,  # + 4 + 3 × 8
        "pool": 77,  # + the 7×7 global pool at step 4
    }
    torch.manual_seed(0)
    batch = torch.randn(1, 1, 28, 28)
    for stage, units in {
        "features.0": [(0, 0), (13, 20)],
        "features.1": [(14, 14), (2, 25)],
        "features.2": [(7, 7), (0, 13)],
    }.items():
        for row, col in units:
            rows, cols = np.nonzero(resdigits.unit_gradient(batch, stage, row, col))
            box = (rows.min(), cols.min(), rows.max() + 1, cols.max() + 1)
            assert box == fields[stage].box(row, col, 28), (stage, row, col)


class Chain(nn.Module):
    """A chain of convolutions and pools, one top-level block each."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 7, 2, 3), nn.ReLU())
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.block = nn.Sequential(nn.Conv2d(8, 8, 3, 1, 1), nn.ReLU(inplace=True))
        self.down = nn.Sequential(nn.Conv2d(8, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU())
        self.wide = nn.Sequential(nn.Conv2d(16, 16, 3, 1, padding=2, dilation=2), nn.ReLU())
        self.avg = nn.AvgPool2d(2)
        self.head = nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avg(self.wide(self.down(self.block(self.pool(self.stem(x))))))
        return self.head(x.mean((2, 3)))


def test_a_chains_fields_are_the_shipped_geometry_of_its_layers() -> None:
    model = Chain().eval().requires_grad_(False)
    taps = tap_cnn(model, torch.randn(1, 3, 64, 64))

    def op(stage: str, kernel: int, stride: int, pad: int, out: int) -> SpatialOp:
        return SpatialOp(stage, stage, kernel, stride, pad, 1, 1, out * stride, out)

    expected = receptive_fields(
        [
            op("stem", 7, 2, 3, 32),
            op("pool", 3, 2, 1, 16),
            op("block", 3, 1, 1, 16),
            op("down", 3, 2, 1, 8),
            op("wide", 5, 1, 2, 8),  # a dilated 3×3 spans 5
            op("avg", 2, 2, 0, 4),
        ]
    )
    assert list(stage_fields(taps).values()) == expected


class Mix(nn.Module):
    """A 1×1 branch plus a 5×5 branch: the wider one, added second, sets the field."""

    def __init__(self) -> None:
        super().__init__()
        self.narrow = nn.Conv2d(4, 4, 1)
        self.wide = nn.Conv2d(4, 4, 5, 1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.narrow(x) + self.wide(x))


class Branches(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3, 2, 1), nn.ReLU())
        self.mix = Mix()
        self.pool = nn.MaxPool2d(2)
        self.last = nn.Sequential(nn.Conv2d(4, 4, 3, 1, 1), nn.ReLU())
        self.head = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.last(self.pool(self.mix(self.stem(x)))).mean((2, 3)))


def test_where_branches_meet_a_unit_sees_what_the_widest_sees() -> None:
    taps = tap_cnn(Branches().eval().requires_grad_(False), torch.randn(1, 1, 32, 32))
    fields = stage_fields(taps)
    # stem 3 (step 2); mix: 3 + 4 × 2 through the 5×5; pool: + 1 × 2 (step 4); last: + 2 × 4
    assert {name: f.size for name, f in fields.items()} == {
        "stem": 3,
        "mix": 11,
        "pool": 13,
        "last": 21,
    }
    assert [f.jump for f in fields.values()] == [2, 2, 4, 4]


class Upsampled(nn.Module):
    """Maps enlarged on the way: the fields after that cannot be read from the graph."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3, 2, 1), nn.ReLU())
        self.mid = nn.Sequential(nn.Conv2d(4, 4, 3, 1, 1), nn.ReLU())
        self.up = nn.Upsample(scale_factor=2)
        self.last = nn.Sequential(nn.Conv2d(4, 4, 3, 1, 1), nn.ReLU())
        self.head = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.last(self.up(self.mid(self.stem(x)))).mean((2, 3)))


def test_fields_after_an_upsampling_are_left_unknown() -> None:
    taps = tap_cnn(Upsampled().eval().requires_grad_(False), torch.randn(1, 1, 16, 16))
    assert [p.name for p in taps.points] == ["stem", "mid", "up", "last"]
    assert {name: f.size for name, f in stage_fields(taps).items()} == {"stem": 3, "mid": 7}


def test_the_first_filters_are_the_stems_own(resdigits: OwnCnn) -> None:
    found = resdigits.first_filters()
    assert found is not None
    stage, filters = found
    weight = resdigits.model.loaded.module.features[0][0].weight
    assert stage == "features.0" and filters.shape == (8, 1, 3, 3)
    np.testing.assert_array_equal(filters, weight.numpy())


def test_analyses_leave_the_shared_model_as_it_was_and_run_side_by_side(
    resdigits: OwnCnn,
) -> None:
    module = resdigits.model.loaded.module
    before = {name: value.clone() for name, value in module.state_dict().items()}
    batch, label = digit_input(resdigits)
    covered = batch.repeat(5, 1, 1, 1)
    covered[1:, :, 4:12, 4:12] = 0.0
    with torch.inference_mode():
        np.testing.assert_allclose(resdigits.forward(covered), module(covered), atol=1e-5)
    serial = [resdigits.taps.run(batch * scale).logits for scale in (0.5, 1.0, 1.5, 2.0)]
    found: dict[int, torch.Tensor] = {}

    def run(index: int, scale: float) -> None:
        for _ in range(20):
            found[index] = resdigits.taps.run(batch * scale).logits
            resdigits.grad_cam(batch * scale, label, "features.2")

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate((0.5, 1, 1.5, 2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, logits in enumerate(serial):
        torch.testing.assert_close(found[index], logits)
    assert not module.training and not any(p.requires_grad for p in module.parameters())
    for name, value in module.state_dict().items():
        torch.testing.assert_close(value, before[name], rtol=0, atol=0)
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in module.modules())


# The command line.


def digit_files(folder: Path, count: int) -> dict[Path, int]:
    files = {}
    for index in range(count):
        data, label = held_out_png(index)
        path = folder / f"digit{index}.png"
        path.write_bytes(data)
        files[path] = label
    return files


@pytest.fixture
def loaded_once(resdigits: OwnCnn, monkeypatch: pytest.MonkeyPatch) -> None:
    """The verbs get the module's resdigits (already loaded) instead of loading it again; other
    names are looked up in the folder as usual."""
    real = models.cli.open_own_cnn

    def opened(folder: Path, name: str) -> OwnCnn:
        return resdigits if name == "resdigits" else real(folder, name)

    monkeypatch.setattr(models.cli, "open_own_cnn", opened)


def test_predict_reads_held_out_digits_with_the_operators_cnn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = digit_files(tmp_path, 3)
    own = ["--models", str(EXAMPLES), "--model", "resdigits"]
    assert main(["predict", *map(str, files), *own, "--top", "3"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["top"][0]["label"] for line in lines] == [str(label) for label in files.values()]
    assert all(len(line["top"]) == 3 and line["model"] == "resdigits" for line in lines)


@pytest.mark.usefixtures("loaded_once")
def test_maps_and_explain_read_the_operators_cnn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = digit_files(tmp_path, 1)
    own = ["--models", str(EXAMPLES), "--model", "resdigits"]
    first = next(iter(files))
    assert main(["maps", str(first), *own, "--layer", "features.2", "--out", str(tmp_path)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["shape"] == [16, 14, 14] and np.load(record["npy"]).shape == (16, 14, 14)
    assert main(["explain", str(first), *own, "--method", "cam", "--out", str(tmp_path)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["label"] == str(files[first]) and record["layer"] == "features.3"
    assert np.load(record["npy"]).shape == (28, 28)
    assert main(["explain", str(first), *own, "--method", "gradcam", "--layer", "features.1"]) == 0
    assert json.loads(capsys.readouterr().out)["layer"] == "features.1"


@pytest.mark.usefixtures("loaded_once")
@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--model", "resdigits"], 2, "give --models DIR"),
        (["--models", str(EXAMPLES), "--model", "nope"], 1, "nope: no model of that name"),
        (["--models", str(EXAMPLES), "--model", "mood_gru"], 1, "is a sequence model"),
        (["--models", "/no/such/folder", "--model", "x"], 1, "no such folder"),
        (["--models", str(EXAMPLES), "--model", "resdigits", "--class", "10"], 2, "0..9"),
    ],
)
def test_the_verbs_say_why_they_cannot_read_a_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], status: int, message: str
) -> None:
    (first,) = digit_files(tmp_path, 1)
    assert main(["explain", str(first), *args]) == status
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err and not captured.out
