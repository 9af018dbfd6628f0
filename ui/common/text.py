"""Showing a visitor's text (typed, from the address, a file name) as plain text, never markup.

Every such text passes `plain` first: control characters and the invisible characters that
reorder text (right-to-left overrides and isolates) are dropped, and it is cut to a length
that fits a sentence of the page. Inside markdown it is then either backslash-escaped
(`escape_markdown`, for prose) or put in an inline code span (`inline_code`, for a value
quoted back to the visitor), so no link, picture, colour, maths or HTML can come from it.
Widgets that take plain strings (a drop-down's options, a text box) get `plain` alone.
"""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=^&\"'])")
# C0 and C1 controls (tabs and line breaks become spaces first), the marks and embeddings
# that change the direction of text (LRM, RLM, ALM, LRE...RLO, LRI...PDI), and the byte-order
# mark. Zero-width joiners stay: emoji sequences and some scripts need them.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[\t\n\r\v\f\u2028\u2029]")
VALUE_LIMIT = 80  # characters of an address value or a file name quoted back in the page


def plain(text: str, limit: int | None = None) -> str:
    """The text without control or direction-changing characters; cut to `limit`, with '…'."""
    cleaned = _INVISIBLE.sub("", _SPACES.sub(" ", text))
    if limit is not None and len(cleaned) > limit:
        return cleaned[: limit - 1] + "…"
    return cleaned


def markdown_words(markdown: str) -> str:
    """The words of the app's own markdown as a reader sees them: without the marks of
    emphasis (`**`, `*`, `_` around words) or backslash escapes, for showing as plain text."""
    unmarked = re.sub(r"(\*{1,3}|(?<!\w)_{1,2}|_{1,2}(?!\w))", "", markdown)
    return re.sub(r"\\(.)", r"\1", unmarked)


def escape_markdown(text: str, limit: int | None = None) -> str:
    """`plain`, then every character markdown could treat as syntax backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain(text, limit))


def inline_code(text: str, limit: int | None = VALUE_LIMIT) -> str:
    """`plain` text as a markdown code span: shown letter for letter, never interpreted.

    The fence is one backtick longer than the longest run inside, with spaces inside it, as
    CommonMark asks, so a value made of backticks cannot close it early.
    """
    value = plain(text, limit)
    runs = re.findall(r"`+", value)
    fence = "`" * (max((len(run) for run in runs), default=0) + 1)
    return f"{fence} {value} {fence}"
