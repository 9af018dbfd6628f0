"""Numbers for the CNN-vs-RNN page, each computed from the shipped models on this machine."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from models.cnn.registry import CNN_MODELS
from models.compare.negation_gap import effect_by_gap, probes
from models.sequence.sentiment import SentimentModel


def final_scores(model: SentimentModel, sentences: list[tuple[str, ...]]) -> list[float]:
    """Final score of each sentence; sentences of equal length run as one batch."""
    scores: dict[int, float] = {}
    by_length: dict[int, list[int]] = {}
    for index, tokens in enumerate(sentences):
        by_length.setdefault(len(tokens), []).append(index)
    with torch.inference_mode():
        for indices in by_length.values():
            ids = torch.cat([model.ids(sentences[i]) for i in indices])  # (B, T)
            for i, score in zip(indices, model(ids)[:, -1].tolist(), strict=True):
                scores[i] = score
    return [scores[i] for i in range(len(sentences))]


def negation_effects(readers: Mapping[str, SentimentModel]) -> dict[str, dict[int, float]]:
    """Each reader's effect of "not" on its verdict, by gap (models/compare/negation_gap.py)."""
    probe_list = probes()
    effects = {}
    for name, model in readers.items():
        plain = final_scores(model, [p.plain for p in probe_list])
        negated = final_scores(model, [p.negated for p in probe_list])
        effects[name] = effect_by_gap(plain, negated, probe_list)
    return effects


def cnn_receptive_fields() -> dict[str, list[tuple[str, int]]]:
    """(stage, receptive field side in pixels) of every stage of each image CNN."""
    return {
        name: [(stage, field.size) for stage, field in spec.receptive_fields().items()]
        for name, spec in CNN_MODELS.items()
    }
