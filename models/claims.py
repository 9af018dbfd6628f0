"""The articles' CNN-vs-RNN claims, each checked against numbers measured on the real models.

A verdict is "supported", "not supported" or "depends", decided by the numbers passed in (so
another machine or another set of weights can change it), with the evidence in a sentence.
The claims are paraphrased from the reference articles in the app's own words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from models.summary import ModelSummary

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


def _ratio(curve: np.ndarray, far: int) -> float:
    return float(curve[far] / curve[0]) if curve[0] > 0 else 0.0


def check_claims(e: Evidence) -> list[Claim]:
    s = e.summaries
    claims = []

    lstm_steps = "one per word"
    claims.append(
        Claim(
            "A CNN works on every position at once; an RNN has to go one step at a time.",
            SUPPORTED,
            f"The LSTM, GRU and RNN need {lstm_steps}, in order (1,000 for a 1,000-word text); "
            f"the 1D CNN needs {s['cnn1d'].sequential_steps} layer steps whatever the length, "
            f"SqueezeNet {s['squeezenet1_1'].sequential_steps} for a whole photo.",
        )
    )

    share = s["squeezenet1_1"].weight_sharing
    claims.append(
        Claim(
            "A CNN finds a pattern wherever it appears, because one filter is reused everywhere.",
            SUPPORTED,
            f"SqueezeNet: {share}. The RNNs reuse their weights too, but across time.",
        )
    )

    far = min(len(curve) for curve in e.gradients.values()) - 1
    rnn, lstm, gru = (_ratio(e.gradients[k], far) for k in ("rnn", "lstm", "gru"))
    vanishing = rnn < min(lstm, gru) / 5
    claims.append(
        Claim(
            "Plain RNNs suffer from vanishing gradients; LSTM and GRU gates fix that.",
            SUPPORTED if vanishing else DEPENDS,
            f"Over {far} words the vanilla RNN's gradient shrinks to {rnn * 100:.2g}% of its size "
            f"at the last word; the LSTM's to {lstm * 100:.2g}%, the GRU's to {gru * 100:.2g}% "
            "(corpus average).",
        )
    )

    gap = max(gap for gap in e.negation["lstm"] if e.negation["lstm"][gap] > 0.05)
    window = s["cnn1d"].receptive_field
    claims.append(
        Claim(
            "RNNs are well suited to long sequences; CNNs are not.",
            DEPENDS,
            f"The 1D CNN cannot see more than {window} words at all. But the trained LSTM's "
            f"'not' still matters only up to about {gap} words, and the vanilla RNN's after "
            "1 word: memory is possible, not guaranteed; it is learned from the data.",
        )
    )

    claims.append(
        Claim(
            "An RNN can remember what happened fifty pages ago.",
            NOT_SUPPORTED,
            f"Not these: the strongest, the LSTM, keeps a 'not' for about {gap} words, and the "
            f"character model only ever reads its last {s['char'].receptive_field} characters.",
        )
    )

    cnn_kb = s["squeezenet1_1"].activation_bytes / 1e6
    rnn_kb = s["lstm"].activation_bytes * 30 / 1e3
    claims.append(
        Claim(
            "CNNs use less memory than RNNs.",
            DEPENDS,
            "Per input, the other way round here: one photo at its training size leaves "
            f"{cnn_kb:.1f} MB of activations in SqueezeNet, a 30-word sentence {rnn_kb:.0f} KB "
            "in the LSTM. An "
            "RNN's memory grows with the length of the text, a CNN's with the image area.",
        )
    )

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
        slowest = max(e.train_ms_per_token[k] for k in ("lstm", "gru", "rnn"))
        fastest = min(e.train_ms_per_token[k] for k in ("lstm", "gru", "rnn"))
        verdict = SUPPORTED if cnn < fastest else DEPENDS
        claims.append(
            Claim(
                "CNNs are faster to train than RNNs.",
                verdict,
                f"One training step on this machine: 1D CNN {cnn * 1000:.1f} µs per token, "
                f"recurrent readers {fastest * 1000:.1f}–{slowest * 1000:.1f} µs per token.",
            )
        )

    best, cnn_acc = e.accuracy["lstm"], e.accuracy["cnn1d"]
    claims.append(
        Claim(
            "RNNs are the natural choice for text such as sentiment.",
            DEPENDS,
            f"Here the LSTM reaches {best:.1%} held-out accuracy, the 1D CNN {cnn_acc:.1%}, "
            f"and the plain RNN {e.accuracy['rnn']:.1%}: on short snippets a plain RNN nearly "
            "matches the LSTM, and the 9-word CNN is behind.",
        )
    )
    return claims
