"""The articles' CNN-vs-RNN claims, each checked against numbers measured on the real models.

A verdict is "supported", "not supported" or "depends", decided by the numbers passed in (so
another machine or another set of weights can change it), with the evidence in a sentence.
The claims are paraphrased from the reference articles in the app's own words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from models.compare.summary import ModelSummary

SUPPORTED, NOT_SUPPORTED, DEPENDS = "supported", "not supported", "depends"


@dataclass(frozen=True)
class Claim:
    claim: str
    verdict: str
    evidence: str


@dataclass(frozen=True)
class Evidence:
    summaries: Mapping[str, ModelSummary]
    accuracy: Mapping[str, float]  # held-out polarity accuracy of each sentiment reader
    negation: Mapping[str, Mapping[int, float]]  # effect of "not" by gap
    gradients: Mapping[str, np.ndarray]  # mean |gradient| by distance over the corpus
    train_ms_per_token: Mapping[str, float] | None = None  # from a profile run, if any
    growth: Mapping[str, float] | None = None  # fitted time exponent against tokens


RECURRENT = ("lstm", "gru", "rnn")
REMEMBERS = 0.05  # a "not" still counts while it moves the verdict by more than this
CLOSE = 0.02  # accuracies within two points are "about the same"
NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "vanilla RNN", "cnn1d": "1D CNN"}


def _ratio(curve: np.ndarray, far: int) -> float:
    return float(curve[far] / curve[0]) if curve[0] > 0 else 0.0


def reach(effects: Mapping[int, float]) -> int:
    """The largest gap (words) at which a "not" still moves the verdict by more than 0.05."""
    return max((gap for gap, effect in effects.items() if effect > REMEMBERS), default=0)


def check_claims(e: Evidence) -> list[Claim]:
    """Each claim's verdict by the rule in its comment, from the numbers in `e`."""
    s = e.summaries
    claims = []

    # Supported when every recurrent reader needs one step per word (no fixed step count)
    # while the 1D CNN's steps do not depend on the length.
    sequential = all(s[k].sequential_steps is None for k in RECURRENT)
    parallel = s["cnn1d"].sequential_steps is not None
    claims.append(
        Claim(
            "A CNN works on every position at once; an RNN has to go one step at a time.",
            SUPPORTED if sequential and parallel else NOT_SUPPORTED,
            "The LSTM, GRU and RNN need one step per word, in order (1,000 for a 1,000-word "
            f"text); the 1D CNN needs {s['cnn1d'].sequential_steps} layer steps whatever the "
            f"length, SqueezeNet {s['squeezenet1_1'].sequential_steps} for a whole photo.",
        )
    )

    # Supported when the first filters are applied at more than one position.
    share = s["squeezenet1_1"].weight_sharing
    claims.append(
        Claim(
            "A CNN finds a pattern wherever it appears, because one filter is reused everywhere.",
            SUPPORTED if "positions" in share else DEPENDS,
            f"SqueezeNet: {share}. The RNNs reuse their weights too, but across time.",
        )
    )

    # Supported when, over the corpus, the vanilla RNN's median gradient at the farthest
    # distance has shrunk at least 5 times more than the LSTM's and the GRU's.
    far = min(len(curve) for curve in e.gradients.values()) - 1
    rnn, lstm, gru = (_ratio(e.gradients[k], far) for k in ("rnn", "lstm", "gru"))
    claims.append(
        Claim(
            "Plain RNNs suffer from vanishing gradients; LSTM and GRU gates fix that.",
            SUPPORTED if rnn < min(lstm, gru) / 5 else DEPENDS,
            f"Over {far} words the vanilla RNN's median gradient shrinks to {rnn * 100:.2g}% of "
            f"its size at the last word; the LSTM's to {lstm * 100:.2g}%, the GRU's to "
            f"{gru * 100:.2g}% (corpus).",
        )
    )

    # Supported when the best recurrent reader still remembers a "not" farther back than the
    # 1D CNN can see; "depends" otherwise.
    reaches = {k: reach(e.negation[k]) for k in RECURRENT}
    best = max(reaches, key=reaches.get)
    worst = min(reaches, key=reaches.get)
    window = s["cnn1d"].receptive_field or 0
    claims.append(
        Claim(
            "RNNs are well suited to long sequences; CNNs are not.",
            SUPPORTED if reaches[best] > window else DEPENDS,
            f"The 1D CNN cannot see more than {window} words at all. The {NAMES[best]}'s 'not' "
            f"still counts up to about {reaches[best]} words between it and its word, the "
            f"{NAMES[worst]}'s up to {reaches[worst]}: memory is possible, not guaranteed; it "
            "is learned from the data.",
        )
    )

    # Not supported when no reader keeps a "not" for 50 words (about a page is far more).
    claims.append(
        Claim(
            "An RNN can remember what happened fifty pages ago.",
            NOT_SUPPORTED if reaches[best] < 50 else DEPENDS,
            f"Not these: the longest memory, the {NAMES[best]}'s, keeps a 'not' for about "
            f"{reaches[best]} words, and the character model only ever reads its last "
            f"{s['char'].receptive_field} characters.",
        )
    )

    # Depends when a sentence of some length needs as much activation memory as one photo;
    # the rule states that length.
    photo = s["squeezenet1_1"].activation_bytes
    per_word = s["lstm"].activation_bytes
    words = photo / per_word
    claims.append(
        Claim(
            "CNNs use less memory than RNNs.",
            DEPENDS if words > 1 else SUPPORTED,
            f"Per input, it depends on the sizes: one photo at its training size leaves "
            f"{photo / 1e6:.1f} MB of activations in SqueezeNet, the LSTM {per_word / 1e3:.1f} KB "
            f"per word, so only a text of about {words:,.0f} words needs as much. An RNN's "
            "memory grows with the length of the text, a CNN's with the image area.",
        )
    )

    # Supported when the 1D CNN's training step per word is faster than every recurrent
    # reader's, measured on this machine; undecided until measured.
    if e.train_ms_per_token is None:
        claims.append(
            Claim(
                "CNNs are faster to train than RNNs.",
                DEPENDS,
                "Press 'Measure' above to time training steps on this machine.",
            )
        )
    else:
        cnn = e.train_ms_per_token["cnn1d"]
        times = [e.train_ms_per_token[k] for k in RECURRENT]
        claims.append(
            Claim(
                "CNNs are faster to train than RNNs.",
                SUPPORTED if cnn < min(times) else DEPENDS,
                f"One training step on this machine: 1D CNN {cnn * 1000:.1f} µs per word, "
                f"recurrent readers {min(times) * 1000:.1f}–{max(times) * 1000:.1f} µs per word.",
            )
        )

    # Supported when the best recurrent reader beats the 1D CNN by more than two points.
    acc = e.accuracy
    top = max(RECURRENT, key=lambda k: acc[k])
    gap = acc[top] - acc["cnn1d"]
    plain = "nearly matches" if acc[top] - acc["rnn"] <= CLOSE else "trails"
    claims.append(
        Claim(
            "RNNs are the natural choice for text such as sentiment.",
            SUPPORTED if gap > CLOSE else DEPENDS,
            f"Here the {NAMES[top]} reaches {acc[top]:.1%} held-out accuracy, the 1D CNN "
            f"{acc['cnn1d']:.1%}; the plain RNN ({acc['rnn']:.1%}) {plain} the "
            f"{NAMES[top]}.",
        )
    )
    return claims
