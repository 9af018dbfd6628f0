"""The operator's folder as the app serves it: loaded once per process, listed on Home with the
refused configs and their reasons, shown as plain text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import serving.own_models
from bench.harness.apptest import open_page
from models.cnn.registry import CNN_MODELS, DEFAULT_CNN
from models.sequence.registry import DEFAULT_SEQUENCE, SEQUENCE_MODELS
from serving.own_models import MODELS_DIR_VARIABLE, own_models
from tests.fixtures.branching_folder import write_branching
from ui.common.pages import CNN, HOME, LSTM

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "own_model"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped examples, one hostile config and one that names a shipped model."""
    for path in EXAMPLES.iterdir():
        if path.suffix in (".toml", ".py", ".pt", ".txt"):
            shutil.copy(path, tmp_path / path.name)
    (tmp_path / "broken.toml").write_text('[model]\nname = "**bold** [link](http://x)"\n')
    clash = (tmp_path / "resdigits.toml").read_text().replace('"resdigits"', '"squeezenet1_1"')
    (tmp_path / "clash.toml").write_text(clash)
    monkeypatch.setenv(MODELS_DIR_VARIABLE, str(tmp_path))
    monkeypatch.setattr(serving.own_models, "_loaded", {})
    return tmp_path


def test_the_folder_is_loaded_once_per_process(folder: Path) -> None:
    first = own_models()
    assert [m.name for m in first.models] == ["mood_gru", "mood_lstm", "resdigits"]
    assert own_models() is first


def test_without_a_folder_there_are_no_own_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODELS_DIR_VARIABLE, raising=False)
    assert own_models().models == () and own_models().refused == ()


def test_home_lists_the_served_and_the_refused_with_their_reasons(folder: Path) -> None:
    at = open_page(HOME)
    assert not at.exception
    served, refused = (
        frame.value
        for frame in at.dataframe
        if "name" in frame.value.columns or "reason" in frame.value.columns
    )
    assert list(served["name"]) == ["mood_gru", "mood_lstm", "resdigits"]
    assert dict(zip(refused["config"], refused["reason"], strict=True)).keys() == {
        "broken.toml",
        "clash.toml",
    }
    reasons = dict(zip(refused["config"], refused["reason"], strict=True))
    assert "squeezenet1_1" in reasons["clash.toml"] and "app's own" in reasons["clash.toml"]
    # The hostile name is shown in a table cell, never rendered as markdown anywhere.
    assert not any("[link]" in m.value or "**bold**" in m.value for m in at.markdown)


def test_an_operators_title_is_shown_as_written_in_the_model_choosers(folder: Path) -> None:
    """The choosers' labels are markdown: a config's title is escaped there, the app's are not."""
    for config in ("resdigits.toml", "mood_gru.toml"):
        path = folder / config
        text = path.read_text()
        title = next(line for line in text.splitlines() if line.startswith("title"))
        path.write_text(text.replace(title, 'title = "**Loud** [link](x)"'))
    escaped = r"\*\*Loud\*\* \[link\]\(x\)"
    shipped = (CNN_MODELS[DEFAULT_CNN].title, SEQUENCE_MODELS[DEFAULT_SEQUENCE].title)
    for page, key, title in zip((CNN, LSTM), ("cnn_model", "lstm_model"), shipped, strict=True):
        options = open_page(page).sidebar.radio(key=key).options
        assert escaped in options and title in options, options


def test_home_says_a_cnn_export_cannot_follow_is_served_without_export(folder: Path) -> None:
    write_branching(folder, "build")
    at = open_page(HOME)
    assert not at.exception
    served = next(frame.value for frame in at.dataframe if "name" in frame.value.columns)
    notes = dict(zip(served["name"], served["note"], strict=True))
    assert notes["branching"].startswith(
        "served without export: torch.export cannot capture this model's forward pass: "
    )
    assert notes["resdigits"] == ""
