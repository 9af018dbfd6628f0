"""An operator's recurrent model as the LSTM page reads the app's own: a SequenceSpec.

`own_sequence_spec(model)` answers, for a brought sequence model, every question the page asks a
spec (models/sequence/registry.py), and its `trace` turns a text into the same SequenceTrace
the app's own readers give:
- tokens as the config's vocabulary reads them (models/custom/text.py), unknown ones marked;
- layers: every layer of every recurrent module, in each direction, in the order they run
  (module by module, layer by layer, forward before backward), as the reader stepped them
  (reader.py: the module's own values); the layer chooser names each;
- verdict: the class probabilities, softmax of the model's own logits, and, where the reader
  found a linear head on a forward-only last layer and every layer reads forwards, the
  probabilities after every token (what the model says of the text cut there); otherwise a
  one-line note why not;
- "Which words mattered" through the model's embedding (word_gradients.py), for the class it
  predicts. The sections that need the app's own corpus analysis are left out, with a note.

A model the page cannot read (its layers cannot be stepped, or they do not run over the text's
tokens) is still offered, and `problem` says why in one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from models.custom.folder import UserModel
from models.custom.reader import SequenceRead
from models.custom.text import encode, tokenize
from models.custom.word_gradients import WordGradients, word_gradients
from models.sequence.attribution import Attribution
from models.sequence.registry import (
    GRU_STATES,
    LSTM_STATES,
    RNN_STATES,
    SequenceSpec,
    Task,
    TokenKind,
)
from models.sequence.text import word_spans
from models.sequence.trace import ClassVerdict, EmptyTextError, LayerStates, SequenceTrace

MAX_TOKENS = {"word": 200, "char": 300}  # as the app's own word and character readers
STATES = {"LSTM": LSTM_STATES, "GRU": GRU_STATES, "RNN": RNN_STATES}
BOUNDED = {"LSTM": {"h", "f", "i", "g", "o"}, "GRU": {"h", "z", "r", "n"}, "RNN": {"h"}}
GATE_BLOCKS = {"LSTM": 4, "GRU": 3, "RNN": 1}
LEFT_OUT = (
    "Units that mean something and the path through state space are not shown for this "
    "model: they rank units over the app's own corpus, analysed for its own models only. Two "
    "texts side by side compares running sentiment scores, which this model does not give."
)
MEMORY_TOLERANCE = 1e-5


@dataclass(frozen=True)
class Entry:
    """One layer of the trace: a layer of a recurrent module, in one direction."""

    path: str  # the module's place in the model ("encoder.rnn")
    kind: str  # "LSTM", "GRU" or "RNN"
    layer: int  # from 0, within the module
    direction: int  # 0 forward, 1 backward
    directions: int


@dataclass(frozen=True, kw_only=True)
class OwnSequenceSpec(SequenceSpec):
    """A SequenceSpec for an operator's model (see the module docstring)."""

    own: UserModel = field(repr=False)
    entries: tuple[Entry, ...]
    memory_entries: frozenset[int]  # LSTM layers read forwards from a zero memory
    gradients: WordGradients | None = field(repr=False)
    gradients_note: str  # why there is no "Which words mattered", when there is none
    why_not: str | None  # why texts cannot be read, when they cannot

    def describe(self, model: nn.Module) -> str:
        loaded = self.own.loaded
        vocab = len(loaded.vocab) if loaded.vocab is not None else 0
        parts = [
            f"Brought by this server's operator. Reads **{self.tokens.noun}s** with its own "
            f"vocabulary of {vocab:,} and sorts a text into {len(loaded.classes)} classes; "
            f"{loaded.parameters:,} parameters."
        ]
        if self.own.reader is not None:
            for layer in self.own.reader.layers:
                ways = "both directions" if layer.directions == 2 else "one direction"
                parts.append(
                    f"`{layer.path}`: {layer.kind}, {layer.layers} "
                    f"layer{'s' if layer.layers > 1 else ''} of {layer.units} units, {ways}."
                )
        return " ".join(parts)

    @property
    def problem(self) -> str | None:
        return self.why_not

    @property
    def layer_heading(self) -> str:
        return "Layer and direction" if any(e.directions == 2 for e in self.entries) else "Layer"

    def layer_label(self, index: int) -> str:
        entry = self.entries[index]
        several = len({e.path for e in self.entries}) > 1
        label = (f"`{entry.path}` " if several else "") + f"layer {entry.layer + 1}"
        if entry.directions == 2:
            label += " · backward" if entry.direction else " · forward"
        reads = f"{self.tokens.noun}s"
        if entry.direction:
            return label + f" (reads the {reads} from the end)"
        return label + (f" (reads {reads})" if index == 0 else "")

    def layer_key(self, index: int) -> str:
        entry = self.entries[index]
        several = len({e.path for e in self.entries}) > 1
        key = str(entry.layer + 1)
        if entry.directions == 2:
            key += "_backward" if entry.direction else "_forward"
        return key + (f"_of_{entry.path}" if several else "")

    def layer_index(self, key: str) -> int | None:
        """The entry whose layer_key is `key`: the address names a layer and a direction as the
        chooser and the downloads do ("1_backward"), never by its place among the entries."""
        keys = [self.layer_key(index) for index in range(len(self.entries))]
        return keys.index(key) if key in keys else None

    def reads_backward(self, index: int) -> bool:
        return self.entries[index].direction == 1

    def splits_memory(self, index: int) -> bool:
        return index in self.memory_entries

    @property
    def sections(self) -> tuple[str, ...]:
        return ("words",) if self.gradients is not None else ()

    @property
    def sections_note(self) -> str | None:
        return LEFT_OUT if self.gradients is not None else f"{LEFT_OUT} {self.gradients_note}"

    @property
    def step_note(self) -> str:
        note = "Every token moves the state a little; compare which ones move it most."
        if any(entry.direction for entry in self.entries):
            note += (
                " For a layer that reads backwards, a token's move is from the state of the "
                "token after it, which that layer read first."
            )
        return note

    def attribute(
        self, model: nn.Module, tokens: tuple[str, ...] | list[str]
    ) -> tuple[Attribution, Attribution]:
        """Which words mattered to the class the model predicts for these tokens."""
        if self.gradients is None:
            raise ValueError(self.gradients_note)
        loaded = self.own.loaded
        assert loaded.vocab is not None
        ids = torch.tensor(
            [[loaded.vocab.ids.get(token, loaded.vocab.unknown_id) for token in tokens]]
        )
        with torch.inference_mode():
            target = int(loaded.module(ids)[0].argmax())
        return self.gradients.attribute(ids, tuple(tokens), target, loaded.classes[target])

    def scores(self, trace: SequenceTrace) -> np.ndarray:
        """(T,) the probability of the final verdict after every token (nan where not known)."""
        curve = trace.verdict.curve() if trace.verdict is not None else None
        if curve is None:
            return np.full(len(trace.tokens), np.nan)
        return np.asarray(curve, dtype=np.float64)


def own_sequence_spec(own: UserModel) -> OwnSequenceSpec:
    """The spec of a brought sequence model (kind "sequence"), checked on its probe."""
    loaded = own.loaded
    text = loaded.config.text
    assert text is not None and loaded.vocab is not None, "a sequence model has a [text] table"
    noun = "word" if text.tokens == "word" else "character"
    tokens = TokenKind(
        noun=noun,
        joiner="  " if noun == "word" else "",
        bracketed=noun == "word",
        note=_token_note(noun, text.lowercase),
        per_line=12 if noun == "word" else 50,
        examples_as_cells=noun != "word",
        examples_shown=0,
        corpus_texts=0,
        corpus_cut=None,
        properties_read_text=False,
    )
    reader = own.reader
    entries = tuple(
        Entry(layer.path, layer.kind, index, direction, layer.directions)
        for layer in (reader.layers if reader is not None else ())
        for index in range(layer.layers)
        for direction in range(layer.directions)
    )
    kinds = {entry.kind for entry in entries} or {"RNN"}
    kind = kinds.pop() if len(kinds) == 1 else "RNN"  # mixed cells share h only
    relu = reader is not None and any(
        getattr(module, "nonlinearity", "tanh") == "relu" for module in reader.modules
    )
    why_not, memory, gradients, note = own.problem, frozenset[int](), None, ""
    if reader is not None:
        read = reader.read(loaded.probe())
        why_not = _off_tokens(read, entries, loaded.probe().shape[1])
        memory = _zero_start_memories(read, entries)
        found = word_gradients(reader, loaded.module, loaded.probe())
        gradients, note = (found, "") if isinstance(found, WordGradients) else (None, found)
    spec: OwnSequenceSpec
    spec = OwnSequenceSpec(
        name=own.name,
        title=loaded.config.title,
        short=own.name,
        summary="",
        task=Task.CLASSES,
        recurrent=True,
        gate_blocks=GATE_BLOCKS[entries[-1].kind] if entries else 1,
        tokens=tokens,
        max_tokens=MAX_TOKENS[text.tokens],
        load=lambda: loaded.module,
        trace=lambda model, name, text, max_tokens: trace_own(spec, text, max_tokens),
        states=STATES[kind],
        bounded=frozenset(BOUNDED[kind] - ({"h"} if relu else set())),
        memory_split=bool(memory),
        attribution=gradients is not None,
        own=own,
        entries=entries,
        memory_entries=memory,
        gradients=gradients,
        gradients_note=note,
        why_not=why_not,
    )
    return spec


def _token_note(noun: str, lowercase: bool) -> str:
    case = "lower-cased" if lowercase else "kept as typed"
    if noun == "word":
        return (
            f"Words are {case}; punctuation and emoji are tokens of their own; each is looked "
            "up in the model's own vocabulary."
        )
    return f"Every character is a token ({case}), looked up in the model's own vocabulary."


def _off_tokens(read: SequenceRead, entries: tuple[Entry, ...], count: int) -> str | None:
    """Why the layers' steps are not the text's tokens (read on `count` ids), or None."""
    runs = [run for steps in read.steps for layer in steps.layers for run in layer]
    for entry, run in zip(entries, runs, strict=True):
        steps, batch = run["h"].shape[:2]
        if (steps, batch) != (count, 1):
            return (
                f"{entry.path} steps {steps} times over a batch of {batch} on a text of "
                f"{count} tokens, so its states are not one per token: is its input laid out "
                "as its batch_first says?"
            )
    return None


def _zero_start_memories(read: SequenceRead, entries: tuple[Entry, ...]) -> frozenset[int]:
    """The LSTM layers read forwards whose memory starts at zero (c_1 = i_1 g_1 on the probe),
    so that it is a sum of what each token wrote (models/sequence/lstm_memory.py)."""
    runs = [run for steps in read.steps for layer in steps.layers for run in layer]
    return frozenset(
        index
        for index, (entry, run) in enumerate(zip(entries, runs, strict=True))
        if entry.kind == "LSTM"
        and entry.direction == 0
        and torch.allclose(run["c"][0], run["i"][0] * run["g"][0], atol=MEMORY_TOLERANCE)
    )


def trace_own(spec: OwnSequenceSpec, text: str, max_tokens: int) -> SequenceTrace:
    """The text read by the operator's model (see the module docstring); raises EmptyTextError
    when the text has no tokens, ValueError when the model cannot be read (spec.problem)."""
    own = spec.own
    config, vocab, reader = own.loaded.config.text, own.loaded.vocab, own.reader
    assert config is not None and vocab is not None
    if reader is None or spec.problem is not None:
        raise ValueError(spec.problem or "its recurrent layers cannot be stepped")
    count = len(tokenize(text, config))
    if not count:
        raise EmptyTextError()
    truncated = count > max_tokens
    if truncated:
        cut = word_spans(text)[max_tokens - 1][2] if config.tokens == "word" else max_tokens
        text = text[:cut]
    encoded = encode(text, config, vocab, max_tokens)
    read = reader.read(encoded.tensor())
    if problem := _off_tokens(read, spec.entries, len(encoded.ids)):
        raise ValueError(problem)
    layers = tuple(
        LayerStates({name: _array(value[:, 0]) for name, value in run.items()})
        for steps in read.steps
        for layer in steps.layers
        for run in layer
    )
    return SequenceTrace(
        model=spec.name,
        text=text,
        tokens=encoded.tokens,
        known=encoded.known,
        layers=layers,
        sentiment=None,
        next_chars=None,
        truncated=truncated,
        verdict=_verdict(spec, read),
    )


def _verdict(spec: OwnSequenceSpec, read: SequenceRead) -> ClassVerdict:
    reader = spec.own.reader
    assert reader is not None
    probs = torch.softmax(read.logits[0].double(), dim=0).numpy()
    running, note = None, reader.verdict_note
    if reader.head is not None:
        backward = next((e for e in spec.entries if e.direction), None)
        if backward is not None:
            note = (
                f"no verdict per token: {backward.path} reads in both directions, so the last "
                "layer's state at any token has already seen the whole text"
            )
        elif read.verdicts is None:
            note = (
                "no verdict per token on this text: the linear layer on the last state does "
                "not give the model's logits here"
            )
        else:
            running = torch.softmax(read.verdicts.double(), dim=-1).numpy()
    return ClassVerdict(spec.own.loaded.classes, probs, running, note)


def _array(tensor: torch.Tensor) -> np.ndarray:
    array = np.ascontiguousarray(tensor.detach().numpy(), dtype=np.float32)
    array.setflags(write=False)
    return array
