"""The claims' verdicts follow their rules: change a number and the verdict changes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from models.cnn.registry import load_cnn
from models.compare.claims import (
    DEPENDS,
    NOT_SUPPORTED,
    SUPPORTED,
    Evidence,
    check_claim,
    check_claims,
    reach,
)
from models.compare.summary import summarise
from models.sequence.registry import load_sequence_model


@pytest.fixture(scope="module")
def evidence() -> Evidence:
    summaries = {
        name: summarise(name, load_cnn(name)) for name in ("squeezenet1_1", "efficientnet_lite0")
    }
    for name in ("lstm", "gru", "rnn", "cnn1d", "char"):
        summaries[name] = summarise(name, load_sequence_model(name))
    fading = {0: 0.8, 2: 0.3, 6: 0.1, 10: 0.02}
    return Evidence(
        summaries=summaries,
        accuracy={"lstm": 0.824, "gru": 0.816, "rnn": 0.805, "cnn1d": 0.75},
        negation={"lstm": fading, "gru": fading, "rnn": {0: 0.5, 2: 0.0}, "cnn1d": {0: 0.4}},
        gradients={
            "lstm": np.array([1.0, 0.5, 0.3]),
            "gru": np.array([1.0, 0.8, 0.7]),
            "rnn": np.array([1.0, 0.1, 0.01]),
            "cnn1d": np.array([1.0, 0.0, 0.0]),
        },
    )


def verdict(claims, words: str) -> str:
    return next(c.verdict for c in claims if words in c.claim)


def test_reach_is_the_farthest_gap_that_still_counts() -> None:
    assert reach({0: 0.8, 2: 0.3, 6: 0.1, 10: 0.02}) == 6
    assert reach({0: 0.01}) == 0 and reach({}) == 0


def test_verdicts_follow_the_numbers(evidence: Evidence) -> None:
    claims = check_claims(evidence)
    assert verdict(claims, "vanishing gradients") == SUPPORTED  # 1% vs 30% and 70%
    assert verdict(claims, "fifty pages") == NOT_SUPPORTED
    assert verdict(claims, "faster to train") == DEPENDS  # not measured yet
    assert verdict(claims, "natural choice") == SUPPORTED  # 82.4% vs 75.0%
    assert verdict(claims, "long sequences") == DEPENDS  # 6 words < the CNN's 9

    flat = replace(evidence, gradients={**evidence.gradients, "rnn": np.array([1.0, 0.9, 0.8])})
    assert verdict(check_claims(flat), "vanishing gradients") == DEPENDS
    measured = replace(
        evidence, train_ms_per_token={"cnn1d": 0.001, "lstm": 0.01, "gru": 0.02, "rnn": 0.008}
    )
    assert verdict(check_claims(measured), "faster to train") == SUPPORTED
    close = replace(evidence, accuracy={**evidence.accuracy, "cnn1d": 0.81})
    assert verdict(check_claims(close), "natural choice") == DEPENDS
    long_memory = {g: 0.5 for g in (0, 10, 20, 60)}
    far = replace(evidence, negation={**evidence.negation, "gru": long_memory})
    far_claims = check_claims(far)
    assert verdict(far_claims, "long sequences") == SUPPORTED
    assert verdict(far_claims, "fifty pages") == DEPENDS
    assert "GRU's 'not' still counts up to about 60 words" in next(
        c.evidence for c in far_claims if "long sequences" in c.claim
    )


def test_no_reader_remembering_anything_does_not_break_the_table(evidence: Evidence) -> None:
    forgetful = replace(evidence, negation={k: {0: 0.0} for k in evidence.negation})
    claims = check_claims(forgetful)
    assert len(claims) == 8
    assert all(c.verdict in (SUPPORTED, NOT_SUPPORTED, DEPENDS) for c in claims)


def test_training_speed_on_identical_digits_is_judged_by_epoch_times(evidence: Evidence) -> None:
    def verdict_for(cnn: float) -> str:
        timed = replace(
            evidence,
            digit_epoch_seconds={"cnn": cnn, "lstm": 0.54, "gru": 0.86, "rnn": 0.37},
            digit_timing_source="a test",
        )
        return check_claim("train-speed", timed).verdict

    assert verdict_for(0.30) == SUPPORTED  # faster than every row reader
    assert verdict_for(0.81) == DEPENDS  # between the RNN's 0.37 and the GRU's 0.86
    assert verdict_for(0.90) == NOT_SUPPORTED  # slower than every one
    claim = check_claim(
        "train-speed",
        replace(
            evidence, digit_epoch_seconds={"cnn": 0.81, "lstm": 0.54, "gru": 0.86, "rnn": 0.37}
        ),
    )
    assert "the CNN 0.81 s; LSTM 0.54 s, GRU 0.86 s, vanilla RNN 0.37 s" in claim.evidence
