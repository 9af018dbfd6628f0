"""The check's six questions on real measurements: each answer is what the models did, and
follows the example asked about (another model, stage, photo, gap, distance or length)."""

from __future__ import annotations

import numpy as np
import torch

from bench.harness.paths import SAMPLES
from models import checks
from models.cnn.explain import class_activation_map_of, effective_receptive_field
from models.cnn.imagenet import class_names
from models.cnn.images import load_photo
from models.cnn.registry import CNN_MODELS, load_cnn
from models.cnn.trace import trace_image
from models.sequence.registry import load_sequence_model
from ui.cache.compare import corpus_gradients, negation_table, summaries

LABELS = {"lstm": "LSTM", "gru": "GRU", "rnn": "plain RNN", "cnn1d": "1D CNN"}


def traced(model_name: str, sample: str):
    model = load_cnn(model_name)
    photo = load_photo((SAMPLES / f"{sample}.jpg").read_bytes())
    return model, trace_image(model, model_name, photo.image)


def test_the_last_maps_side_is_the_traced_models_last_stage() -> None:
    for name in CNN_MODELS:
        spec = CNN_MODELS[name]
        _, trace = traced(name, "chelsea")
        sides = [(stage.name, stage.shape[1]) for stage in trace.stages]  # as the model ran
        check = checks.maps_check(spec.title, trace.shown.shape[0], sides)
        last = trace.stages[-1].shape[1]
        assert check.answer == f"{last}×{last}" and last < sides[0][1] / 4, (name, sides)
        assert check.choices[0] == check.answer  # the smallest: the maps only shrink
        assert f"{trace.shown.shape[0]}×{trace.shown.shape[0]}" == check.choices[-1]
    assert {checks.maps_check("x", 227, [("a", 113), ("b", 13)]).answer} == {"13×13"}


def seen_width(model_name: str, stage: str) -> int:
    """Columns of the photo whose pixels move the middle unit of `stage`: its field, measured
    by the gradient rather than worked out from the kernels."""
    model = load_cnn(model_name)
    spec = CNN_MODELS[model_name]
    batch, _ = spec.preprocess(load_photo((SAMPLES / "chelsea.jpg").read_bytes()).image)
    middle = spec.receptive_fields()[stage].map_size // 2
    gradient = effective_receptive_field(model, batch, stage, middle, middle)
    columns = np.flatnonzero(np.abs(np.asarray(gradient)).sum(axis=0) > 0)
    return int(columns[-1] - columns[0] + 1)


def test_what_one_unit_sees_follows_the_stage_and_the_model() -> None:
    answers = {}
    asked = (("squeezenet1_1", 6), ("efficientnet_lite0", 9), ("squeezenet1_1", 3))
    for model_name, index in asked:
        spec = CNN_MODELS[model_name]
        stage, field = list(spec.receptive_fields().items())[index]
        check = checks.field_check(
            spec.title, spec.input_size, stage, index + 1, 10, field.size, field.map_size
        )
        width = seen_width(model_name, stage)
        assert width <= field.size  # the gradient reaches no further than the kernels allow
        measured = checks.lessons.field_share(width, field.map_size, spec.input_size)
        assert check.answer == measured, (model_name, stage, width, field.size)
        answers[(model_name, index)] = check.answer
    assert answers == {
        ("squeezenet1_1", 6): "about half",  # 143 of 227 pixels
        ("efficientnet_lite0", 9): "all of it, or more",  # 211 of 224
        ("squeezenet1_1", 3): "about a quarter",  # 47 of 227
    }


def test_the_evidence_is_where_the_class_map_peaks_on_each_photo() -> None:
    found = {}
    for sample in ("china", "brick"):
        model, trace = traced("squeezenet1_1", sample)
        best = trace.top(1)[0][0]
        with torch.inference_mode():
            evidence = class_activation_map_of(trace, model, best)
        check = checks.evidence_check(
            class_names()[best], evidence.peak_input(), trace.shown.shape[0], "SqueezeNet"
        )
        found[sample] = (class_names()[best], check.answer)
        assert class_names()[best] in check.question
    assert found == {"china": ("dome", "top left"), "brick": ("prison", "bottom left")}


def test_the_not_heard_most_depends_on_the_gap() -> None:
    effects = negation_table()
    window = summaries()["cnn1d"].receptive_field
    asked = {gap: checks.not_check(gap, effects, LABELS, "cnn1d", window) for gap in (0, 2, 4)}
    # right after the "not" the GRU moves most (+0.95 against +0.83); two and four words on,
    # the LSTM (+0.35 against +0.21, +0.19 against +0.12)
    assert {gap: check.answer for gap, check in asked.items()} == {0: "GRU", 2: "LSTM", 4: "LSTM"}
    assert asked[2].choices == ("LSTM", "GRU", "plain RNN", "1D CNN")
    assert "… 2 neutral words …" in asked[2].question and f"{window} words" in asked[2].intro
    assert f"LSTM {effects['lstm'][4]:+.2f}" in asked[4].why


def test_the_gradient_that_fades_most_depends_on_the_distance() -> None:
    medians = {name: corpus_gradients()[name][1] for name in ("lstm", "gru", "rnn")}
    answers = {d: checks.gradient_check(d, 100, 40, medians, LABELS).answer for d in (9, 30, 70)}
    # a few words back the LSTM has lost the most; from a score of words on, the plain RNN
    assert answers == {9: "LSTM", 30: "plain RNN", 70: "plain RNN"}
    shares = {n: float(c[70] / c[0]) for n, c in medians.items()}
    assert min(shares, key=shares.get) == "rnn" and shares["rnn"] < shares["gru"] / 5


def test_steps_in_a_row_are_the_words_for_a_recurrent_reader_and_the_layers_for_a_cnn() -> None:
    found = summaries()
    conv_layers = sum(
        isinstance(module, torch.nn.Conv1d) for module in load_sequence_model("cnn1d").modules()
    )
    for words in (50, 400):
        check = checks.steps_check(
            words, "GRU", found["gru"].sequential_steps, "1D CNN", found["cnn1d"].sequential_steps
        )
        assert check.answer == f"GRU {words:,} · 1D CNN {conv_layers}"
        assert f"GRU {conv_layers} · 1D CNN {words:,}" in check.choices  # the swap is offered
        assert len(set(check.choices)) == len(check.choices) == 4


def test_a_score_counts_the_right_answers_only() -> None:
    asked = [
        checks.maps_check("x", 227, [("a", 113), ("b", 13)]),
        checks.steps_check(50, "GRU", None, "1D CNN", 2),
    ]
    assert checks.score(asked, {"maps": "13×13", "steps": "GRU 2 · 1D CNN 50"}) == 1
    assert checks.score(asked, {"maps": "13×13", "steps": "GRU 50 · 1D CNN 2"}) == 2
    assert checks.score(asked, {}) == 0
