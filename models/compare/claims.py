"""The articles' CNN-vs-RNN claims, each checked against numbers measured on the real models.

Every claim is a small function with an id: it reads the numbers in `Evidence` and returns a
verdict, "supported", "not supported" or "depends", by the rule in its docstring, with the
evidence in a sentence. Another machine or another set of weights can change a verdict; a test
flips each one by changing one number. Which model plays which part (the photo CNN, the
convolutional reader, the plain RNN, ...) is read from the registries' specs, never from names.
The claims are paraphrased from the reference articles in the app's own words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from models.cnn.registry import DEFAULT_CNN
from models.compare.summary import ModelSummary
from models.digits.registry import DIGIT_READERS, GRID_READER
from models.sequence.registry import SENTIMENT_READERS, SEQUENCE_MODELS, Task

SUPPORTED, NOT_SUPPORTED, DEPENDS = "supported", "not supported", "depends"
REMEMBERS = 0.05  # a "not" still counts while it moves the verdict by more than this
CLOSE = 0.02  # accuracies within two points are "about the same"
VANISHES = 5  # the plain RNN's gradient must shrink this many times more than a gated one's
PAGES_OF_WORDS = 50  # a reader that keeps a "not" this far could be said to remember far back


@dataclass(frozen=True)
class Roles:
    """Which model plays which part in the claims."""

    photo_cnn: str  # the image CNN the claims quote
    conv_reader: str  # the sentiment reader that convolves over a window of words
    plain_rnn: str  # the recurrent reader without gates
    recurrent: tuple[str, ...]  # every recurrent sentiment reader
    char: str  # the character model
    labels: Mapping[str, str]  # model -> its short name in a sentence

    def label(self, name: str) -> str:
        return self.labels[name]


def model_roles() -> Roles:
    """The roles as the registries' specs define them."""
    readers = {name: SEQUENCE_MODELS[name] for name in SENTIMENT_READERS}
    return Roles(
        photo_cnn=DEFAULT_CNN,
        conv_reader=next(name for name, spec in readers.items() if not spec.recurrent),
        plain_rnn=next(name for name, s in readers.items() if s.recurrent and s.gate_blocks == 1),
        recurrent=tuple(name for name, spec in readers.items() if spec.recurrent),
        char=next(n for n, spec in SEQUENCE_MODELS.items() if spec.task is Task.NEXT_CHARACTER),
        labels={name: spec.short for name, spec in SEQUENCE_MODELS.items()},
    )


@dataclass(frozen=True)
class Evidence:
    summaries: Mapping[str, ModelSummary]
    accuracy: Mapping[str, float]  # held-out polarity accuracy of each sentiment reader
    negation: Mapping[str, Mapping[int, float]]  # effect of "not" by gap
    gradients: Mapping[str, np.ndarray]  # median |gradient| by distance over the corpus
    train_ms_per_token: Mapping[str, float] | None = None  # from a profile run, if any
    # Seconds per epoch of each digit reader (models/digits/registry.py), trained on identical
    # data, and where they were measured; None when not known.
    digit_epoch_seconds: Mapping[str, float] | None = None
    digit_timing_source: str = ""
    roles: Roles = field(default_factory=model_roles)


@dataclass(frozen=True)
class Claim:
    id: str
    claim: str
    verdict: str
    evidence: str


Rule = Callable[[Evidence], tuple[str, str]]  # evidence -> (verdict, what the models show)
CLAIMS: dict[str, tuple[str, Rule]] = {}  # id -> (the claim in words, its rule), in order


def claim(claim_id: str, words: str) -> Callable[[Rule], Rule]:
    """Register a rule under an id, with the claim it checks."""

    def register(rule: Rule) -> Rule:
        CLAIMS[claim_id] = (words, rule)
        return rule

    return register


def check_claim(claim_id: str, e: Evidence) -> Claim:
    words, rule = CLAIMS[claim_id]
    verdict, evidence = rule(e)
    return Claim(claim_id, words, verdict, evidence)


def check_claims(e: Evidence) -> list[Claim]:
    """Every claim's verdict, in the order they are registered."""
    return [check_claim(claim_id, e) for claim_id in CLAIMS]


def reach(effects: Mapping[int, float]) -> int:
    """The largest gap (words) at which a "not" still moves the verdict by more than 0.05."""
    return max((gap for gap, effect in effects.items() if effect > REMEMBERS), default=0)


def _ratio(curve: np.ndarray, far: int) -> float:
    return float(curve[far] / curve[0]) if curve[0] > 0 else 0.0


def _reaches(e: Evidence) -> dict[str, int]:
    return {name: reach(e.negation[name]) for name in e.roles.recurrent}


@claim("parallel", "A CNN works on every position at once; an RNN has to go one step at a time.")
def _parallel(e: Evidence) -> tuple[str, str]:
    """Supported when every recurrent reader needs one step per word (no fixed step count)
    while the convolutional reader's steps do not depend on the length."""
    s, r = e.summaries, e.roles
    sequential = all(s[name].sequential_steps is None for name in r.recurrent)
    parallel = s[r.conv_reader].sequential_steps is not None
    return SUPPORTED if sequential and parallel else NOT_SUPPORTED, (
        "The recurrent readers need one step per word, in order (1,000 for a 1,000-word text); "
        f"the {r.label(r.conv_reader)} needs {s[r.conv_reader].sequential_steps} layer steps "
        f"whatever the length, {s[r.photo_cnn].title} {s[r.photo_cnn].sequential_steps} for "
        "a whole photo."
    )


@claim(
    "weight-sharing",
    "A CNN finds a pattern wherever it appears, because one filter is reused everywhere.",
)
def _weight_sharing(e: Evidence) -> tuple[str, str]:
    """Supported when the photo CNN's first filters are applied at more than one position."""
    photo = e.summaries[e.roles.photo_cnn]
    shared = (photo.filter_positions or 0) > 1
    return SUPPORTED if shared else DEPENDS, (
        f"{photo.title}: {photo.weight_sharing}. The RNNs reuse their weights too, but across time."
    )


@claim(
    "vanishing-gradients",
    "Plain RNNs suffer from vanishing gradients; LSTM and GRU gates fix that.",
)
def _vanishing(e: Evidence) -> tuple[str, str]:
    """Supported when, over the corpus, the plain RNN's median gradient at the farthest distance
    has shrunk at least VANISHES times more than every gated reader's."""
    r = e.roles
    far = min(len(curve) for curve in e.gradients.values()) - 1
    plain = _ratio(e.gradients[r.plain_rnn], far)
    gated = {name: _ratio(e.gradients[name], far) for name in r.recurrent if name != r.plain_rnn}
    kept = ", ".join(
        f"the {r.label(name)}'s to {ratio * 100:.2g}%" for name, ratio in gated.items()
    )
    return SUPPORTED if plain < min(gated.values()) / VANISHES else DEPENDS, (
        f"Over {far} words the {r.label(r.plain_rnn)}'s median gradient shrinks to "
        f"{plain * 100:.2g}% of its size at the last word; {kept} (corpus)."
    )


@claim("long-sequences", "RNNs are well suited to long sequences; CNNs are not.")
def _long_sequences(e: Evidence) -> tuple[str, str]:
    """Supported when the best recurrent reader still remembers a "not" farther back than the
    convolutional reader can see; "depends" otherwise."""
    r = e.roles
    reaches = _reaches(e)
    best, worst = max(reaches, key=reaches.get), min(reaches, key=reaches.get)
    window = e.summaries[r.conv_reader].receptive_field or 0
    return SUPPORTED if reaches[best] > window else DEPENDS, (
        f"The {r.label(r.conv_reader)} cannot see more than {window} words at all. The "
        f"{r.label(best)}'s 'not' still counts up to about {reaches[best]} words between it and "
        f"its word, the {r.label(worst)}'s up to {reaches[worst]}: memory is possible, not "
        "guaranteed; it is learned from the data."
    )


@claim("fifty-pages", "An RNN can remember what happened fifty pages ago.")
def _fifty_pages(e: Evidence) -> tuple[str, str]:
    """Not supported when no reader keeps a "not" for PAGES_OF_WORDS words (a page is more)."""
    r = e.roles
    reaches = _reaches(e)
    best = max(reaches, key=reaches.get)
    return NOT_SUPPORTED if reaches[best] < PAGES_OF_WORDS else DEPENDS, (
        f"Not these: the longest memory, the {r.label(best)}'s, keeps a 'not' for about "
        f"{reaches[best]} words, and the character model only ever reads its last "
        f"{e.summaries[r.char].receptive_field} characters."
    )


@claim("memory", "CNNs use less memory than RNNs.")
def _memory(e: Evidence) -> tuple[str, str]:
    """Depends when a text of some length needs as much activation memory as one photo; the
    evidence states that length."""
    r = e.roles
    photo = e.summaries[r.photo_cnn]
    gated = next(name for name in r.recurrent if name != r.plain_rnn)
    per_word = e.summaries[gated].activation_bytes
    words = photo.activation_bytes / per_word
    return DEPENDS if words > 1 else SUPPORTED, (
        f"Per input, it depends on the sizes: one photo at its training size leaves "
        f"{photo.activation_bytes / 1e6:.1f} MB of activations in {photo.title}, the "
        f"{r.label(gated)} {per_word / 1e3:.1f} KB per word, so only a text of about "
        f"{words:,.0f} words needs as much. An RNN's memory grows with the length of the text, "
        "a CNN's with the image area."
    )


@claim("train-speed", "CNNs are faster to train than RNNs.")
def _train_speed(e: Evidence) -> tuple[str, str]:
    """On identical data (the digits), supported when the CNN's epoch is faster than every
    recurrent reader's, not supported when it is slower than every one, "depends" between.
    Without digit timings: supported when the convolutional sentiment reader's training step
    per word is faster than every recurrent one's, measured on this machine."""
    if e.digit_epoch_seconds is not None:
        return _digit_train_speed(e)
    r = e.roles
    if e.train_ms_per_token is None:
        return DEPENDS, "Press 'Measure' above to time training steps on this machine."
    cnn = e.train_ms_per_token[r.conv_reader]
    times = [e.train_ms_per_token[name] for name in r.recurrent]
    return SUPPORTED if cnn < min(times) else DEPENDS, (
        f"One training step on this machine: {r.label(r.conv_reader)} {cnn * 1000:.1f} µs per "
        f"word, recurrent readers {min(times) * 1000:.1f}–{max(times) * 1000:.1f} µs per word."
    )


def _digit_train_speed(e: Evidence) -> tuple[str, str]:
    seconds = dict(e.digit_epoch_seconds or {})
    cnn = seconds.pop(GRID_READER)
    if cnn < min(seconds.values()):
        verdict = SUPPORTED
    elif cnn > max(seconds.values()):
        verdict = NOT_SUPPORTED
    else:
        verdict = DEPENDS
    others = ", ".join(f"{DIGIT_READERS[name].short} {t:.2f} s" for name, t in seconds.items())
    steps = ""
    if e.train_ms_per_token is not None:
        r = e.roles
        cnn_step = e.train_ms_per_token[r.conv_reader] * 1000
        steps = (
            f" Sentiment readers, one step: {r.label(r.conv_reader)} {cnn_step:.1f} µs per word."
        )
    return verdict, (
        f"On the same 4,000 digits in the same batches, one epoch took the CNN {cnn:.2f} s; "
        f"{others} ({e.digit_timing_source}). A CNN's work is parallel, but a small RNN on "
        f"short sequences has less of it.{steps}"
    )


@claim("text-choice", "RNNs are the natural choice for text such as sentiment.")
def _text_choice(e: Evidence) -> tuple[str, str]:
    """Supported when the best recurrent reader beats the convolutional one by over CLOSE."""
    r, acc = e.roles, e.accuracy
    top = max(r.recurrent, key=lambda name: acc[name])
    cnn, plain = acc[r.conv_reader], acc[r.plain_rnn]
    close = "nearly matches" if acc[top] - plain <= CLOSE else "trails"
    return SUPPORTED if acc[top] - cnn > CLOSE else DEPENDS, (
        f"Here the {r.label(top)} reaches {acc[top]:.1%} held-out accuracy, the "
        f"{r.label(r.conv_reader)} {cnn:.1%}; the plain RNN ({plain:.1%}) {close} the "
        f"{r.label(top)}."
    )
