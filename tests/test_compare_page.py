"""AppTest of the CNN-vs-RNN page: every number on it comes from the real models."""

from __future__ import annotations

import dataclasses
import re
from unittest.mock import patch

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from bench.harness.paths import ROOT
from models.compare.memory_reach import gradient_by_distance
from models.compare.profiling import ProfilePlan
from models.sequence.registry import SENTIMENT_READERS, load_sequence_model, trace_text
from tests.helpers.apptest import charts, texts
from tests.helpers.pictures import pictures
from tests.helpers.plotly_arrays import decode
from ui.common.pages import COMPARE
from ui.compare.views import BESIDE_KEY

PAGE = COMPARE.script
SENTENCE = "The film was not good, but the ending was wonderful"


def open_page(address: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    for name, value in (address or {}).items():
        at.query_params[name] = value
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


TABLES = {  # a column that names each table
    "cmp_final_scores": "final score",
    "cmp_costs": "multiply-adds",
    "cmp_claims": "verdict",
    "cmp_steps": "steps that must run one after another",
}


def table(at: AppTest, key: str) -> list[dict]:
    frames = [df.value for df in at.dataframe] + [t.value for t in at.table]
    frame = next(frame for frame in frames if TABLES[key] in frame.columns)
    return frame.to_dict("records")


def test_four_readers_on_the_default_sentence() -> None:
    at = open_page({"beside": "on"})  # section 6 open, as a link can ask
    found = charts(at)
    assert {"cmp_scores", "cmp_gap", "cmp_fields", "cmp_sentence_gradients"} <= set(found)
    assert {"cmp_corpus_gradients", "cmp_path"} <= set(found)
    assert len(pictures(at, "cmp_overview")) == 10  # SqueezeNet's stages, as pictures
    lines = found["cmp_scores"]["data"]
    assert [line["name"] for line in lines] == ["LSTM", "GRU", "vanilla RNN", "1D CNN"]
    for name, line in zip(SENTIMENT_READERS, lines, strict=True):
        expected = trace_text(load_sequence_model(name), name, SENTENCE).sentiment
        np.testing.assert_allclose(decode(line["y"]), expected, atol=1e-6)
    finals = table(at, "cmp_final_scores")
    assert [row["reader"] for row in finals] == ["LSTM", "GRU", "vanilla RNN", "1D CNN"]
    assert finals[0]["held-out accuracy"] == "82.4%"


def test_the_cnn_cannot_see_a_not_beyond_its_window() -> None:
    at = open_page()
    gap = {line["name"]: line for line in charts(at)["cmp_gap"]["data"]}
    gaps, effect = decode(gap["1D CNN"]["x"]), decode(gap["1D CNN"]["y"])
    # "not" leaves the 9-word window when gap + 2 > 8
    assert np.all(effect[gaps >= 7] == 0) and effect[0] > 0.1
    lstm = decode(gap["LSTM"]["y"])
    assert lstm[0] > 0.5 and lstm[-1] < lstm[0] / 10  # remembered at first, faded by 20 words


def test_gradients_on_the_sentence_match_the_models() -> None:
    at = open_page()
    at.text_input(key="cmp_text").set_value(
        "not at all what i hoped for , a dull and tiring film"
    ).run()
    assert not at.exception
    lines = {line["name"]: line for line in charts(at)["cmp_sentence_gradients"]["data"]}
    tokens = ["not", "at", "all", "what", "i", "hoped", "for", ",", "a", "dull", "and"]
    tokens += ["tiring", "film"]
    for name, label in (("lstm", "LSTM"), ("rnn", "vanilla RNN")):
        expected = gradient_by_distance(load_sequence_model(name), tokens)
        np.testing.assert_allclose(decode(lines[label]["y"]), expected, rtol=1e-5)
    # the CNN's exact zeros are drawn separately, one per word beyond its window
    zeros = decode(lines["1D CNN: exactly 0"]["x"])
    assert list(zeros) == list(range(9, len(tokens)))


def test_corpus_gradients_show_the_vanishing_gradient() -> None:
    at = open_page()
    lines = {line["name"]: decode(line["y"]) for line in charts(at)["cmp_corpus_gradients"]["data"]}
    rnn, lstm = lines["vanilla RNN"], lines["LSTM"]
    assert rnn[-1] / rnn[0] < (lstm[-1] / lstm[0]) / 10


def test_costs_and_claims_tables() -> None:
    at = open_page()
    costs = table(at, "cmp_costs")
    assert len(costs) == 7
    squeeze = next(row for row in costs if row["model"] == "SqueezeNet 1.1")
    assert squeeze["parameters"] == "1,235,496" and squeeze["one output sees"] == "207 pixels"
    claims = table(at, "cmp_claims")
    assert len(claims) >= 6
    verdicts = {row["verdict"] for row in claims}
    assert verdicts <= {"✓ supported", "✗ not supported", "± depends"}
    assert "✓ supported" in verdicts and "✗ not supported" in verdicts


def test_measuring_on_request_draws_the_growth_curves(monkeypatch: pytest.MonkeyPatch) -> None:
    # The quick plan's sizes, in batches of four timed once: the page draws whatever a plan
    # measured. The quick plan itself runs in the browser test and in `make bench`.
    small = dataclasses.replace(ProfilePlan.quick(), repeats=1, batch=4, train_batch=4)
    monkeypatch.setattr(ProfilePlan, "quick", classmethod(lambda cls: small))
    at = open_page()
    assert "cmp_growth_tokens" not in charts(at)
    at.toggle(key="cmp_quick").set_value(True).run()
    at.button(key="cmp_measure").click().run()
    assert not at.exception
    found = charts(at)
    assert {"cmp_growth_images", "cmp_growth_tokens", "cmp_batch", "cmp_train"} <= set(found)
    tokens = {line["name"].split(" (")[0]: line for line in found["cmp_growth_tokens"]["data"]}
    assert set(tokens) == {"LSTM", "GRU", "vanilla RNN", "1D CNN"}
    assert list(decode(tokens["LSTM"]["x"])) == [8, 32, 128]
    assert all("time ∝ size^" in line["name"] for line in tokens.values())
    steps = table(at, "cmp_steps")
    assert any(
        row["steps that must run one after another"].startswith("1 per word") for row in steps
    )
    claims = table(at, "cmp_claims")
    training = next(row for row in claims if "faster to train" in row["claim"])
    assert "µs per word" in training["what the models show"]
    # The next visitor is told how long it took on this server, not "a few seconds".
    took = [
        re.search(r"This took (\d+) s the last time on this server", c.value) for c in at.caption
    ]
    assert [int(m.group(1)) for m in took if m] and not any("a few seconds" in t for t in texts(at))


def test_the_photo_beside_the_sentence_is_built_only_when_opened() -> None:
    """Section 6 costs a CNN pass over the photo and a chart: built for a visitor who opens it
    (and then named in the address), not for every new sentence."""
    import ui.cache.cnn

    ui.cache.cnn.cnn_trace.clear()  # another test may have traced the default sample
    with patch.object(ui.cache.cnn, "trace_image", wraps=ui.cache.cnn.trace_image) as passes:
        at = open_page()
        assert "cmp_path" not in charts(at) and not pictures(at, "cmp_overview")
        assert passes.call_count == 0 and "beside" not in at.query_params
        at.session_state[BESIDE_KEY] = True  # the visitor opens it
        at.run()
        assert "cmp_path" in charts(at) and len(pictures(at, "cmp_overview")) == 10
        assert passes.call_count == 1 and at.query_params["beside"] == "on"
    assert not at.exception


def test_empty_text_keeps_the_rest_of_the_page() -> None:
    at = open_page()
    at.text_input(key="cmp_text").set_value("   ").run()
    assert not at.exception
    assert any("Type some text" in info.value for info in at.info)
    assert "cmp_fields" in charts(at) and "cmp_scores" not in charts(at)


def test_markup_in_the_sentence_stays_text() -> None:
    at = open_page({"beside": "on"})  # section 6 quotes the sentence's first words
    at.text_input(key="cmp_text").set_value("**bold** [link](x) <b>good</b>").run()
    assert not at.exception
    body = next(md.value for md in at.markdown if "The LSTM reads" in md.value)
    # every markdown character of the user's words is escaped: shown, never interpreted
    assert "*\\* \\* bold \\* \\* \\[ link \\] \\( x \\) \\<…*" in body  # first 12 tokens
    for element in at.get("markdown"):
        assert not element.proto.allow_html
