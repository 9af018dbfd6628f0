"""Tokenizers: words, emoticons and emoji for the sentiment LSTM; characters for the char LSTM.

Word tokens (`word_tokens`, `word_spans`), in order of precedence:

- URLs (`http://…`, `www.…`) become the single token `<url>`, and `@name` mentions become
  `<user>`: the VADER tweets anonymise both, so the model only ever learns these placeholders;
- emoticons such as `:)`, `:-(`, `;D`, `:'(`, `<3`, `</3`, `^_^`, `-_-` stay one token;
- words are runs of letters and digits that may contain apostrophes inside (`don't`, `it's`,
  `rock'n'roll`); a hyphen splits a word (`well-made` -> `well`, `-`, `made`);
- an emoji (with its skin-tone modifier, variation selector and zero-width-joiner parts, or a
  pair of regional-indicator flags) is one token;
- any other visible character (punctuation, symbols) is a token of its own, so `!!!` is three
  `!` tokens.

Everything is lower-cased and typographic apostrophes (’ ‘ ʼ) become `'`.

Character tokens (`char_tokens`) are simply the code points of the text; `display_char` turns
whitespace into visible symbols for display (space -> ␣, newline -> ⏎, tab -> ⇥).

Vocabularies ({token: id} JSON files beside the weights, listed in SHA256SUMS) are written with
`save_vocab` and read back, checksum verified, with `load_vocab`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from models.checkpoints import record_checksum, verified_path

URL_TOKEN = "<url>"
USER_TOKEN = "<user>"

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})

_EMOJI_BASE = (
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, supplemental symbols
    "\u2600-\u27bf"  # miscellaneous symbols and dingbats (☺ ♥ ✨ ❤)
    "\u2b00-\u2bff"  # arrows and stars (⭐)
    "\u2300-\u23ff"  # technical (⌛ ⏰)
)
_EMOJI_MODIFIER = "\ufe0f\u20e3\U0001f3fb-\U0001f3ff"
_EMOJI = (
    rf"[\U0001f1e6-\U0001f1ff]{{2}}"  # a flag: two regional indicators
    rf"|[{_EMOJI_BASE}][{_EMOJI_MODIFIER}]*(?:\u200d[{_EMOJI_BASE}][{_EMOJI_MODIFIER}]*)*"
)
_EMOTICON = (
    r"(?<![^\s(\[])"  # only at the start of text, after whitespace or an opening bracket
    r"(?:<3+|</3|\^_*\^|-_+-|[>]?[:;=][-o'^]?[()\[\]dpo/\\|*$@3]+)"
    r"(?![^\s)\].,!?])"  # and not glued to a following word
)
_WORD = r"[^\W_]+(?:'[^\W_]+)*"

_TOKEN_RE = re.compile(
    rf"(?P<url>(?:https?://|www\.)\S+)"
    rf"|(?P<user>@\w+)"
    rf"|(?P<emoticon>{_EMOTICON})"
    rf"|(?P<word>{_WORD})"
    rf"|(?P<emoji>{_EMOJI})"
    r"|(?P<other>\S)",
    re.IGNORECASE,
)


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end) for each word-level token; `text[start:end]` is its source."""
    # The translation maps single code points to single code points, so offsets are kept.
    normalised = text.translate(_APOSTROPHES)
    spans: list[tuple[str, int, int]] = []
    for match in _TOKEN_RE.finditer(normalised):
        kind = match.lastgroup
        if kind == "url":
            token = URL_TOKEN
        elif kind == "user":
            token = USER_TOKEN
        else:
            token = match.group().lower()
        spans.append((token, match.start(), match.end()))
    return spans


def word_tokens(text: str) -> list[str]:
    """Lower-cased word tokens of `text` for the sentiment LSTM (see the module docstring)."""
    return [token for token, _, _ in word_spans(text)]


def char_tokens(text: str) -> list[str]:
    """The characters (code points) of `text`, as the char LSTM reads them."""
    return list(text)


_DISPLAY = {" ": "␣", "\n": "⏎", "\r": "⏎", "\t": "⇥"}


def display_char(char: str) -> str:
    """A visible stand-in for whitespace characters; every other character is itself."""
    return _DISPLAY.get(char, char)


def save_vocab(path: Path, vocab: dict[str, int]) -> str:
    """Write a {token: id} vocabulary as JSON, record its sha256 in SHA256SUMS, return it."""
    path.write_text(json.dumps(vocab, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return record_checksum(path)


def load_vocab(name: str, weights_dir: Path | None = None) -> dict[str, int]:
    """A shipped {token: id} vocabulary, after checking its sha256 against SHA256SUMS."""
    path = verified_path(name) if weights_dir is None else verified_path(name, weights_dir)
    vocab = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(vocab, dict) or not all(isinstance(i, int) for i in vocab.values()):
        raise ValueError(f"{name} is not a {{token: id}} vocabulary")
    return vocab
