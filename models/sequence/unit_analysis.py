"""Which hidden units track something nameable, measured over the shipped corpus.

The corpus's texts are traced once (the same code the page uses), and every token becomes one
row: its states h and c per unit, and a value for each named property. A unit's score for a
property is the Pearson correlation between its activation and the property over all rows.

Word readers' properties: the reader's own running sentiment; negation scope (1 after "not",
"never" or a word ending in "n't", until the clause ends at punctuation or "but"); position in
the sentence; punctuation. The character model's: inside quotes or brackets; position in the
current word; capital letters; digits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from models.sequence.trace import SequenceTrace

NEGATORS = frozenset({"not", "never"})
CLAUSE_ENDS = frozenset({",", ".", ";", ":", "!", "?", "but"})
OPENING, CLOSING = "([{", ")]}"


def negation_scope(tokens: Sequence[str]) -> np.ndarray:
    """1.0 for tokens after a negator up to (not including) the end of its clause."""
    inside, flags = False, []
    for token in tokens:
        if token in CLAUSE_ENDS:
            inside = False
        flags.append(1.0 if inside else 0.0)
        if token in NEGATORS or token.endswith("n't"):
            inside = True
    return np.array(flags)


def is_punctuation(tokens: Sequence[str]) -> np.ndarray:
    return np.array([0.0 if any(ch.isalnum() for ch in token) else 1.0 for token in tokens])


def inside_quotes_or_brackets(chars: Sequence[str]) -> np.ndarray:
    """1.0 for characters inside "double quotes" or brackets (the delimiters themselves: 0)."""
    quoted, depth, flags = False, 0, []
    for char in chars:
        if char == '"':
            quoted = not quoted
            flags.append(0.0)
            continue
        if char in CLOSING:
            depth = max(0, depth - 1)
            flags.append(0.0)
            continue
        flags.append(1.0 if quoted or depth > 0 else 0.0)
        if char in OPENING:
            depth += 1
    return np.array(flags)


def position_in_word(chars: Sequence[str]) -> np.ndarray:
    """0 for the first letter or digit of a word, 1 for the next, ...; 0 outside words."""
    position, values = 0, []
    for char in chars:
        if char.isalnum():
            values.append(float(position))
            position += 1
        else:
            values.append(0.0)
            position = 0
    return np.array(values)


# (name, description, function of (tokens, trace) -> (T,) values)
Property = tuple[str, str, Callable[[Sequence[str], SequenceTrace], np.ndarray]]
WORD_PROPERTIES: tuple[Property, ...] = (
    ("sentiment", "its own running sentiment", lambda tokens, trace: np.asarray(trace.sentiment)),
    ("negation", "inside the scope of a 'not'", lambda tokens, trace: negation_scope(tokens)),
    (
        "position",
        "position in the sentence",
        lambda tokens, trace: np.arange(len(tokens), dtype=float),
    ),
    ("punctuation", "a punctuation mark", lambda tokens, trace: is_punctuation(tokens)),
)
CHAR_PROPERTIES: tuple[Property, ...] = (
    ("quotes", "inside quotes or brackets", lambda chars, trace: inside_quotes_or_brackets(chars)),
    ("word position", "position in the word", lambda chars, trace: position_in_word(chars)),
    (
        "capitals",
        "a capital letter",
        lambda chars, trace: np.array([c.isupper() for c in chars], float),
    ),
    ("digits", "a digit", lambda chars, trace: np.array([c.isdigit() for c in chars], float)),
)


@dataclass(frozen=True)
class CorpusStates:
    """Every token of the traced corpus as one row."""

    texts: tuple[tuple[str, ...], ...]  # the tokens of each text, as the model read them
    sentence: np.ndarray  # (N,) index into texts
    position: np.ndarray  # (N,) index of the token within its text
    states: dict[str, np.ndarray]  # "h", "c": (N, H), the chosen layer
    properties: dict[str, np.ndarray]  # name -> (N,)
    descriptions: dict[str, str]  # name -> what it means


def corpus_states(
    traces: Sequence[SequenceTrace],
    properties: Sequence[Property],
    raw_tokens: Sequence[Sequence[str]] | None = None,
    layer: int = -1,
) -> CorpusStates:
    """Stack the traces' states and properties. `raw_tokens` are what the properties read when
    the trace's tokens are display strings (the char model shows a space as ␣)."""
    sentence, position, values = [], [], {}
    props: dict[str, list[np.ndarray]] = {name: [] for name, _, _ in properties}
    for index, trace in enumerate(traces):
        n = len(trace.tokens)
        sentence.append(np.full(n, index))
        position.append(np.arange(n))
        for name, array in trace.layers[layer].values.items():
            if name in ("h", "c"):
                values.setdefault(name, []).append(array)
        tokens = raw_tokens[index] if raw_tokens is not None else trace.tokens
        for name, _, function in properties:
            props[name].append(np.asarray(function(tokens, trace), dtype=np.float64))
    return CorpusStates(
        texts=tuple(trace.tokens for trace in traces),
        sentence=np.concatenate(sentence),
        position=np.concatenate(position),
        states={name: np.concatenate(arrays) for name, arrays in values.items()},
        properties={name: np.concatenate(arrays) for name, arrays in props.items()},
        descriptions={name: description for name, description, _ in properties},
    )


def correlations(activations: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(H,) Pearson correlation of each unit's activation (N, H) with a property (N,).

    A unit (or property) that never changes gets 0.
    """
    a = activations - activations.mean(axis=0)
    t = target - target.mean()
    denominator = np.sqrt((a**2).sum(axis=0) * (t**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a * t[:, None]).sum(axis=0) / denominator
    return np.nan_to_num(r)


@dataclass(frozen=True)
class RankedUnit:
    unit: int
    r: float  # correlation with the property


def rank_units(corpus: CorpusStates, state: str, prop: str, k: int = 8) -> list[RankedUnit]:
    """The k units whose activation correlates most strongly (either sign) with `prop`."""
    r = correlations(corpus.states[state], corpus.properties[prop])
    order = np.argsort(-np.abs(r), kind="stable")[:k]
    return [RankedUnit(int(u), float(r[u])) for u in order]


@dataclass(frozen=True)
class Example:
    tokens: tuple[str, ...]
    activations: np.ndarray  # (T,) the unit's activation at each token
    peak: float


def top_examples(corpus: CorpusStates, state: str, unit: int, k: int = 5) -> list[Example]:
    """The k corpus texts in which `unit` reaches its highest activation, highest first."""
    values = corpus.states[state][:, unit]
    peaks = np.full(len(corpus.texts), -np.inf)
    np.maximum.at(peaks, corpus.sentence, values)
    order = np.argsort(-peaks, kind="stable")[:k]
    return [Example(corpus.texts[i], values[corpus.sentence == i], float(peaks[i])) for i in order]
