"""The command-line verbs on the operator's models (`--models DIR --model NAME`): a brought
sequence model through `attribute`, a brought digit CNN through `digits`, each equal to the
module's own outputs; the verbs that cannot take a brought model refuse in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from models.cli import main
from models.custom.folder import ModelsFolder, load_models_dir
from models.custom.text import encode
from models.digits.prepare import open_digit_picture, prepare_digit
from tests.helpers.frozen import assert_untouched, snapshot
from tests.helpers.held_out import held_out_png

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "own_model"
TEXT = "The food was not good at all"


@pytest.fixture(scope="module")
def examples() -> ModelsFolder:
    return load_models_dir(EXAMPLES)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict], list[str]]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err.splitlines()


def log_probs(module: torch.nn.Module, ids: list[int]) -> torch.Tensor:
    with torch.inference_mode():
        return torch.log_softmax(module(torch.tensor([ids])).double(), dim=1)[0]


@pytest.mark.parametrize("name", ["mood_gru", "mood_lstm"])
def test_attribute_reads_a_brought_model_with_its_own_log_probabilities(
    capsys: pytest.CaptureFixture[str], examples: ModelsFolder, name: str
) -> None:
    loaded = examples.model(name).loaded
    assert loaded.vocab is not None and loaded.config.text is not None
    before = snapshot(loaded.module)
    ids = list(encode(TEXT, loaded.config.text, loaded.vocab).ids)
    own = log_probs(loaded.module, ids)
    target = int(own.argmax())
    common = ("attribute", "--models", str(EXAMPLES), "--model", name, TEXT)
    status, (ig,), errors = run(capsys, *common)
    assert (status, errors) == (0, [])
    assert ig["class"] == loaded.classes[target]
    assert ig["tokens"] == ["the", "food", "was", "not", "good", "at", "all"]
    assert ig["final"] == pytest.approx(float(own[target]), abs=1e-5)
    # Integrated gradients add up to the change from the all-zero word vectors (within 1%).
    embedding = next(m for m in loaded.module.modules() if isinstance(m, torch.nn.Embedding))
    with torch.inference_mode():
        saved = embedding.weight.clone()
    zero = _with_zero_vectors(loaded.module, embedding, ids)
    assert torch.equal(embedding.weight, saved)
    gap = float(own[target]) - float(zero[target])
    assert sum(ig["attribution"]) == pytest.approx(gap, rel=0.01, abs=1e-4)
    status, (left_out,), errors = run(capsys, *common, "--method", "occlusion")
    assert (status, errors) == (0, [])
    for index, value in enumerate(left_out["attribution"]):
        without = log_probs(loaded.module, ids[:index] + ids[index + 1 :])[target]
        assert value == pytest.approx(float(own[target] - without), abs=1e-5)
    assert_untouched(loaded.module, before)


def _with_zero_vectors(
    module: torch.nn.Module, embedding: torch.nn.Embedding, ids: list[int]
) -> torch.Tensor:
    """The log-probabilities of the text read with every word vector zero, by a forward hook on
    the embedding of this test's own copy of the module (the CLI loads its own)."""
    handle = embedding.register_forward_hook(lambda _m, _i, out: torch.zeros_like(out))
    try:
        return log_probs(module, ids)
    finally:
        handle.remove()


def test_digits_reads_a_brought_cnn_with_its_own_normalisation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], examples: ModelsFolder
) -> None:
    loaded = examples.model("resdigits").loaded
    paths, expected = [], []
    for index in range(3):
        data, label = held_out_png(index)
        path = tmp_path / f"{index}.png"
        path.write_bytes(data)
        paths.append(str(path))
        digit = torch.tensor(prepare_digit(open_digit_picture(data)).digit)[None, None]
        with torch.inference_mode():
            probs = torch.softmax(loaded.module((digit - 0.1307) / 0.3081)[0], dim=0)
        expected.append((label, probs.numpy()))
    args = ("digits", *paths, "--models", str(EXAMPLES), "--model", "resdigits")
    status, records, errors = run(capsys, *args)
    assert (status, errors) == (0, [])
    for record, (_, probs) in zip(records, expected, strict=True):
        np.testing.assert_allclose(record["probs"], probs, atol=2e-6)
        assert record["digit"] == int(probs.argmax()) and record["after_rows"] is None
    assert sum(r["digit"] == label for r, (label, _) in zip(records, expected, strict=True)) >= 2


@pytest.mark.parametrize(
    ("args", "status", "error"),
    [
        (
            ("sentiment", "--model", "mood_gru", "good"),
            2,
            "error: mood_gru: gives no running sentiment score: it sorts a text into classes "
            "(use attribute, or states for its insides)",
        ),
        (
            ("attribute", "--model", "resdigits", "good"),
            2,
            "error: resdigits: is a CNN: this verb reads texts with a sequence model",
        ),
        (
            ("digits", "--model", "mood_lstm", "x.png"),
            1,
            "error: mood_lstm: is a sequence model, not a CNN",
        ),
        (
            ("attribute", "--model", "nobody", "good"),
            1,
            f"error: nobody: no model of that name in {EXAMPLES}",
        ),
    ],
)
def test_a_verb_that_cannot_take_the_brought_model_says_so_in_one_line(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], status: int, error: str
) -> None:
    got, records, errors = run(capsys, *args, "--models", str(EXAMPLES))
    assert (got, records, errors) == (status, [], [error])


def test_a_name_of_no_shipped_reader_without_a_folder_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, records, errors = run(capsys, "digits", "--model", "mood_gru", "x.png")
    assert (status, records) == (2, [])
    assert errors == [
        "error: --model: 'mood_gru' is not one of cnn, lstm, gru, rnn; give --models DIR for "
        "the operator's models"
    ]
