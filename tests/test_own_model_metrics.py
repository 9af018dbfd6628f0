"""The shipped example models' held-out accuracies (examples/own_model/metrics.json) are what
their shipped weights give, read through their configs as the app reads them."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import torch

from models.custom.config import TextSpec
from models.custom.loading import LoadedModel, load_model
from models.custom.text import encode, tokenize
from models.digits.data import digit_set

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "own_model"
SENTENCES = Path(__file__).resolve().parent.parent / "assets" / "heldout_sentences.tsv"


def loaded(name: str) -> LoadedModel:
    """The example as its config loads it (checked; its insides are not captured here)."""
    return load_model(EXAMPLES / f"{name}.toml")


def recorded(name: str) -> dict:
    return json.loads((EXAMPLES / "metrics.json").read_text(encoding="utf-8"))["models"][name]


def test_the_digit_cnns_held_out_accuracy_is_its_weights() -> None:
    model = loaded("resdigits")
    image = model.config.image
    assert image is not None
    images, labels = digit_set().tensors("test")
    x = (images[:, None] - image.mean[0]) / image.std[0]
    with torch.inference_mode():
        right = int((model.module(x).argmax(1) == labels).sum())
    assert recorded("resdigits") | {"held_out": ""} == {
        "accuracy": round(right / len(labels), 4),
        "right": right,
        "of": 1000,
        "held_out": "",
    }


def held_out_sentences(spec: TextSpec) -> list[tuple[str, int]]:
    """The training script's held-out part, by its recipe (seed 0, 85% / 15%), as raw texts."""
    examples = []
    for line in SENTENCES.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        rating, text = line.split("\t", 1)
        if abs(float(rating)) > 0.5 and tokenize(text, spec):
            examples.append((text, int(float(rating) > 0)))
    random.Random(0).shuffle(examples)
    return examples[int(0.85 * len(examples)) :]


@pytest.mark.parametrize("name", ["mood_gru", "mood_lstm"])
def test_the_text_readers_held_out_accuracy_is_their_weights(name: str) -> None:
    model = loaded(name)
    assert model.config.text is not None and model.vocab is not None
    right = 0
    test = held_out_sentences(model.config.text)
    with torch.inference_mode():
        for text, label in test:
            ids = encode(text, model.config.text, model.vocab).tensor()
            right += int(int(model.module(ids).argmax(1)) == label)
    assert recorded(name)["right"] == right and recorded(name)["of"] == len(test) == 287
    assert recorded(name)["accuracy"] == round(right / len(test), 4)
