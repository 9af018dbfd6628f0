"""The cell memory split into per-token parts: exact on hand-made gates and on the real model."""

from __future__ import annotations

import numpy as np
import pytest

from models.sequence.lstm_memory import memory_at_step
from models.sequence.registry import load_sequence_model, trace_text


def test_hand_made_gates() -> None:
    f = np.array([[0.9], [0.5], [0.2]], dtype=np.float32)
    i = np.array([[1.0], [1.0], [0.5]], dtype=np.float32)
    g = np.array([[1.0], [-1.0], [1.0]], dtype=np.float32)
    memory = memory_at_step(f, i, g, 3)
    # Token 1 wrote +1, then kept 0.5 * 0.2; token 2 wrote -1, kept 0.2; token 3 wrote +0.5.
    np.testing.assert_allclose(memory.kept[:, 0], [0.1, 0.2, 1.0], rtol=1e-6)
    np.testing.assert_allclose(memory.parts[:, 0], [0.1, -0.2, 0.5], rtol=1e-6)
    np.testing.assert_allclose(memory.share_by_token(), [0.125, 0.25, 0.625], rtol=1e-6)
    first = memory_at_step(f, i, g, 1)
    np.testing.assert_allclose(first.parts[:, 0], [1.0])
    with pytest.raises(ValueError):
        memory_at_step(f, i, g, 4)


def test_parts_add_up_to_the_real_cell_state() -> None:
    trace = trace_text(
        load_sequence_model("lstm"), "lstm", "The film was not good, but the ending was wonderful"
    )
    layer = trace.layers[0]
    for step in (1, 5, len(trace.tokens)):
        memory = memory_at_step(layer["f"], layer["i"], layer["g"], step)
        assert memory.parts.shape == (step, layer["c"].shape[1])
        np.testing.assert_allclose(memory.parts.sum(axis=0), layer["c"][step - 1], atol=1e-5)
        assert np.all((memory.kept > 0) & (memory.kept <= 1))
    # What "not" (token 4) wrote fades but is still there when "wonderful" arrives.
    last = memory_at_step(layer["f"], layer["i"], layer["g"], len(trace.tokens))
    assert 0 < last.share_by_token()[3] < 1
    assert last.share_by_token().sum() == pytest.approx(1.0)
