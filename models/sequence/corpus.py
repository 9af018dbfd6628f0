"""The shipped analysis corpus: VADER's held-out sentences with their mean human rating."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from models.sequence.text import word_tokens

CORPUS = Path(__file__).resolve().parents[2] / "assets" / "heldout_sentences.tsv"


@dataclass(frozen=True)
class RatedSentence:
    text: str
    rating: float  # mean human rating in [-4, 4]
    tokens: tuple[str, ...]


@cache
def heldout_sentences(path: Path = CORPUS) -> tuple[RatedSentence, ...]:
    """Every sentence of the corpus, in file order (the training script's held-out split)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        rating, text = line.split("\t", 1)
        rows.append(RatedSentence(text, float(rating), tuple(word_tokens(text))))
    return tuple(rows)


def long_sentences(min_tokens: int, limit: int) -> list[tuple[str, ...]]:
    """Token lists of the first `limit` corpus sentences with at least `min_tokens` tokens."""
    found = [s.tokens for s in heldout_sentences() if len(s.tokens) >= min_tokens]
    return found[:limit]


def paragraphs(length: int, count: int) -> list[tuple[str, ...]]:
    """`count` token lists of exactly `length` tokens: consecutive corpus sentences joined."""
    found: list[tuple[str, ...]] = []
    current: list[str] = []
    for sentence in heldout_sentences():
        current += sentence.tokens
        if len(current) >= length:
            found.append(tuple(current[:length]))
            current = []
            if len(found) == count:
                break
    return found
