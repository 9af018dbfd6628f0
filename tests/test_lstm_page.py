"""AppTest of the LSTM page: real models, typed text, hostile text, and no needless reruns."""

from __future__ import annotations

import json
import time
from unittest.mock import patch

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import ui.cache.sequence
import ui.cache.sequence_deeper
from bench.harness.paths import ROOT
from models.sequence.attribution import integrated_gradients
from models.sequence.lstm_memory import memory_at_step
from models.sequence.registry import load_sequence_model, spec_of, trace_text
from models.sequence.state_analysis import pair_distance
from models.sequence.text import word_tokens
from models.sequence.unit_analysis import rank_units
from tests.helpers.apptest import (
    charts,
    figure_elements,
    figure_json,
    figure_key,
    open_lstm_details,
)
from tests.helpers.bad_inputs import LONG_TEXT
from tests.helpers.plotly_arrays import decode
from ui.common.pages import LSTM
from ui.text.views import CLOSE_UP_KEY, PLAY_KEY

PAGE = LSTM.script
SENTENCE = "The film was not good, but the ending was wonderful"


def open_page(model: str | None = None, details: bool = True) -> AppTest:
    """The LSTM page; with `details`, Play, the close-up and "Which words mattered" opened."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(PAGE)
    if model is not None:
        at.session_state["lstm_model"] = model
    if details:
        open_lstm_details(at)
    at.run()
    assert not at.exception
    return at


def type_text(at: AppTest, text: str) -> AppTest:
    at.text_input(key="lstm_text").set_value(text).run()
    assert not at.exception
    return at


def heatmap_shape(at: AppTest) -> tuple[int, int]:
    """(units, tokens) of the heatmap picture, checked against the frames and the hover points."""
    watch = charts(at)["lstm_watch"]
    image = watch["layout"]["images"][0]
    units, tokens = image["sizey"], image["sizex"]
    assert len(watch["frames"]) == tokens
    assert len(decode(watch["data"][1]["x"])) == tokens
    return units, tokens


def test_default_sentence_gives_the_charts() -> None:
    started = time.monotonic()
    at = open_page()
    print(f"first AppTest run: {time.monotonic() - started:.1f} s")
    assert at.text_input(key="lstm_text").value == SENTENCE
    explorer = {"lstm_watch", "lstm_step_state", "lstm_movement", "lstm_memory"}
    assert explorer | {"attr_text", "attr_bars"} <= set(charts(at))  # "which words" first
    # The other deeper sections are drawn one at a time, when chosen.
    assert not {"units_lines", "units_path", "pair"} & set(charts(at))
    for section, keys in {"units": {"units_lines", "units_text"}, "path": {"units_path"}}.items():
        at.radio(key="lstm_deeper").set_value(section).run()
        assert keys <= set(charts(at)) and "attr_bars" not in charts(at)
    at.radio(key="lstm_deeper").set_value("pair").run()
    assert "pair" in charts(at)
    assert heatmap_shape(at) == (128, len(word_tokens(SENTENCE)))
    assert any(metric.label == "Final sentiment" for metric in at.metric)


def test_no_chart_makes_the_browser_measure_its_tick_labels() -> None:
    """plotly.js measures every tick label to hide those past the edge unless told to allow
    them, and on a long page each measurement lays out the whole page (charts/theme.py). The
    template sent beside each figure allows them, and no figure takes that back."""
    elements = figure_elements(open_page())
    assert len(elements) >= 6
    for element in elements:
        key = figure_key(element)
        templates = json.loads(json.loads(element.proto.json)["templates"])
        assert set(templates) == {"light", "dark"}
        for template in templates.values():
            for axis in ("xaxis", "yaxis"):
                assert template["layout"][axis]["ticklabeloverflow"] == "allow", (key, axis)
        layout = json.loads(figure_json(element))["layout"]
        assert "template" not in layout, key  # the figure itself carries none
        axes = [name for name in layout if name.startswith(("xaxis", "yaxis"))]
        assert all("ticklabeloverflow" not in layout[name] for name in axes), key


def test_number_axes_keep_their_margins_and_token_axes_grow_theirs() -> None:
    """The figures' template turns automargin on for every axis, which makes plotly.js measure
    every label and lay a figure out twice (charts/layout.py). The number axes of the charts
    a new sentence redraws turn it off; token axes keep it, so that long words are not cut."""
    specs = charts(open_page())
    number_axes = {
        "lstm_watch": ["yaxis", "yaxis2"],
        "lstm_step_state": ["xaxis", "yaxis", "yaxis2"],
        "lstm_movement": ["yaxis"],
        "lstm_memory": ["yaxis", "yaxis2"],
    }
    for key, axes in number_axes.items():
        layout = specs[key]["layout"]
        for axis in axes:
            assert layout[axis]["automargin"] is False, (key, axis)
        token_axes = [name for name in layout if name.startswith("xaxis") and name not in axes]
        assert len(token_axes) == {"lstm_watch": 2, "lstm_step_state": 0}.get(key, 1), key
        for axis in token_axes:
            assert layout[axis]["ticktext"], (key, axis)
            assert "automargin" not in layout[axis], (key, axis)


def test_a_typed_sentence_gives_one_column_per_token() -> None:
    at = type_text(open_page(), "Not bad at all, not bad at all!")
    tokens = word_tokens("Not bad at all, not bad at all!")
    assert len(tokens) == 10
    watch = charts(at)["lstm_watch"]
    assert heatmap_shape(at) == (128, 10)
    assert len(watch["frames"]) == 10
    assert watch["layout"]["xaxis"]["ticktext"] == tokens  # duplicates kept apart
    assert "[not]  [bad]  [at]  [all]  [,]" in at.text[0].value
    curve = decode(watch["data"][2]["y"])
    trace = trace_text(load_sequence_model("lstm"), "lstm", tokens_text(tokens))
    np.testing.assert_allclose(curve, trace.sentiment, atol=1e-6)
    final = next(metric for metric in at.metric if metric.label == "Final sentiment")
    assert final.value.startswith(f"{trace.sentiment[-1]:+.2f}")


def tokens_text(tokens: list[str]) -> str:
    return " ".join(tokens)


def test_choosing_an_example_fills_the_text_box() -> None:
    at = open_page()
    example = at.selectbox(key="lstm_example").options[2]
    at.selectbox(key="lstm_example").set_value(example).run()
    assert not at.exception
    assert at.text_input(key="lstm_text").value == example
    assert heatmap_shape(at)[1] == len(word_tokens(example))


def test_char_model_shows_next_character_predictions() -> None:
    at = open_page("char")
    headline = "Show HN: A tiny neural network"
    type_text(at, headline)
    found = charts(at)
    assert {"lstm_watch", "lstm_next_chars"} <= set(found)
    assert "lstm_memory" not in found  # textgenrnn restarts per window: no single memory to split
    assert heatmap_shape(at) == (128, len(headline))
    guesses = found["lstm_next_chars"]["data"][0]
    assert len(guesses["y"]) == 5
    assert sum(decode(guesses["x"])) <= 1.0 + 1e-6
    assert any(metric.label == "Next character it expects" for metric in at.metric)
    right = next(metric for metric in at.metric if metric.label == "Top guess was right")
    hits = int(right.value.split(" of ")[0])
    assert hits >= len(headline) // 4  # a real language model, not noise
    at.radio(key="lstm_layer_char").set_value(1).run()
    assert not at.exception and heatmap_shape(at) == (128, len(headline))


def test_details_are_built_only_when_the_visitor_opens_them() -> None:
    """A new text draws the heatmap alone, without frames: the close-up, the "Look deeper"
    sections, the next-character table and playback are built when asked for, and say so in
    the address."""
    at = type_text(open_page("char", details=False), "Show HN: a tiny network")
    assert set(charts(at)) == {"lstm_watch"}
    watch = charts(at)["lstm_watch"]
    assert "frames" not in watch and "sliders" not in watch["layout"]
    assert not at.select_slider and not at.dataframe  # the step slider, the tables
    assert at.radio(key="lstm_deeper").value == "none"
    assert not {"close_up", "play", "step", "section"} & set(at.query_params)

    at.session_state[CLOSE_UP_KEY] = True  # the visitor opens "One step up close"
    at.run()
    assert {"lstm_watch", "lstm_step_state", "lstm_movement", "lstm_next_chars"} == set(charts(at))
    assert at.select_slider(key="lstm_step").value == len("Show HN: a tiny network")
    assert at.query_params["close_up"] == "on"
    tables = len(at.dataframe)  # the close-up's units that moved most
    at.session_state["lstm_guess_open"] = True  # and the table of every guess
    at.run()
    assert len(at.dataframe) == tables + 1
    assert len(at.dataframe[-1].value) == len("Show HN: a tiny network")  # a row per character

    at.toggle(key=PLAY_KEY).set_value(True).run()
    assert len(charts(at)["lstm_watch"]["frames"]) == len("Show HN: a tiny network")
    assert at.query_params["play"] == "on"
    at.radio(key="lstm_deeper").set_value("units").run()
    assert {"units_lines", "units_text"} <= set(charts(at))
    assert at.query_params["section"] == "units"
    assert not at.exception


def test_moving_the_step_or_the_state_does_not_run_the_model_again() -> None:
    at = open_page()
    trace = trace_text(load_sequence_model("lstm"), "lstm", SENTENCE)
    cache = ui.cache.sequence
    with patch.object(cache, "trace_text", wraps=cache.trace_text) as passes:
        at.select_slider(key="lstm_step").set_value(4).run()
        assert not at.exception
        bars = charts(at)["lstm_step_state"]["data"][0]
        np.testing.assert_allclose(decode(bars["y"]), trace.layers[0].h[3], atol=1e-6)
        at.radio(key="lstm_state_lstm").set_value("f").run()
        assert not at.exception
        assert charts(at)["lstm_watch"]["data"][0]["marker"]["colorbar"]["title"]["text"] == "f"
        assert passes.call_count == 0
        type_text(at, "A sentence it has not read yet")
        # Once for the text (the side-by-side view, which reads a second text, is not shown).
        traced = [call.args[2] for call in passes.call_args_list]
        assert traced == ["A sentence it has not read yet"]


@pytest.mark.parametrize(
    ("model", "limit", "unit"), [("lstm", 200, "words"), ("char", 300, "characters")]
)
def test_very_long_text_is_cut_with_a_visible_note(model: str, limit: int, unit: str) -> None:
    assert len(LONG_TEXT) == 5000  # the text box's limit
    at = type_text(open_page(model), LONG_TEXT)
    assert any(f"only its first {limit} {unit}" in warning.value for warning in at.warning)
    assert heatmap_shape(at) == (128, limit)
    size = len(figure_json(figure_elements(at)[0]))
    print(f"figure JSON for {limit} {model} tokens: {size / 1000:.0f} kB")
    assert size < 600_000


def test_a_paste_longer_than_the_box_is_cut_and_said_not_dropped() -> None:
    pasted = LONG_TEXT * 3  # 15,000 characters
    at = type_text(open_page(), pasted)
    assert at.session_state["shared_text"] == pasted[:5000]
    assert at.text_input(key="lstm_text").value == pasted[:5000]
    assert any("15,000 characters: only its first 5,000" in box.value for box in at.info)
    assert any("only its first 200 words" in warning.value for warning in at.warning)
    assert heatmap_shape(at) == (128, 200)
    at.radio(key="lstm_deeper").set_value("pair").run()  # a rerun: the notice was said once
    assert not any("15,000 characters" in box.value for box in at.info)
    at.text_input(key="lstm_text_b").set_value(pasted).run()
    assert any("15,000 characters" in box.value for box in at.info)
    assert not at.exception and "pair" in charts(at)


def test_memory_split_shows_what_each_word_left_in_the_cell() -> None:
    at = open_page()
    at.select_slider(key="lstm_step").set_value(5).run()  # "good", right after "not"
    assert not at.exception
    trace = trace_text(load_sequence_model("lstm"), "lstm", SENTENCE)
    layer = trace.layers[0]
    expected = memory_at_step(layer["f"], layer["i"], layer["g"], 5).share_by_token()
    bars = charts(at)["lstm_memory"]["data"][0]
    np.testing.assert_allclose(decode(bars["y"]), expected, atol=1e-6)
    assert int(np.argmax(expected[:-1])) == 3  # "not" holds the most of the earlier words
    assert any("*not* (token 4) still holds the most" in caption.value for caption in at.caption)


@pytest.mark.parametrize(("model", "layers"), [("gru", 1), ("rnn", 1), ("cnn1d", 2)])
def test_every_reader_shows_its_own_states_and_curve(model: str, layers: int) -> None:
    spec = spec_of(model)
    at = open_page(model)
    radio = at.radio(key=f"lstm_state_{model}")
    assert list(radio.options) == list(spec.states.values())
    found = charts(at)
    assert "lstm_memory" not in found  # the memory split is the LSTM's alone
    assert heatmap_shape(at) == (128, len(word_tokens(SENTENCE)))
    trace = trace_text(load_sequence_model(model), model, SENTENCE)
    np.testing.assert_allclose(
        decode(found["lstm_watch"]["data"][2]["y"]), trace.sentiment, atol=1e-6
    )
    assert found["lstm_watch"]["layout"]["yaxis"]["title"]["text"] == spec.unit_noun
    if layers > 1:
        at.radio(key=f"lstm_layer_{model}").set_value(1).run()
        assert not at.exception
    for state in spec.states:
        at.radio(key=f"lstm_state_{model}").set_value(state).run()
        assert not at.exception
        assert charts(at)["lstm_watch"]["data"][0]["name"] == spec.states[state]
    sidebar = " ".join(element.proto.body for element in at.sidebar.get("markdown"))
    assert "128" in sidebar and "{" not in sidebar


def test_units_are_ranked_followed_and_shown_in_context() -> None:
    at = open_page()
    at.radio(key="lstm_deeper").set_value("units").run()
    at.selectbox(key="units_property_lstm").set_value("negation").run()
    at.radio(key="units_state_lstm").set_value("c").run()
    assert not at.exception
    corpus = ui.cache.sequence_deeper.corpus_for("lstm")
    expected = rank_units(corpus, "c", "negation", k=8)
    table = next(df.value for df in at.dataframe if "correlation r" in df.value.columns)
    assert table["unit"].tolist() == [unit.unit for unit in expected]
    chooser = at.multiselect(key="units_chosen_lstm_negation_c")
    assert chooser.value == [unit.unit for unit in expected[:3]]
    chooser.set_value([5, 7]).run()
    assert not at.exception
    lines = charts(at)["units_lines"]["data"]
    trace = trace_text(load_sequence_model("lstm"), "lstm", SENTENCE)
    assert [line["name"] for line in lines] == ["unit 5", "unit 7"]
    np.testing.assert_allclose(decode(lines[1]["y"]), trace.layers[0]["c"][:, 7], atol=1e-6)
    coloured = charts(at)["units_text"]["data"][0]
    assert np.allclose(decode(coloured["z"]).ravel()[:11], trace.layers[0]["c"][:, 5], atol=1e-6)
    at.radio(key="lstm_deeper").set_value("path").run()
    path = charts(at)["units_path"]
    assert len(path["frames"]) == 11
    assert "component 1" in path["layout"]["xaxis"]["title"]["text"]


def test_char_model_colours_each_character_by_a_unit() -> None:
    at = type_text(open_page("char"), 'He said "hi" (twice)')
    assert not at.exception
    found = charts(at)
    cells = [text for row in found["units_text"]["data"][0]["text"] for text in row if text]
    assert "".join(cells) == "He␣said␣&quot;hi&quot;␣(twice)".replace("&quot;", '"')
    assert "attr_bars" not in found and "pair" not in found  # no single score to attribute
    assert at.radio(key="lstm_deeper").options == [
        "Nothing more",
        "Units that mean something",
        "The path through state space",
    ]


def test_attribution_and_a_second_sentence() -> None:
    at = open_page()
    found = charts(at)
    tokens = tuple(word_tokens(SENTENCE))
    model = load_sequence_model("lstm")
    expected = integrated_gradients(model, tokens).values
    np.testing.assert_allclose(decode(found["attr_bars"]["data"][0]["y"]), expected, atol=1e-5)
    labels = [button.proto.label for button in at.get("download_button")]
    assert len(labels) == 3  # the attribution's own CSV, and the trace's CSV and NPZ
    at.radio(key="lstm_deeper").set_value("pair").run()
    assert (
        at.text_input(key="lstm_text_b").value == "The film was good, but the ending was wonderful"
    )
    at.text_input(key="lstm_text_b").set_value("The film was great").run()
    assert not at.exception
    pair = charts(at)["pair"]["data"]
    second = trace_text(model, "lstm", "The film was great")
    np.testing.assert_allclose(decode(pair[1]["y"]), second.sentiment, atol=1e-6)
    first = trace_text(model, "lstm", SENTENCE)
    np.testing.assert_allclose(
        decode(pair[2]["y"]), pair_distance(first.layers[0].h, second.layers[0].h), atol=1e-5
    )
    labels = [button.proto.label for button in at.get("download_button")]
    assert len(labels) == 2 and any("CSV" in label for label in labels)  # the trace's two


def test_the_state_space_is_fitted_once_per_server() -> None:
    ui.cache.sequence_deeper.pca_for.clear()
    with patch.object(
        ui.cache.sequence_deeper, "corpus_pca", wraps=ui.cache.sequence_deeper.corpus_pca
    ) as fits:
        for text in ("Another sentence entirely", "And a third one, in a new session"):
            at = open_page()
            at.radio(key="lstm_deeper").set_value("path").run()
            type_text(at, text)
            assert "units_path" in charts(at)
        assert fits.call_count == 1
