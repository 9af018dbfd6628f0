"""One model instance serves every session: concurrent traces agree and leave it untouched."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from bench.harness.paths import SAMPLES
from models.cnn.explain import effective_receptive_field, explain
from models.cnn.registry import CNN_MODELS, load_cnn
from models.cnn.trace import trace_image
from models.compare.memory_reach import gradient_by_distance
from models.sequence.attribution import integrated_gradients
from models.sequence.registry import load_sequence_model, trace_text
from models.sequence.text import word_tokens
from tests.helpers.frozen import assert_untouched, snapshot


def test_concurrent_cnn_traces_match_sequential_ones() -> None:
    model = load_cnn("squeezenet1_1")
    before = snapshot(model)
    photos = [
        Image.open(SAMPLES / f"{name}.jpg") for name in ("chelsea", "coffee", "rocket", "flower")
    ]
    expected = [trace_image(model, "squeezenet1_1", photo) for photo in photos]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda p: trace_image(model, "squeezenet1_1", p), photos * 3))
    for index, result in enumerate(results):
        reference = expected[index % len(photos)]
        np.testing.assert_allclose(result.probs, reference.probs, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(
            result.stages[3].maps, reference.stages[3].maps, rtol=1e-5, atol=1e-5
        )
    assert_untouched(model, before)


def test_concurrent_lstm_traces_match_sequential_ones() -> None:
    model = load_sequence_model("lstm")
    before = snapshot(model)
    texts = ["not good at all", "a wonderful ending", "good but boring", "the worst service"]
    expected = [trace_text(model, "lstm", text).sentiment for text in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda t: trace_text(model, "lstm", t).sentiment, texts * 3))
    for index, result in enumerate(results):
        np.testing.assert_allclose(result, expected[index % len(texts)], rtol=1e-5, atol=1e-6)
    assert_untouched(model, before)


def test_gradient_features_on_shared_models_agree_under_16_threads() -> None:
    """Grad-CAM, effective receptive fields, integrated gradients and gradients by distance
    all differentiate through models that every session shares: 16 at once must give exactly
    what one at a time gives, and leave the models as they were."""
    cnn = load_cnn("squeezenet1_1")
    reader = load_sequence_model("lstm")
    batch, _ = CNN_MODELS["squeezenet1_1"].preprocess(Image.open(SAMPLES / "chelsea.jpg"))
    sentences = [word_tokens(t) for t in ("not good at all", "a wonderful ending", "dull , slow")]
    jobs = [
        *(lambda k=k: explain("squeezenet1_1", cnn, batch, "gradcam", k, "fire7").heatmap
          for k in (281, 285, 967, 504)),
        *(lambda r=r: effective_receptive_field(cnn, batch, "fire4", r, 5) for r in (2, 9)),
        *(lambda t=t: integrated_gradients(reader, t).values for t in sentences),
        *(lambda t=t: gradient_by_distance(reader, t) for t in sentences),
    ]  # fmt: skip
    jobs = (jobs * 2)[:16]
    expected = [job() for job in jobs]
    before = {model: snapshot(model) for model in (cnn, reader)}
    with ThreadPoolExecutor(max_workers=16) as pool:
        got = list(pool.map(lambda job: job(), jobs))
    for want, have in zip(expected, got, strict=True):
        np.testing.assert_allclose(have, want, rtol=1e-5, atol=1e-7)
    for model, was in before.items():
        assert_untouched(model, was)
