"""Odd and hostile text through every reader and every section: a message or a result, never
an exception, and the user's text never becomes markup."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from models.sequence_models import SEQUENCE_MODELS

ROOT = Path(__file__).resolve().parent.parent
TEXTS = {
    "markup": "<b>bold</b> <script>alert(1)</script> **not** [x](javascript:alert(1))",
    "one word": "wow",
    "one emoji": "😀",
    "right to left": "هذا فيلم رائع",
    "zero width": "\u200b\ufeff\u200d",
    "long": ("The plot is slow but the actors are great; " * 120)[:5000],
    "whitespace": " \n\t ",
}


def page(path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(path).run()
    assert not at.exception
    return at


def no_markup(at: AppTest) -> None:
    for element in at.get("markdown"):
        body = element.proto.body
        assert "<b>" not in body and "<script" not in body.lower(), body
        assert not element.proto.allow_html


@pytest.mark.parametrize("model", list(SEQUENCE_MODELS))
def test_every_reader_takes_every_odd_text(model: str) -> None:
    at = page("app_pages/2_LSTM_hidden_states.py")
    at.sidebar.radio(key="lstm_model").set_value(model).run()
    for name, text in TEXTS.items():
        at.text_input(key="lstm_text").set_value(text).run()
        assert not at.exception, (model, name)
        no_markup(at)
    at.text_input(key="lstm_text").set_value("not good at all").run()
    if SEQUENCE_MODELS[model].attribution:
        for name, text in TEXTS.items():
            at.text_input(key="lstm_text_b").set_value(text).run()
            assert not at.exception, (model, "second text", name)


def test_the_comparison_page_takes_every_odd_text() -> None:
    at = page("app_pages/3_CNN_vs_RNN.py")
    for name, text in TEXTS.items():
        at.text_input(key="cmp_text").set_value(text).run()
        assert not at.exception, name
        no_markup(at)


def test_removing_every_unit_gives_a_message() -> None:
    at = page("app_pages/2_LSTM_hidden_states.py")
    chooser = next(w for w in at.multiselect if w.key.startswith("units_chosen_"))
    chooser.set_value([]).run()
    assert not at.exception
    assert any("Pick at least one unit" in info.value for info in at.info)
