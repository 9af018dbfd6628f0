"""Showing user-supplied text (file names, sentences) safely inside markdown."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$])")


def escape_markdown(text: str) -> str:
    """Backslash-escape every character markdown could treat as syntax, so text stays text."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("\n", " "))
