"""Inside brought models: CNN taps equal the blocks' own outputs, recurrent steps equal the
layers' own, and the shared model is never changed."""

from __future__ import annotations

import copy
import importlib.util
import threading
from pathlib import Path
from unittest import mock

import pytest
import torch
from torch import nn

from models.custom import taps as taps_module
from models.custom.reader import read_sequence_model
from models.custom.recurrent import RecurrentError, step_recurrent
from models.custom.taps import TapError, tap_cnn

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "own_model"


def example_module(name: str) -> object:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shared(model: nn.Module, seed: int = 0) -> nn.Module:
    """`model` with random batch-norm statistics, as the app keeps it: eval, no gradients."""
    torch.manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.normal_(0, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.normal_(1, 0.3)
            module.bias.data.normal_(0, 0.3)
    return model.eval().requires_grad_(False)


@pytest.fixture(scope="module")
def resdigits() -> tuple[nn.Module, taps_module.TappedCnn]:
    model = shared(example_module("resdigits").build())  # type: ignore[attr-defined]
    return model, tap_cnn(model, torch.randn(1, 1, 28, 28))


def by_hand(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Each block of the example CNN run by hand on a private copy, its output kept at once."""
    private = copy.deepcopy(model)
    outputs = {}
    with torch.inference_mode():
        for index, block in enumerate(private.features):
            x = block(x).clone()
            outputs[f"features.{index}"] = x.clone()
        outputs["pool"] = private.pool(x).clone()
    return outputs


def test_every_tap_is_its_blocks_own_output(resdigits: tuple) -> None:
    """Batch norm, in-place ReLU and `out += shortcut`: each block's value as it left the
    block, for a batch of three (the graph takes any batch)."""
    model, tapped = resdigits
    x = torch.randn(3, 1, 28, 28)
    result = tapped.run(x)
    expected = by_hand(model, x)
    assert tapped.names == tuple(expected)
    for name, output in result.stages:
        assert output.shape == expected[name].shape
        assert torch.allclose(output, expected[name], atol=1e-5), name
    with torch.inference_mode():
        assert torch.allclose(result.logits, model(x), atol=1e-5)
    assert (result.stage("features.0") == 0).any()  # after ReLU; the stem's maps are not all >0
    with pytest.raises(ValueError, match=r"the input must be \(B, 1, 28, 28\)"):
        tapped.run(torch.randn(1, 1, 27, 28))


class FlatNet(nn.Module):
    """Top-level layers whose outputs a later in-place ReLU would overwrite."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3)
        self.bn1 = nn.BatchNorm2d(6)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(6, 6, 3, stride=2)
        self.fc = nn.Linear(6, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn1(self.conv1(x))
        x = self.relu(x)  # overwrites bn1's output in place
        x = self.conv2(x)
        x += 1.0  # and conv2's
        return self.fc(self.relu(x).mean(dim=(2, 3)))


def test_a_value_later_overwritten_in_place_is_tapped_as_it_was() -> None:
    model = shared(FlatNet())
    x = torch.randn(1, 3, 16, 16)
    tapped = tap_cnn(model, x)
    assert tapped.names == ("conv1", "bn1", "relu#1", "conv2", "relu#2")
    result = tapped.run(x)
    private = copy.deepcopy(model)
    with torch.inference_mode():
        bn1 = private.bn1(private.conv1(x))
        conv2 = private.conv2(torch.relu(bn1))
    assert (result.stage("bn1") < 0).any()  # not the ReLU's output
    assert torch.allclose(result.stage("bn1"), bn1, atol=1e-5)
    assert torch.allclose(result.stage("relu#1"), torch.relu(bn1), atol=1e-5)
    assert torch.allclose(result.stage("conv2"), conv2, atol=1e-5)  # before `+= 1`
    assert torch.allclose(result.stage("relu#2"), torch.relu(conv2 + 1), atol=1e-5)
    assert tapped.head is not None and tapped.head.stage == "relu#2"


def test_the_class_maps_average_to_the_logits(resdigits: tuple) -> None:
    model, tapped = resdigits
    result = tapped.run(torch.randn(1, 1, 28, 28))
    assert tapped.head is not None and tapped.head.weight is model.fc.weight
    maps = tapped.head.class_maps(result.stage("features.3")[0])
    assert maps.shape == (10, 7, 7)
    assert torch.allclose(maps.mean(dim=(1, 2)), result.logits[0], atol=1e-5)


def test_gradients_reach_a_stage(resdigits: tuple) -> None:
    """Grad-CAM needs d logit / d stage: the same as on a private copy resumed from the stage."""
    model, tapped = resdigits
    x = torch.randn(1, 1, 28, 28)
    result = tapped.run(x, grad=True)
    stage = result.stage("features.2")
    (found,) = torch.autograd.grad(result.logits[0, 3], stage)
    private = copy.deepcopy(model)
    resumed = private.features[:2](x).detach().clone()
    resumed = private.features[2](resumed).detach().requires_grad_(True)
    logit = private.fc(torch.flatten(private.pool(private.features[3](resumed)), 1))[0, 3]
    (expected,) = torch.autograd.grad(logit, resumed)
    assert torch.allclose(found, expected, atol=1e-5)


def fingerprint(model: nn.Module) -> dict[str, object]:
    return {
        "tensors": {k: (v.data_ptr(), v.clone()) for k, v in model.state_dict().items()},
        "training": [m.training for m in model.modules()],
        "grads": [p.requires_grad for p in model.parameters()],
        "hooks": [
            len(hooks)
            for m in model.modules()
            for hooks in (m._forward_hooks, m._forward_pre_hooks, m._backward_hooks)
        ],
    }


def test_tapping_and_running_never_change_the_shared_model() -> None:
    model = shared(example_module("resdigits").build())  # type: ignore[attr-defined]
    before = fingerprint(model)
    tapped = tap_cnn(model, torch.randn(1, 1, 28, 28))
    tapped.run(torch.randn(2, 1, 28, 28))
    tapped.run(torch.randn(1, 1, 28, 28), grad=True)
    after = fingerprint(model)
    assert after["training"] == before["training"] and not any(after["training"])
    assert after["grads"] == before["grads"] and not any(after["grads"])
    assert not any(after["hooks"])
    for key, (pointer, value) in before["tensors"].items():  # type: ignore[union-attr]
        assert after["tensors"][key][0] == pointer  # type: ignore[index]
        assert torch.equal(after["tensors"][key][1], value), key  # type: ignore[index]
    assert not nn.modules.module._global_forward_hooks


def test_exports_run_one_at_a_time_and_leave_mkldnn_as_it_was() -> None:
    """Two threads tapping at once: torch.export is never entered by both together, and the
    mkldnn switch an export turns off is put back."""
    inside, most = 0, 0
    count = threading.Lock()
    real_export = torch.export.export

    def counting_export(*args: object, **kwargs: object) -> object:
        nonlocal inside, most
        with count:
            inside += 1
            most = max(most, inside)
        try:
            torch.backends.mkldnn.enabled = False  # as overlapping exports were seen to leave it
            return real_export(*args, **kwargs)
        finally:
            with count:
                inside -= 1

    models = [shared(FlatNet(), seed) for seed in (1, 2)]
    results: list[object] = []
    with mock.patch.object(torch.export, "export", side_effect=counting_export):
        threads = [
            threading.Thread(
                target=lambda m=m: results.append(tap_cnn(m, torch.randn(1, 3, 16, 16)))
            )
            for m in models
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(results) == 2 and most == 1
    assert torch.backends.mkldnn.enabled


class DataDependent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return y.mean(dim=(2, 3)) if y.sum() > 0 else -y.mean(dim=(2, 3))


def test_what_export_cannot_follow_is_a_one_line_message() -> None:
    with pytest.raises(TapError) as caught:
        tap_cnn(shared(DataDependent()), torch.randn(1, 1, 8, 8))
    message = str(caught.value)
    assert message.startswith("torch.export cannot capture this model's forward pass: ")
    assert "\n" not in message


RECURRENT = {
    "2-layer LSTM, time first": lambda: nn.LSTM(5, 7, num_layers=2),
    "2-layer LSTM, batch first": lambda: nn.LSTM(5, 7, num_layers=2, batch_first=True),
    "bidirectional GRU, batch first": lambda: nn.GRU(5, 6, bidirectional=True, batch_first=True),
    "bidirectional 2-layer GRU, time first": lambda: nn.GRU(5, 6, 2, bidirectional=True),
    "tanh RNN": lambda: nn.RNN(5, 4, batch_first=True),
    "relu RNN, no bias, bidirectional": lambda: nn.RNN(
        5, 4, nonlinearity="relu", bias=False, bidirectional=True
    ),
    "bidirectional 3-layer LSTM": lambda: nn.LSTM(5, 3, 3, bidirectional=True, batch_first=True),
}


@pytest.mark.parametrize("case", list(RECURRENT))
def test_stepping_gives_the_layers_own_outputs(case: str) -> None:
    torch.manual_seed(0)
    module = RECURRENT[case]().eval()
    x = torch.randn(3, 9, 5) if module.batch_first else torch.randn(9, 3, 5)
    steps = step_recurrent(module, x)
    with torch.inference_mode():
        output, state = module(x)
    h_n, c_n = state if isinstance(state, tuple) else (state, None)
    assert torch.allclose(steps.output, output, atol=1e-5)
    assert torch.allclose(steps.h_n, h_n, atol=1e-5)
    if c_n is not None:
        assert steps.c_n is not None and torch.allclose(steps.c_n, c_n, atol=1e-5)
    directions = 2 if module.bidirectional else 1
    stacked = steps.stacked("h", batch=1)  # (T, layers, directions, H)
    assert stacked.shape == (9, module.num_layers, directions, module.hidden_size)
    top = output[1] if module.batch_first else output[:, 1]  # (T, D H) of sequence 1
    assert torch.allclose(stacked[:, -1].reshape(9, -1), top, atol=1e-5)


def test_the_gates_are_the_ones_that_make_h() -> None:
    """c_t = f c_(t-1) + i g and h_t = o tanh(c_t) (LSTM); h_t = (1 - z) n + z h_(t-1) (GRU),
    in both directions (the reverse direction's previous step is t + 1)."""
    torch.manual_seed(1)
    x = torch.randn(2, 6, 5)
    lstm = step_recurrent(nn.LSTM(5, 4, bidirectional=True, batch_first=True), x)
    for direction, run in enumerate(lstm.layers[0]):
        before = 1 if direction else -1
        c_prev = torch.roll(run["c"], shifts=-before, dims=0)
        c_prev[-1 if direction else 0] = 0
        assert torch.allclose(run["c"], run["f"] * c_prev + run["i"] * run["g"], atol=1e-6)
        assert torch.allclose(run["h"], run["o"] * torch.tanh(run["c"]), atol=1e-6)
    gru = step_recurrent(nn.GRU(5, 4, batch_first=True), x).layers[0][0]
    h_prev = torch.cat([torch.zeros_like(gru["h"][:1]), gru["h"][:-1]])
    assert torch.allclose(gru["h"], (1 - gru["z"]) * gru["n"] + gru["z"] * h_prev, atol=1e-6)


def test_a_given_initial_state_is_stepped_from() -> None:
    torch.manual_seed(2)
    module = nn.LSTM(5, 4, num_layers=2).eval()
    x, h0, c0 = torch.randn(7, 2, 5), torch.randn(2, 2, 4), torch.randn(2, 2, 4)
    steps = step_recurrent(module, x, (h0, c0))
    with torch.inference_mode():
        assert torch.allclose(steps.output, module(x, (h0, c0))[0], atol=1e-5)


def test_layers_the_app_cannot_step_say_why() -> None:
    with pytest.raises(RecurrentError, match="proj_size = 2"):
        step_recurrent(nn.LSTM(5, 4, proj_size=2), torch.randn(3, 1, 5))
    packed = nn.utils.rnn.pack_sequence([torch.randn(3, 5)])
    with pytest.raises(RecurrentError, match="packed sequences"):
        step_recurrent(nn.LSTM(5, 4), packed)  # type: ignore[arg-type]


class Reader(nn.Module):
    """Embedding -> recurrent layer -> a head on some step; `pick` says which."""

    def __init__(self, layer: nn.RNNBase, pick: str = "last") -> None:
        super().__init__()
        self.embed = nn.Embedding(20, 5)
        self.rnn = layer
        units = layer.hidden_size * (2 if layer.bidirectional else 1)
        self.head = nn.Linear(units, 3)
        self.pick = pick

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.embed(ids))
        if self.pick == "first":
            return self.head(out[:, 0])
        if self.pick == "mean":
            return self.head(out.mean(dim=1))
        return self.head(out[:, -1])


class CellLoop(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(20, 5)
        self.cell = nn.GRUCell(5, 4)
        self.head = nn.Linear(4, 3)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        h = torch.zeros(1, 4)
        for t in range(ids.shape[1]):
            h = self.cell(self.embed(ids[:, t]), h)
        return self.head(h)


def test_the_verdict_after_each_token_is_the_models_answer_to_that_prefix() -> None:
    """The example LSTM reads time first through two layers: its verdict after token t is what
    the model itself says about the first t + 1 tokens."""
    model = example_module("mood_lstm").build().eval().requires_grad_(False)  # type: ignore[attr-defined]
    reader = read_sequence_model(model, torch.tensor([[1, 2, 3]]))
    ids = torch.tensor([[5, 17, 2, 99, 40, 3, 0, 8]])
    read = reader.read(ids)
    assert read.verdicts is not None and read.verdicts.shape == (8, 2)
    with torch.inference_mode():
        for t in range(8):
            assert torch.allclose(read.verdicts[t], model(ids[:, : t + 1])[0], atol=1e-5)
        own, _ = model.lstm(model.embed(ids).transpose(0, 1))
    assert torch.allclose(read.steps[0].layers[1][0]["h"][:, 0], own[:, 0], atol=1e-5)
    assert read.difference < 1e-5


@pytest.mark.parametrize(
    ("model", "note"),
    [
        (Reader(nn.GRU(5, 4, batch_first=True, bidirectional=True)), "reads in both directions"),
        (Reader(nn.LSTM(5, 4, batch_first=True), "first"), "does not give the logits"),
        (Reader(nn.LSTM(5, 4, batch_first=True), "mean"), "mean lies between rnn and the logits"),
    ],
    ids=["bidirectional", "first step", "mean over steps"],
)
def test_no_verdict_where_the_structure_does_not_allow_one(model: nn.Module, note: str) -> None:
    reader = read_sequence_model(model.eval(), torch.tensor([[1, 2, 3, 4]]))
    assert reader.head is None and note in reader.verdict_note
    read = reader.read(torch.tensor([[3, 1, 4, 1, 5]]))
    assert read.verdicts is None and read.difference < 1e-5


def test_a_hand_written_cell_loop_is_named() -> None:
    with pytest.raises(RecurrentError, match=r"cell is an nn\.GRUCell run in a hand-written loop"):
        read_sequence_model(CellLoop(), torch.tensor([[1, 2]]))


def test_reading_never_changes_the_shared_model() -> None:
    model = Reader(nn.LSTM(5, 4, num_layers=2, batch_first=True)).eval().requires_grad_(False)
    before = fingerprint(model)
    reader = read_sequence_model(model, torch.tensor([[1, 2, 3]]))
    reader.read(torch.tensor([[4, 5, 6, 7]]))
    after = fingerprint(model)
    assert after["training"] == before["training"] and not any(after["hooks"])
    for key, (_, value) in before["tensors"].items():  # type: ignore[union-attr]
        assert torch.equal(after["tensors"][key][1], value), key  # type: ignore[index]
