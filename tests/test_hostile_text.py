"""The bad-input corpus's texts through every reader and every section: a message or a result,
never an exception, and the user's text never becomes markup."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from bench.harness.paths import ROOT
from models.sequence.registry import CHARACTERS, SEQUENCE_MODELS, WORDS
from tests.helpers.apptest import figure_elements, figure_json, texts
from tests.helpers.bad_inputs import SCRIPT, TEXT_CASES, TextCase
from ui.common.pages import COMPARE, LSTM
from ui.common.text import escape_markdown, inline_code, plain


def page(path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(path).run()
    assert not at.exception
    return at


def no_markup(at: AppTest) -> None:
    """Nothing the user typed is rendered as HTML or markdown, in text, metrics or charts."""
    for body in texts(at):
        assert "<b>" not in body and "<script" not in body.lower(), body
        assert "**bold**" not in body and "](http://x)" not in body, body
    for element in at.get("markdown"):
        assert not element.proto.allow_html
    for element in figure_elements(at):
        assert "<script" not in figure_json(element).lower()
        assert "<b>bold</b>" not in figure_json(element)


def check_reader(at: AppTest, case: TextCase, model: str) -> None:
    assert not at.exception, (model, case.name)
    no_markup(at)
    spec = SEQUENCE_MODELS[model]
    if case.empty:
        assert any("Type some text" in info.value for info in at.info), (model, case.name)
        assert not at.text and not figure_elements(at), (model, case.name)
        return
    strip = at.text[0].value  # the tokens as the model reads them, as plain text
    cut = [warning.value for warning in at.warning if "only its first" in warning.value]
    assert bool(cut) == case.long, (model, case.name, cut)
    if not case.long:  # every character the user typed is shown (words lower-cased)
        missing = {
            ch for ch in plain(case.text) if not ch.isspace() and ch.lower() not in strip.lower()
        }
        assert not missing, (model, case.name, missing)
    if case.text == SCRIPT and spec.tokens is CHARACTERS:
        assert SCRIPT in strip
    if case.unknown and spec.tokens is WORDS:
        assert any("not in the model's vocabulary" in c.value for c in at.caption), case.name


@pytest.mark.parametrize("model", list(SEQUENCE_MODELS))
def test_every_reader_takes_every_corpus_text(model: str) -> None:
    at = page(LSTM.script)
    at.sidebar.radio(key="lstm_model").set_value(model).run()
    # "Look deeper" shows one section at a time: each text goes with another section (and,
    # from reader to reader, texts and sections pair up differently) at no extra run.
    offset = list(SEQUENCE_MODELS).index(model)
    for index, case in enumerate(TEXT_CASES):
        deeper = [radio for radio in at.radio if radio.key == "lstm_deeper"]  # none if empty
        if deeper:
            deeper[0].set_value(deeper[0].options[(index + offset) % len(deeper[0].options)])
        at.text_input(key="lstm_text").set_value(case.text).run()
        check_reader(at, case, model)
    at.text_input(key="lstm_text").set_value("not good at all").run()
    if SEQUENCE_MODELS[model].attribution:
        at.radio(key="lstm_deeper").set_value("pair").run()
        for case in TEXT_CASES:
            at.text_input(key="lstm_text_b").set_value(case.text).run()
            assert not at.exception, (model, "second text", case.name)
            no_markup(at)
            said_empty = any("Type some text" in info.value for info in at.info)
            assert said_empty == case.empty, (model, "second text", case.name)


def test_the_comparison_page_takes_every_corpus_text() -> None:
    at = page(COMPARE.script)
    for case in TEXT_CASES:
        at.text_input(key="cmp_text").set_value(case.text).run()
        assert not at.exception, case.name
        no_markup(at)


def test_removing_every_unit_gives_a_message() -> None:
    at = page(LSTM.script)
    at.radio(key="lstm_deeper").set_value("units").run()
    chooser = next(w for w in at.multiselect if w.key.startswith("units_chosen_"))
    chooser.set_value([]).run()
    assert not at.exception
    assert any("Pick at least one unit" in info.value for info in at.info)


def test_plain_drops_controls_and_direction_overrides_and_cuts_with_an_ellipsis() -> None:
    assert plain("a\u202eb\u2066c\x00d\te\u200df") == "abcd e\u200df"  # the emoji joiner stays
    assert plain("x" * 100, 10) == "x" * 9 + "…"


def test_a_quoted_value_is_one_code_span_whatever_backticks_it_holds() -> None:
    assert inline_code("[a](http://x)") == "` [a](http://x) `"
    assert inline_code("a `` b") == "``` a `` b ```"
    assert escape_markdown("&#x202e; [x](y)") == r"\&\#x202e; \[x\]\(y\)"
