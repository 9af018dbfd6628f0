"""Tokens as plotly text and axis ticks: shortened, escaped, thinned to fit."""

from __future__ import annotations

import html
import math

from charts.theme import UNKNOWN_TOKEN

MAX_TICKS = 60
MAX_TOKEN_CHARS = 14


def display_token(token: str, max_chars: int = MAX_TOKEN_CHARS) -> str:
    """A token as plotly text: shortened, with '<' '>' '&' escaped so it is shown, not parsed."""
    visible = "".join(ch if ch.isprintable() else "·" for ch in token)
    if len(visible) > max_chars:
        visible = visible[: max_chars - 1] + "…"
    return html.escape(visible, quote=False)


def tick_label(token: str, known: bool) -> str:
    """Axis label of a token; words the model never learned are grey, italic and end in '?'."""
    text = display_token(token)
    return text if known else f'<span style="color:{UNKNOWN_TOKEN}"><i>{text}?</i></span>'


def token_ticks(tokens: tuple[str, ...], known: tuple[bool, ...] | None = None) -> dict:
    """Tick every token while they fit; thin them to at most MAX_TICKS otherwise."""
    known = known or (True,) * len(tokens)
    every = max(1, math.ceil(len(tokens) / MAX_TICKS))
    shown = range(1, len(tokens) + 1, every)
    return {
        "tickmode": "array",
        "tickvals": list(shown),
        "ticktext": [tick_label(tokens[t - 1], known[t - 1]) for t in shown],
        "tickfont": {"size": 12 if len(tokens) <= 30 else 10},
    }
