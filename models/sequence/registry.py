"""The sequence models the app reads text with: one registry of specs that pages and charts read.

Each spec says what a model is (title, summary, what its tokens are), its limits, how to load
and trace it, which states it has and which views make sense for it. Sizes in the summaries
(units, layers, window) are filled in from the loaded model's own config. An operator's own
recurrent model gets a spec of the same kind (models/custom/sequence_spec.py), which answers
the same questions (its methods below) for a model the app did not train.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

import numpy as np
from torch import nn

from models.sequence.attribution import Attribution, integrated_gradients, occlusion
from models.sequence.char_lstm import CharLSTM
from models.sequence.sentiment import SentimentModel
from models.sequence.state_analysis import DELTA
from models.sequence.trace import SequenceTrace, trace_char, trace_sentiment
from models.sequence.unit_analysis import CHAR_PROPERTIES, WORD_PROPERTIES, Property

# DELTA (h_t − h_(t−1)) is computed from h for every model, so every model offers it.
LSTM_STATES = {
    "h": "h · hidden state",
    "c": "c · cell memory",
    "f": "f · forget gate",
    "i": "i · input gate",
    "g": "g · candidate",
    "o": "o · output gate",
    DELTA: "Δh · change of h",
}
GRU_STATES = {
    "h": "h · hidden state",
    "z": "z · update gate",
    "r": "r · reset gate",
    "n": "n · candidate",
    DELTA: "Δh · change of h",
}
RNN_STATES = {"h": "h · hidden state", DELTA: "Δh · change of h"}
CONV_STATES = {"h": "channels (after ReLU)", DELTA: "Δ · change from the previous word"}


@dataclass(frozen=True)
class TokenKind:
    """What a model's tokens are, and everything a view or an analysis does differently for it."""

    noun: str  # "word" or "character", for text: "reads at most 200 words"
    joiner: str  # between tokens when a text is shown as the model reads it
    bracketed: bool  # each token in [brackets] (words), or run together (characters)
    note: str  # how a text becomes tokens, in one sentence for a caption
    per_line: int  # tokens per line when a text is drawn as coloured cells
    examples_as_cells: bool  # corpus examples drawn as coloured cells, not as bold words
    examples_shown: int  # corpus examples shown per unit
    corpus_texts: int  # held-out sentences the units are analysed on ...
    corpus_cut: int | None  # ... each cut to this many characters (None: whole)
    properties_read_text: bool  # properties read the raw text (display tokens mark spaces)


WORDS = TokenKind(
    noun="word",
    joiner="  ",
    bracketed=True,
    note="Words are lower-cased; punctuation and emoji are tokens of their own.",
    per_line=12,
    examples_as_cells=False,
    examples_shown=5,
    corpus_texts=600,  # the first held-out sentences: about 12,000 words
    corpus_cut=None,
    properties_read_text=False,
)
CHARACTERS = TokenKind(
    noun="character",
    joiner="",
    bracketed=False,
    note="␣ is a space.",
    per_line=50,
    examples_as_cells=True,
    examples_shown=3,
    corpus_texts=100,  # cut to 100 characters: about 9,000 characters
    corpus_cut=100,
    properties_read_text=True,
)


class Task(Enum):
    """What a model's output is after every token."""

    SENTIMENT = "a running sentiment score"
    NEXT_CHARACTER = "a guess of the next character"
    CLASSES = "a verdict among its classes"  # an operator's classifier (trace.verdict)


class Tracer(Protocol):
    def __call__(
        self, model: nn.Module, name: str, text: str, max_tokens: int
    ) -> SequenceTrace: ...


@dataclass(frozen=True)
class SequenceSpec:
    name: str
    title: str
    short: str  # a few words, for legends and tables
    summary: str  # markdown; {units}, {layers} and {window} come from the loaded model
    task: Task
    recurrent: bool  # True: one step per token, in order; False: every position at once
    gate_blocks: int  # weight blocks per step: LSTM i, f, g, o: 4; GRU r, z, n: 3; RNN: 1
    tokens: TokenKind
    max_tokens: int
    load: Callable[[], nn.Module]  # verified weights, eval mode, gradients off
    trace: Tracer
    states: dict[str, str]  # state key -> label, in display order
    bounded: frozenset[str]  # states whose values lie in [-1, 1] by construction
    unit_noun: str = "hidden unit"
    symbol: str = "h"  # what its per-token state is called in formulas: h_t − h_(t−1)
    state_phrase: str = "h"  # ... and in a sentence: "how far h moved"
    memory_split: bool = False  # c is one running sum over the whole text (LSTM only)
    fresh_windows: bool = False  # every token is a separate read of a fixed window
    attribution: bool = False  # one final score to attribute to the tokens
    properties: tuple[Property, ...] = ()  # what its units are ranked against

    def describe(self, model: nn.Module) -> str:
        return self.summary.format(**model.facts())

    @property
    def scores_sentiment(self) -> bool:
        """Its output is a running sentiment score (the trace's `sentiment`)."""
        return self.task is Task.SENTIMENT

    @property
    def guesses_next_char(self) -> bool:
        """Its output is its top guesses of the next character (the trace's `next_chars`)."""
        return self.task is Task.NEXT_CHARACTER

    @property
    def classifies(self) -> bool:
        """Its output is a verdict among named classes (the trace's `verdict`)."""
        return self.task is Task.CLASSES

    @property
    def family(self) -> str:
        return "recurrent" if self.recurrent else "convolutional"

    @property
    def problem(self) -> str | None:
        """Why this model cannot read a text on the page, in one line (None: it can)."""
        return None

    @property
    def layer_heading(self) -> str:
        """The label of the chooser among the trace's layers."""
        return "Layer"

    def layer_label(self, index: int) -> str:
        """How the chooser names the trace's layer `index` (from 0)."""
        return f"layer {index + 1}" + (f" (reads {self.tokens.noun}s)" if index == 0 else "")

    def layer_key(self, index: int) -> str:
        """The trace's layer `index` (from 0) in a download and the address: "1", "2"..."""
        return str(index + 1)

    def layer_index(self, key: str) -> int | None:
        """The trace's layer that `key` (a layer_key, from the address) names, or None; a
        number up to 9, as the page learns how many layers there are when it reads the text."""
        return int(key) - 1 if key.isdigit() and 1 <= int(key) <= 9 else None

    def reads_backward(self, index: int) -> bool:
        """Whether the trace's layer `index` reads the text from its end (so its state at token t
        has read tokens t to the last, and "before" a token means the column to its right)."""
        return False

    def splits_memory(self, index: int) -> bool:
        """Whether the trace's layer `index` has a cell memory that is a sum over its tokens."""
        return self.memory_split

    @property
    def sections(self) -> tuple[str, ...]:
        """The "Look deeper" sections that apply: "words", "units", "path", "pair"."""
        if self.attribution:
            return ("words", "units", "path", "pair")
        return ("units", "path")  # no single score to attribute or to compare

    @property
    def sections_note(self) -> str | None:
        """Why sections are left out, for a caption (None: nothing to say)."""
        return None

    @property
    def step_note(self) -> str:
        """The caption under how far each token moved the state (a model reading whole texts)."""
        return (
            "Every token moves the state a little; compare which ones move it most. In this "
            "model a negation or a strongly worded opinion usually stands out, while filler "
            "words change less of what the memory carries forward."
        )

    def attribute(self, model: nn.Module, tokens: Sequence[str]) -> tuple[Attribution, Attribution]:
        """Which words mattered: integrated gradients and leaving one word out."""
        return integrated_gradients(model, tokens), occlusion(model, tokens)

    def scores(self, trace: SequenceTrace) -> np.ndarray:
        """(T,) the per-token output: running sentiment, or the top next-character probability."""
        if self.scores_sentiment:
            return np.asarray(trace.sentiment, dtype=np.float64)
        return np.array([guesses[0][1] for guesses in trace.next_chars or ()], dtype=np.float64)

    @property
    def state_help(self) -> str:
        """What the choice of state means for this model, for the chooser's help."""
        if self.recurrent:
            return (
                "h is shown by default; the other choices are the cell's memory and gates, where "
                "it has them, and how much h changed at each token."
            )
        return (
            "Each convolution layer's channels at every position; the last layer feeds the score."
        )


def _frozen(model: nn.Module) -> nn.Module:
    return model.eval().requires_grad_(False)


def _sentiment(cell: str) -> Callable[[], nn.Module]:
    return lambda: _frozen(SentimentModel.from_checkpoint(cell))


_READS_WORDS = (
    "Reads **words**. After every word a small output layer turns its state into a sentiment "
    "score between −1 (negative) and +1 (positive). Trained for this app on short "
    "human-rated sentences, like the other three word readers."
)
_SENTIMENT = {
    "task": Task.SENTIMENT,
    "tokens": WORDS,
    "max_tokens": 200,
    "trace": trace_sentiment,
    "attribution": True,
    "properties": WORD_PROPERTIES,
}
SEQUENCE_MODELS: dict[str, SequenceSpec] = {
    spec.name: spec
    for spec in (
        SequenceSpec(
            name="lstm",
            title="Sentiment LSTM (word level, trained on VADER's human-rated sentences)",
            short="LSTM",
            summary=_READS_WORDS + " One LSTM layer of {units} units: a cell memory c with "
            "forget, input and output gates.",
            recurrent=True,
            gate_blocks=4,
            load=_sentiment("lstm"),
            states=LSTM_STATES,
            bounded=frozenset({"h", "f", "i", "g", "o"}),
            memory_split=True,
            **_SENTIMENT,
        ),
        SequenceSpec(
            name="gru",
            title="Sentiment GRU (word level, same data)",
            short="GRU",
            summary=_READS_WORDS + " One GRU layer of {units} units: no separate memory; an "
            "update gate z decides how much of h to keep, a reset gate r how much of it to use.",
            recurrent=True,
            gate_blocks=3,
            load=_sentiment("gru"),
            states=GRU_STATES,
            bounded=frozenset({"h", "z", "r", "n"}),
            **_SENTIMENT,
        ),
        SequenceSpec(
            name="rnn",
            title="Sentiment vanilla RNN (word level, same data)",
            short="vanilla RNN",
            summary=_READS_WORDS + " One plain tanh RNN layer of {units} units and no gates: "
            "h is rewritten through the same weight matrix at every word.",
            recurrent=True,
            gate_blocks=1,
            load=_sentiment("rnn"),
            states=RNN_STATES,
            bounded=frozenset({"h"}),
            **_SENTIMENT,
        ),
        SequenceSpec(
            name="cnn1d",
            title="Sentiment 1D CNN (word level, causal convolutions, same data)",
            short="1D CNN",
            summary=_READS_WORDS + " {layers} causal convolution layers of {units} channels: "
            "the score at a word sees only that word and the {window_before} before it, and "
            "every position is computed at once.",
            recurrent=False,
            gate_blocks=0,
            load=_sentiment("cnn1d"),
            states=CONV_STATES,
            bounded=frozenset(),
            unit_noun="channel",
            symbol="a",
            state_phrase="its channels",
            **_SENTIMENT,
        ),
        SequenceSpec(
            name="char",
            title="Character LSTM (textgenrnn, pretrained on Reddit and Hacker News titles)",
            short="char LSTM",
            summary="Reads **characters** and guesses the next one. textgenrnn, trained on "
            "titles from Reddit and Hacker News, so it is at home with headlines. {layers} "
            "LSTM layers of {units} units; every guess re-reads the last {window} characters.",
            task=Task.NEXT_CHARACTER,
            recurrent=True,
            gate_blocks=4,
            tokens=CHARACTERS,
            max_tokens=300,
            load=lambda: _frozen(CharLSTM.from_checkpoint()),
            trace=trace_char,
            states=LSTM_STATES,
            bounded=frozenset({"h", "f", "i", "g", "o"}),
            fresh_windows=True,
            properties=CHAR_PROPERTIES,
        ),
    )
}
DEFAULT_SEQUENCE = "lstm"
# The readers trained the same way on the same data: the comparison's subjects.
SENTIMENT_READERS = tuple(name for name, s in SEQUENCE_MODELS.items() if s.task is Task.SENTIMENT)


def load_sequence_model(name: str) -> nn.Module:
    """The named model from its verified checkpoint, in eval mode with gradients off."""
    return spec_of(name).load()


def spec_of(name: str) -> SequenceSpec:
    try:
        return SEQUENCE_MODELS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; choose one of {list(SEQUENCE_MODELS)}") from None


def trace_text(model: nn.Module, name: str, text: str) -> SequenceTrace:
    """Trace `text` through the named model in one forward pass, within its token limit.

    Raises EmptyTextError when the text has no tokens.
    """
    spec = spec_of(name)
    return spec.trace(model, name, text, spec.max_tokens)
