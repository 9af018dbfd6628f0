"""The operator's recurrent models on the LSTM page (AppTest): the shipped examples, a two-layer
LSTM read time first and a bidirectional GRU, opened from an address. Every value the page shows
is checked against the model's own modules run here, not against the page's code."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

import models.custom.sequence_spec
import serving.own_models
from bench.harness.apptest import open_page
from charts.theme import diverging_pixels
from models.custom.folder import ModelsFolder, UserModel
from models.custom.text import encode
from serving.own_models import MODELS_DIR_VARIABLE, own_models
from tests.helpers.apptest import charts, figure_elements, figure_json, texts
from tests.helpers.bad_inputs import TEXT_CASES
from tests.helpers.pictures import data_uri_pixels
from tests.helpers.plotly_arrays import decode
from ui.common.pages import LSTM

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "own_model"
PAGE = LSTM
SENTENCE = "The film was not good, but the ending was wonderful"


@pytest.fixture(scope="module")
def served() -> Iterator[ModelsFolder]:
    """The app serving the shipped examples folder, loaded afresh for this module."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(MODELS_DIR_VARIABLE, str(EXAMPLES))
        monkeypatch.setattr(serving.own_models, "_loaded", {})
        yield own_models()


def open_model(name: str, text: str = SENTENCE) -> AppTest:
    """The page for `name`'s reading of `text`, its details opened (Play, the close-up and
    "Which words mattered", none of which is drawn until a visitor asks)."""
    address = {"model": name, "text": text, "play": "on", "close_up": "on", "section": "words"}
    return open_page(PAGE, address)


def ids_of(model: UserModel, text: str) -> torch.Tensor:
    config = model.loaded.config.text
    assert config is not None and model.loaded.vocab is not None
    return encode(text, config, model.loaded.vocab).tensor()


def config_classes(name: str) -> list[str]:
    """The class names as the config file itself lists them."""
    return tomllib.loads((EXAMPLES / f"{name}.toml").read_text())["classes"]["names"]


def heatmap(at: AppTest) -> np.ndarray:
    """The heatmap picture, one pixel per (unit, token)."""
    image = charts(at)["lstm_watch"]["layout"]["images"][0]
    shown = data_uri_pixels(image["source"])
    rows, cols = shown.shape[0] // image["sizey"], shown.shape[1] // image["sizex"]
    return shown[::rows, ::cols]


def class_table(at: AppTest) -> dict[str, float]:
    table = next(frame.value for frame in at.dataframe if "probability" in frame.value.columns)
    return dict(zip(table["class"], table["probability"], strict=True))


def test_the_chooser_offers_the_operators_models_after_the_shipped_ones(
    served: ModelsFolder,
) -> None:
    at = open_model("mood_lstm")
    radio = at.sidebar.radio(key="lstm_model")
    assert radio.value == "mood_lstm"
    # The config's titles, escaped: the radio's labels are markdown, and show them as typed.
    assert radio.options[-2:] == [
        "Mood reader \\(bidirectional GRU\\)",
        "Mood reader \\(two\\-layer LSTM\\)",
    ]
    assert radio.options[0].startswith("Sentiment LSTM")  # the shipped ones first
    at = open_model("mood_cnn")  # not a model of the folder
    assert at.sidebar.radio(key="lstm_model").value == "lstm"
    assert any("the model ` mood_cnn `, which is not here" in text for text in texts(at))


def test_without_the_folder_the_operators_models_are_not_offered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MODELS_DIR_VARIABLE, raising=False)
    at = open_model("mood_lstm")
    assert at.sidebar.radio(key="lstm_model").value == "lstm"
    assert any("the model ` mood_lstm `, which is not here" in text for text in texts(at))


def test_the_two_layer_lstm_shows_its_own_states_classes_and_verdict(
    served: ModelsFolder,
) -> None:
    model = served.model("mood_lstm")
    module = model.loaded.module
    ids = ids_of(model, SENTENCE)
    at = open_model("mood_lstm")
    assert not at.exception
    # The tokens as its vocabulary reads them: "ending" is not in it.
    strip = at.text[0].value
    assert "[the]  [film]" in strip and "[ending?]" in strip
    # Final probabilities: softmax of the module's own logits, named as the config names them.
    with torch.inference_mode():
        logits = module(ids)[0]
        own_h, _ = module.lstm(module.embed(ids).transpose(0, 1))  # (T, 1, H): layer 2's h
    probs = torch.softmax(logits.double(), dim=0).numpy()
    shown = class_table(at)
    assert list(shown) == [config_classes("mood_lstm")[k] for k in np.argsort(-probs)]
    np.testing.assert_allclose([shown[name] for name in config_classes("mood_lstm")], probs, 1e-6)
    verdict = config_classes("mood_lstm")[int(np.argmax(probs))]
    assert any(m.label == "Its verdict on the whole text" and verdict in m.value for m in at.metric)
    # The heatmap: h of the chosen layer, as the reader stepped it from the module's weights.
    read = model.reader.read(ids)  # type: ignore[union-attr]
    first = read.steps[0].layers[0][0]["h"][:, 0].numpy()
    second = read.steps[0].layers[1][0]["h"][:, 0].numpy()
    np.testing.assert_allclose(second, own_h[:, 0].numpy(), atol=1e-5)  # the module's own
    np.testing.assert_array_equal(heatmap(at), diverging_pixels(first, 1.0))
    at.sidebar.radio(key="lstm_layer_mood_lstm").set_value(1).run()
    assert not at.exception
    np.testing.assert_array_equal(heatmap(at), diverging_pixels(second, 1.0))
    assert not np.array_equal(diverging_pixels(first, 1.0), diverging_pixels(second, 1.0))
    # Under it: the verdict's probability after every token, the model's answer to each prefix.
    curve = decode(charts(at)["lstm_watch"]["data"][2]["y"])
    with torch.inference_mode():
        prefixes = [
            torch.softmax(module(ids[:, : t + 1])[0], dim=0)[int(np.argmax(probs))]
            for t in range(ids.shape[1])
        ]
    np.testing.assert_allclose(curve, prefixes, atol=1e-5)
    # Its cell memory is shown, split by word, with its gates.
    assert "lstm_memory" in charts(at)
    assert "c" in at.sidebar.radio(key="lstm_state_mood_lstm").options[1]


def test_the_bidirectional_gru_shows_each_direction_and_no_memory(served: ModelsFolder) -> None:
    model = served.model("mood_gru")
    module = model.loaded.module
    ids = ids_of(model, SENTENCE)
    at = open_model("mood_gru")
    assert not at.exception
    states = at.sidebar.radio(key="lstm_state_mood_gru").options
    assert [option.split(" · ")[0] for option in states] == ["h", "z", "r", "n", "Δh"]  # no c
    assert "lstm_memory" not in charts(at)
    with torch.inference_mode():
        logits = module(ids)[0]
        own, _ = module.gru(module.embedding(ids))  # (1, T, 2 H): forward, then backward
    probs = torch.softmax(logits.double(), dim=0).numpy()
    shown = class_table(at)
    np.testing.assert_allclose([shown[name] for name in config_classes("mood_gru")], probs, 1e-6)
    # The backward direction: its column at token t has read tokens t..T-1.
    directions = at.sidebar.radio(key="lstm_layer_mood_gru")
    assert "backward" in directions.options[1] and "from the end" in directions.options[1]
    assert not any("reads the text backwards" in text for text in texts(at))
    directions.set_value(1).run()
    assert not at.exception
    read = model.reader.read(ids)  # type: ignore[union-attr]
    backward = read.steps[0].layers[0][1]["h"][:, 0].numpy()
    np.testing.assert_allclose(backward, own[0, :, 32:].numpy(), atol=1e-5)
    np.testing.assert_array_equal(heatmap(at), diverging_pixels(backward, 1.0))
    assert any("reads the text backwards" in text for text in texts(at))
    # The change at a token is from the token after it, which that direction read first.
    bars = charts(at)["lstm_step_state"]["data"]
    np.testing.assert_allclose(decode(bars[0]["y"]), backward[-1], atol=1e-6)
    np.testing.assert_allclose(decode(bars[1]["y"]), np.zeros(32), atol=0)  # nothing read yet
    at.select_slider(key="lstm_step").set_value(4).run()
    bars = charts(at)["lstm_step_state"]["data"]
    np.testing.assert_allclose(decode(bars[1]["y"]), backward[4], atol=1e-6)
    # No verdict per token: the heatmap stands alone, and the page says why.
    figure = charts(at)["lstm_watch"]
    assert "yaxis2" not in figure["layout"] and len(figure["data"]) == 5
    assert any("reads in both directions" in text for text in texts(at))


def test_which_words_mattered_to_its_verdict(served: ModelsFolder) -> None:
    model = served.model("mood_lstm")
    module = model.loaded.module
    ids = ids_of(model, SENTENCE)
    at = open_model("mood_lstm")
    bars = charts(at)["attr_bars"]["data"]
    ig, left_out = decode(bars[0]["y"]), decode(bars[1]["y"])
    with torch.inference_mode():
        target = int(module(ids)[0].argmax())

        def log_p(ids: torch.Tensor) -> float:
            return float(torch.log_softmax(module(ids)[0], dim=0)[target])

        keep = ~torch.eye(ids.shape[1], dtype=torch.bool)
        expected = [log_p(ids) - log_p(ids[:, keep[t]]) for t in range(ids.shape[1])]
    np.testing.assert_allclose(left_out, expected, atol=1e-5)
    # Integrated gradients on the word vectors, from all-zero vectors, written out here.
    caption = next(text for text in texts(at) if "Integrated gradients" in text)
    steps = int(re.search(r"(\d+) points on the path", caption).group(1))  # type: ignore[union-attr]
    vectors = module.embed(ids).detach()  # (1, T, E)
    alphas = (torch.arange(steps, dtype=torch.float32) + 0.5) / steps
    path = (alphas[:, None, None] * vectors).requires_grad_(True)
    outputs, _ = module.lstm(path.transpose(0, 1))
    score = torch.log_softmax(module.out(outputs[-1]), dim=-1)[:, target].sum()
    (grads,) = torch.autograd.grad(score, path)
    np.testing.assert_allclose(ig, (vectors[0] * grads.mean(dim=0)).sum(-1).numpy(), atol=1e-4)
    with torch.inference_mode():
        zero, _ = module.lstm(torch.zeros_like(vectors).transpose(0, 1))
        baseline = float(torch.log_softmax(module.out(zero[-1])[0], dim=0)[target])
    assert abs(ig.sum() - (log_p(ids) - baseline)) <= 0.01 * abs(log_p(ids) - baseline)
    name = config_classes("mood_lstm")[target]
    assert f"log p\\({name}\\)" in caption


def test_sections_that_need_the_shipped_corpus_are_left_out_with_a_note(
    served: ModelsFolder,
) -> None:
    at = open_page(PAGE, {"model": "mood_gru", "text": SENTENCE, "section": "units"})
    assert not at.exception
    assert at.radio(key="lstm_deeper").options == ["Nothing more", "Which words mattered"]
    assert at.radio(key="lstm_deeper").value == "words"  # the one it has, as asked for one
    assert any("the app's own corpus" in text for text in texts(at))
    assert not {"units_lines", "units_path", "pair"} & set(charts(at))


def test_a_text_is_read_once_for_every_session(served: ModelsFolder) -> None:
    text = "A line only this test reads, in two sessions"
    reading = models.custom.sequence_spec
    with patch.object(reading, "trace_own", wraps=reading.trace_own) as reads:
        first = open_model("mood_lstm", text)
        first.sidebar.radio(key="lstm_state_mood_lstm").set_value("f").run()
        first.sidebar.radio(key="lstm_layer_mood_lstm").set_value(1).run()
        second = open_model("mood_lstm", text)
    assert not first.exception and not second.exception
    assert [call.args[1] for call in reads.call_args_list] == [text]
    assert class_table(first) == class_table(second)


CELL_LOOP = """
import torch
from torch import nn


class Loop(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(4, 3)
        self.cell = nn.GRUCell(3, 2)
        self.head = nn.Linear(2, 2)

    def forward(self, ids):
        h = torch.zeros(1, 2)
        for t in range(ids.shape[1]):
            h = self.cell(self.embed(ids[:, t]), h)
        return self.head(h)


def build():
    return Loop()
"""


def test_a_model_whose_layers_cannot_be_stepped_is_offered_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "loop.py").write_text(CELL_LOOP)
    namespace: dict[str, object] = {}
    exec(CELL_LOOP, namespace)  # the same code, to save its weights
    torch.save(namespace["build"]().state_dict(), tmp_path / "loop.pt")  # type: ignore[operator]
    (tmp_path / "vocab.txt").write_text("<unk>\nthe\nfilm\ngood\n")
    digest = hashlib.sha256((tmp_path / "loop.pt").read_bytes()).hexdigest()
    (tmp_path / "loop.toml").write_text(
        '[model]\nname = "loop"\ntitle = "Hand-made loop"\nkind = "sequence"\n'
        f'code = "loop.py"\nbuilder = "build"\nweights = "loop.pt"\nsha256 = "{digest}"\n'
        '[text]\ntokens = "word"\nvocab = "vocab.txt"\n[classes]\nnames = ["no", "yes"]\n'
    )
    monkeypatch.setenv(MODELS_DIR_VARIABLE, str(tmp_path))
    at = open_model("loop")
    assert not at.exception
    assert at.sidebar.radio(key="lstm_model").value == "loop"
    shown = [box.value.replace("\\", "") for box in at.info]  # escaped: shown as written
    assert any("cell is an nn.GRUCell run in a hand-written loop" in text for text in shown)
    assert not charts(at)


@pytest.mark.parametrize("model", ["mood_lstm", "mood_gru"])
def test_every_hostile_text_gives_a_message_or_a_result(served: ModelsFolder, model: str) -> None:
    at = open_model(model)
    assert at.sidebar.radio(key="lstm_model").value == model
    for case in TEXT_CASES:
        at.text_input(key="lstm_text").set_value(case.text).run()
        assert not at.exception, case.name
        for body in texts(at):
            assert "<b>" not in body and "<script" not in body.lower(), (case.name, body)
            assert "**bold**" not in body and "](http://x)" not in body, (case.name, body)
        for element in figure_elements(at):
            assert "<script" not in figure_json(element).lower(), case.name
        if case.empty:
            assert any("Type some text" in info.value for info in at.info), case.name
            assert not figure_elements(at), case.name
            continue
        cut = any("only its first 200 words" in warning.value for warning in at.warning)
        assert cut == case.long, case.name
        assert "lstm_watch" in charts(at) and class_table(at), case.name


@pytest.mark.usefixtures("served")
def test_the_address_names_a_layer_and_direction_as_the_chooser_does() -> None:
    """`?layer=` is the layer's key ("1_backward" of a bidirectional GRU, as in the downloads),
    the same in the address read, the chooser's label and the address written back."""
    at = open_page(PAGE, {"model": "mood_gru", "text": SENTENCE, "layer": "1_backward"})
    assert not at.exception
    chooser = at.sidebar.radio(key="lstm_layer_mood_gru")
    assert chooser.value == 1 and chooser.format_func(1).startswith("layer 1 · backward")
    assert at.query_params["layer"] == "1_backward"
    chooser.set_value(0).run()
    assert "layer" not in at.query_params  # the first layer, forward: the default
    # A place among the entries is not a layer of this model: the default, with the notice.
    at = open_page(PAGE, {"model": "mood_gru", "text": SENTENCE, "layer": "2"})
    assert at.sidebar.radio(key="lstm_layer_mood_gru").value == 0
    assert any("the layer" in info.value and "2" in info.value for info in at.info)
    # A one-direction model keeps its numbers.
    at = open_page(PAGE, {"model": "mood_lstm", "text": SENTENCE, "layer": "2"})
    assert at.sidebar.radio(key="lstm_layer_mood_lstm").value == 1
    assert at.query_params["layer"] == "2"


MIXED = """
import torch
from torch import nn


class Mixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(5, 4)
        self.lstm = nn.LSTM(4, 6, batch_first=True)
        self.gru = nn.GRU(6, 5, batch_first=True)
        self.head = nn.Linear(5, 2)

    def forward(self, ids):
        x, _ = self.lstm(self.embed(ids))
        x, _ = self.gru(x)
        return self.head(x[:, -1])


def build():
    torch.manual_seed(0)
    return Mixed()
"""


def test_an_lstm_feeding_a_gru_shows_h_of_both_and_the_lstm_memory_where_it_has_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mixed.py").write_text(MIXED)
    namespace: dict[str, object] = {}
    exec(MIXED, namespace)  # the same code, to save its weights
    module = namespace["build"]().eval()  # type: ignore[operator]
    torch.save(module.state_dict(), tmp_path / "mixed.pt")
    (tmp_path / "vocab.txt").write_text("<unk>\nthe\nfilm\nwas\ngood\n")
    digest = hashlib.sha256((tmp_path / "mixed.pt").read_bytes()).hexdigest()
    (tmp_path / "mixed.toml").write_text(
        '[model]\nname = "mixed"\ntitle = "LSTM then GRU"\nkind = "sequence"\n'
        f'code = "mixed.py"\nbuilder = "build"\nweights = "mixed.pt"\nsha256 = "{digest}"\n'
        '[text]\ntokens = "word"\nvocab = "vocab.txt"\n[classes]\nnames = ["no", "yes"]\n'
    )
    monkeypatch.setenv(MODELS_DIR_VARIABLE, str(tmp_path))
    monkeypatch.setattr(serving.own_models, "_loaded", {})
    at = open_model("mixed", "the film was good")
    assert not at.exception
    # The cells differ, so the state chooser offers what both have: h (and its change).
    states = at.sidebar.radio(key="lstm_state_mixed")
    assert [option.split(" · ")[0] for option in states.options] == ["h", "Δh"]
    layers = at.sidebar.radio(key="lstm_layer_mixed")
    assert [option.split(" (")[0] for option in layers.options] == [
        "`lstm` layer 1",
        "`gru` layer 1",
    ]
    ids = torch.tensor([[1, 2, 3, 4]])
    with torch.inference_mode():
        lstm_h, _ = module.lstm(module.embed(ids))
        gru_h, _ = module.gru(lstm_h)
    np.testing.assert_array_equal(heatmap(at), diverging_pixels(lstm_h[0].numpy(), 1.0))
    layers.set_value(1).run()
    assert not at.exception
    np.testing.assert_array_equal(heatmap(at), diverging_pixels(gru_h[0].numpy(), 1.0))
    assert "lstm_memory" not in charts(at)  # the GRU layer has no memory
    layers.set_value(0).run()
    assert not at.exception and "lstm_memory" in charts(at)  # the LSTM layer's own
