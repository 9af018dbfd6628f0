"""Text for a brought sequence model: its vocab file, and a text turned into token ids.

Tokens, as the config's [text] says:
- "word": the app's word tokenizer (models/sequence/text.py: words with inner apostrophes,
  every punctuation mark, emoticon and emoji a token of its own, URLs as `<url>`, @names as
  `<user>`); with `lowercase = false` each token keeps the case it had in the text;
- "char": every character (code point), lower-cased when `lowercase = true`.
A token not in the vocab becomes the `unknown` token's id. The model reads ids of shape (1, T).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import torch

from models.custom.config import TextSpec
from models.sequence.text import URL_TOKEN, USER_TOKEN, word_spans

MAX_VOCAB = 1_000_000  # lines; a larger file is not a vocab


class VocabError(ValueError):
    """The vocab file cannot be used; the message says why, in one line."""


@dataclass(frozen=True)
class Vocab:
    tokens: tuple[str, ...]  # id -> token
    ids: Mapping[str, int]  # token -> id (read-only)
    unknown_id: int

    def __len__(self) -> int:
        return len(self.tokens)


@dataclass(frozen=True)
class Encoded:
    tokens: tuple[str, ...]  # as the model reads them (T)
    ids: tuple[int, ...]
    known: tuple[bool, ...]  # False where the token was not in the vocab

    def tensor(self) -> torch.Tensor:
        """The ids as the model's input, (1, T) long."""
        return torch.tensor([self.ids], dtype=torch.long)


def read_vocab(path: Path, unknown: str) -> Vocab:
    """The vocab at `path`: one token a line (a final newline is not a token)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise VocabError("is not UTF-8 text") from error
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    tokens = [line.removesuffix("\r") for line in lines]
    if not tokens:
        raise VocabError("is empty")
    if len(tokens) > MAX_VOCAB:
        raise VocabError(f"has more than {MAX_VOCAB:,} lines")
    ids: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if not token:
            raise VocabError(f"line {index + 1} is empty")
        if token in ids:
            raise VocabError(f"line {index + 1} repeats {token!r} (line {ids[token] + 1})")
        ids[token] = index
    if unknown not in ids:
        raise VocabError(f"has no line for the unknown token {unknown!r}")
    return Vocab(tuple(tokens), MappingProxyType(ids), ids[unknown])


def tokenize(text: str, spec: TextSpec) -> list[str]:
    """The tokens of `text` as the config says (see the module docstring)."""
    if spec.tokens == "char":
        return list(text.lower() if spec.lowercase else text)
    if spec.lowercase:
        return [token for token, _, _ in word_spans(text)]
    return [
        token if token in (URL_TOKEN, USER_TOKEN) else text[start:end]
        for token, start, end in word_spans(text)
    ]


def encode(text: str, spec: TextSpec, vocab: Vocab, max_tokens: int | None = None) -> Encoded:
    """The first `max_tokens` tokens of `text` and their ids."""
    tokens = tokenize(text, spec)[:max_tokens]
    ids = tuple(vocab.ids.get(token, vocab.unknown_id) for token in tokens)
    return Encoded(tuple(tokens), ids, tuple(token in vocab.ids for token in tokens))
