"""Brought models: good configs load and check; hostile and broken ones are refused in one line.

The shipped examples (examples/own_model) are the good configs; every broken one is a copy of
an example in a temporary folder with one thing changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from models.cli import main
from models.custom.config import ConfigError, read_config
from models.custom.folder import ModelsFolder, load_models_dir, open_model
from models.custom.images import preprocess
from models.custom.loading import load_model
from models.digits.data import digit_set

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "own_model"


@pytest.fixture(scope="module")
def examples() -> ModelsFolder:
    return load_models_dir(EXAMPLES)


def copy_examples(folder: Path) -> Path:
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("__pycache__", "train.py"))
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def set_weights(config: Path, weights: Path) -> None:
    """Point `config` at `weights` (in its folder), with that file's true sha256."""
    text = config.read_text()
    text = re.sub(r'weights = ".*"', f'weights = "{weights.name}"', text)
    config.write_text(re.sub(r'sha256 = ".*"', f'sha256 = "{sha256(weights)}"', text))


def test_the_examples_load_with_what_is_inside_them(examples: ModelsFolder) -> None:
    assert examples.refused == ()
    assert [model.name for model in examples.models] == ["mood_gru", "mood_lstm", "resdigits"]
    digits = examples.model("resdigits")
    assert digits.loaded.classes == tuple("0123456789")
    assert digits.taps is not None and digits.problem is None
    assert digits.taps.names == ("features.0", "features.1", "features.2", "features.3", "pool")
    assert [p.shape for p in digits.taps.points][2:] == [
        (1, 16, 14, 14),
        (1, 32, 7, 7),
        (1, 32, 1, 1),
    ]
    assert digits.taps.head is not None and digits.taps.head.stage == "features.3"
    lstm, gru = examples.model("mood_lstm"), examples.model("mood_gru")
    assert lstm.reader is not None and lstm.reader.head is lstm.loaded.module.out
    assert gru.reader is not None and gru.reader.head is None
    assert "both directions" in gru.reader.verdict_note
    assert [(r.kind, r.layers, r.directions, r.batch_first) for r in lstm.reader.layers] == [
        ("LSTM", 2, 1, False)
    ]
    assert [(r.kind, r.layers, r.directions, r.batch_first) for r in gru.reader.layers] == [
        ("GRU", 1, 2, True)
    ]


def test_the_digit_cnn_reads_held_out_digits_through_its_config(examples: ModelsFolder) -> None:
    """Pictures go through the config's [image] preprocessing; wrong normalisation or channels
    would make the trained model guess."""
    model = examples.model("resdigits")
    spec = model.loaded.config.image
    assert spec is not None
    digits = digit_set()
    index = digits.test[:200]
    batch = torch.cat([preprocess(Image.fromarray(digits.images[i]), spec)[0] for i in index])
    assert batch.shape == (200, 1, 28, 28)
    with torch.inference_mode():
        guesses = model.loaded.module(batch).argmax(1).numpy()
    assert (guesses == digits.labels[index]).mean() > 0.9


def test_a_photo_is_cropped_to_grey_as_configured(examples: ModelsFolder) -> None:
    spec = examples.model("resdigits").loaded.config.image
    assert spec is not None
    photo = Image.new("RGB", (90, 60), (255, 0, 0))
    x, shown = preprocess(photo, spec)
    grey = 76  # Pillow's L of pure red: 299/1000 × 255
    assert shown.shape == (28, 28) and (shown == grey).all()
    assert torch.allclose(x, torch.full((1, 1, 28, 28), (grey / 255 - 0.1307) / 0.3081))


def evil_weights(path: Path, marker: Path) -> None:
    """A weights file whose unpickling would create `marker` (by calling open(marker, "w"))."""

    class Evil:
        def __reduce__(self) -> tuple[Callable[..., object], tuple[str, str]]:
            return open, (str(marker), "w")

    torch.save({"fc.weight": torch.zeros(1), "payload": Evil()}, path)


def test_weights_that_hold_code_are_refused_and_the_code_never_runs(tmp_path: Path) -> None:
    folder = copy_examples(tmp_path / "m")
    marker = tmp_path / "ran.txt"
    evil_weights(folder / "evil.pt", marker)
    set_weights(folder / "resdigits.toml", folder / "evil.pt")
    with pytest.raises(ConfigError) as caught:
        load_model(folder / "resdigits.toml")
    assert "weights evil.pt hold more than tensors" in str(caught.value)
    assert "weights_only" in str(caught.value)
    assert not marker.exists()
    with (folder / "evil.pt").open("rb") as handle:  # the file is live: a plain load runs it
        torch.load(handle, weights_only=False)
    assert marker.exists()


def state_of(name: str) -> dict[str, torch.Tensor]:
    return torch.load(EXAMPLES / f"{name}.pt", weights_only=True)


def save_state(folder: Path, config: str, change: Callable[[dict], object]) -> None:
    state = state_of(config)
    change(state)
    torch.save(state, folder / "changed.pt")
    set_weights(folder / f"{config}.toml", folder / "changed.pt")


def broken(folder: Path, case: str) -> str:
    """Break the copy in `folder` one way; return the config to load."""
    digits, lstm = folder / "resdigits.toml", folder / "mood_lstm.toml"
    if case == "missing weights":
        (folder / "resdigits.pt").unlink()
    elif case == "sha256 mismatch":
        with (folder / "resdigits.pt").open("ab") as handle:
            handle.write(b"\0")
    elif case == "missing keys":
        save_state(folder, "resdigits", lambda s: (s.pop("fc.weight"), s.pop("fc.bias")))
    elif case == "unexpected keys":
        save_state(folder, "resdigits", lambda s: s.update({"extra.weight": torch.zeros(2)}))
    elif case == "wrong shape":
        save_state(folder, "resdigits", lambda s: s.update({"fc.bias": torch.zeros(9)}))
    elif case == "not a state_dict":
        torch.save([torch.zeros(3)], folder / "changed.pt")
        set_weights(digits, folder / "changed.pt")
    elif case == "not a torch file":
        (folder / "changed.pt").write_bytes(b"PK\x03\x04 not really")
        set_weights(digits, folder / "changed.pt")
    elif case == "wrong class count":
        (folder / "digits.txt").write_text("".join(f"{d}\n" for d in range(9)))
    elif case == "output of the wrong shape":
        edit(folder / "resdigits.py", "return self.fc(torch.flatten(x, 1))", "return x")
    elif case == "output not a tensor":
        edit(folder / "resdigits.py", "return self.fc(torch.flatten(x, 1))", "return (x,)")
    elif case == "forward fails":
        edit(folder / "resdigits.py", "x = self.pool(x)", "x = self.pool(x[:, :3])")
    elif case == "vocab too big":
        with (folder / "vocab.txt").open("a") as handle:
            handle.write("zzextra\n")
    elif case == "vocab without unknown":
        edit(folder / "vocab.txt", "<unk>\n", "<unknown>\n")
    elif case == "builder missing":
        edit(digits, 'builder = "build"', 'builder = "make"')
    elif case == "code fails to import":
        edit(folder / "resdigits.py", "import torch\n", "import torch\nraise SystemExit(3)\n")
    elif case == "builder returns no module":
        edit(folder / "resdigits.py", "return ResDigits()", "return 42")
    return str(lstm if case.startswith("vocab") else digits)


LOAD_CASES = {
    "missing weights": "[model] weights resdigits.pt: no such file",
    "sha256 mismatch": "does not match the config's",
    "missing keys": "2 missing keys (fc.weight, fc.bias)",
    "unexpected keys": "1 unexpected key (extra.weight)",
    "wrong shape": "fc.bias is (9,) in the file, (10,) in the model",
    "not a state_dict": "are not a state_dict of named tensors",
    "not a torch file": "cannot be read by torch.load",
    "wrong class count": "[classes] 9 names for 10 outputs",
    "output of the wrong shape": "not float logits (1, K)",
    "output not a tensor": "returned a tuple, not a tensor of logits",
    "forward fails": "forward at (1, 1, 28, 28) failed",
    "vocab too big": "vocab has 1,001 tokens but the embedding embed has 1,000 rows",
    "vocab without unknown": "has no line for the unknown token '<unk>'",
    "builder missing": "has no function 'make'",
    "code fails to import": "failed to import: SystemExit: 3",
    "builder returns no module": "build() returned an object of type int, not an nn.Module",
}


@pytest.mark.parametrize("case", list(LOAD_CASES))
def test_broken_models_are_refused_in_one_line(tmp_path: Path, case: str) -> None:
    folder = copy_examples(tmp_path / "m")
    config = broken(folder, case)
    with pytest.raises(ConfigError) as caught:
        load_model(config)
    message = str(caught.value)
    assert message.startswith(f"{config}: ")
    assert "\n" not in message
    assert LOAD_CASES[case] in message, message


def config_text(**changes: str) -> str:
    """The digit config's text with lines replaced (key = value, matched by key)."""
    text = (EXAMPLES / "resdigits.toml").read_text()
    for key, line in changes.items():
        text = re.sub(rf"(?m)^{key} = .*$", line, text)
    return text


CONFIG_CASES: dict[str, tuple[str, str]] = {  # case: (config text, what the error says)
    "bad kind": (config_text(kind='kind = "transformer"'), 'must be "cnn" or "sequence"'),
    "kind not a string": (config_text(kind="kind = 3"), "[model] kind must be a string"),
    "missing key": (config_text(builder=""), "[model] is missing the key 'builder'"),
    "unexpected key": (
        config_text(builder='builder = "build"\nbackdoor = "x"'),
        "[model] has an unexpected key 'backdoor'",
    ),
    "unexpected table": (config_text() + "\n[extras]\na = 1\n", "unexpected table or key"),
    "missing table": (config_text().split("[classes]")[0], "missing table [classes]"),
    "bad name": (config_text(name='name = "Res Digits"'), "must match ^[a-z0-9_-]{1,40}$"),
    "bad sha256": (config_text(sha256='sha256 = "abc"'), "sha256 must be 64 hexadecimal"),
    "absolute path": (config_text(weights='weights = "/etc/passwd"'), "must be a path relative"),
    "path escaping": (config_text(weights='weights = "../x.pt"'), "leads out of the config's"),
    "hidden escape": (config_text(code='code = "a/../../x.py"'), "leads out of the config's"),
    "code not python": (config_text(code='code = "resdigits.txt"'), "must be a .py file"),
    "mean per channel": (config_text(mean="mean = [0.1, 0.2, 0.3]"), "mean has 3 values for 1"),
    "std not positive": (config_text(std="std = [0.0]"), "[image] std must be above 0"),
    "std not numbers": (config_text(std='std = ["x"]'), "std must be a list of finite numbers"),
    "channels": (config_text(channels="channels = 2"), "[image] channels must be 1 or 3"),
    "size": (config_text(size="size = 0"), "[image] size must be a whole number from 1"),
    "boolean size": (config_text(size="size = true"), "[image] size must be a whole number"),
    "resample": (config_text(resample='resample = "nearest"'), 'be "bilinear" or "bicubic"'),
    "text with a cnn": (config_text() + '\n[text]\ntokens = "word"\n', "[text] does not go"),
    "classes both ways": (
        config_text(file='file = "digits.txt"\nnames = ["a"]'),
        "[classes] needs either file or names",
    ),
    "not toml": ("[model\nname = 1", "not valid TOML"),
}


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_bad_configs_are_refused_before_any_file_is_opened(tmp_path: Path, case: str) -> None:
    text, expected = CONFIG_CASES[case]
    config = tmp_path / "resdigits.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_config(config)
    message = str(caught.value)
    assert message.startswith(f"{config}: ") and "\n" not in message
    assert expected in message, message


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    folder = copy_examples(tmp_path / "m")
    outside = tmp_path / "outside.pt"
    shutil.copy(folder / "resdigits.pt", outside)
    (folder / "link.pt").symlink_to(outside)
    edit(folder / "resdigits.toml", 'weights = "resdigits.pt"', 'weights = "link.pt"')
    with pytest.raises(ConfigError, match="leads out of the config's folder"):
        read_config(folder / "resdigits.toml")


def test_a_missing_config_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        read_config(tmp_path / "nothing.toml")
    assert str(caught.value) == f"{tmp_path / 'nothing.toml'}: no such file"


def test_a_folder_keeps_the_good_models_and_lists_the_refused(tmp_path: Path) -> None:
    folder = copy_examples(tmp_path / "m")
    broken(folder, "wrong class count")
    (folder / "twin.toml").write_text((folder / "mood_gru.toml").read_text())
    (folder / "odd.toml").write_text(
        (folder / "mood_lstm.toml").read_text().replace('"mood_lstm"', '"odd"', 1)
    )
    edit(folder / "mood_lstm.py", "return MoodLSTM()", "raise MemoryError('out of luck')")
    found = load_models_dir(folder, reserved=frozenset({"odd"}))
    assert [model.name for model in found.models] == ["mood_gru"]
    reasons = {Path(r.config).name: r.reason for r in found.refused}
    assert reasons == {
        "mood_lstm.toml": "build() failed: MemoryError: out of luck",
        "odd.toml": "the name 'odd' is one of the app's own models",
        "resdigits.toml": "[classes] 9 names for 10 outputs",
        "twin.toml": "the name 'mood_gru' is already used by mood_gru.toml",
    }
    assert load_models_dir(tmp_path / "none").refused[0].reason == "no such folder"


def test_a_model_torch_export_cannot_follow_is_served_from_a_private_copy(tmp_path: Path) -> None:
    folder = copy_examples(tmp_path / "m")
    edit(
        folder / "resdigits.py",
        "x = self.pool(x)",
        "x = self.pool(x) if x.sum() > -1e9 else self.pool(-x)",  # branches on a value
    )
    model = open_model(folder / "resdigits.toml")
    assert model.problem is None and model.taps is not None  # a private copy's, by hooks
    assert "\n" not in model.note
    assert model.note.startswith(
        "served without export: torch.export cannot capture this model's forward pass"
    )
    assert model.taps.names == ("features.0", "features.1", "features.2", "features.3", "pool")
    probe = model.loaded.probe()
    with torch.inference_mode():
        torch.testing.assert_close(model.taps.run(probe).logits, model.loaded.module(probe))


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list, list[str]]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err.splitlines()


def test_check_prints_what_it_found(capsys: pytest.CaptureFixture[str]) -> None:
    status, records, errors = run_main(capsys, "check", str(EXAMPLES / "mood_lstm.toml"))
    assert (status, errors) == (0, [])
    (record,) = records
    assert record["name"] == "mood_lstm" and record["kind"] == "sequence"
    assert record["parameters"] == 30914 and record["classes"] == 2 and record["vocab"] == 1000
    assert record["recurrent"] == [
        {"path": "lstm", "kind": "LSTM", "layers": 2, "directions": 1, "units": 32}
        | {"batch_first": False}
    ]
    assert record["verdict_per_token"] is True


def test_check_refuses_in_one_line_per_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_examples(tmp_path / "m")
    broken(folder, "sha256 mismatch")
    status, records, errors = run_main(capsys, "check", str(folder / "resdigits.toml"))
    assert status == 1 and records == []
    assert len(errors) == 1 and errors[0].startswith(f"error: {folder / 'resdigits.toml'}: ")
    (folder / "resdigits.toml").unlink()
    (folder / "bad.toml").write_text('[model]\nname = "bad"\n')
    status, records, errors = run_main(capsys, "check", "--models", str(folder))
    assert status == 1
    assert [record["name"] for record in records] == ["mood_gru", "mood_lstm"]
    assert errors == [f"error: {folder / 'bad.toml'}: [model] is missing the key 'builder'"]
    status, records, errors = run_main(capsys, "check", "--models", str(folder), "--model", "bad")
    assert (status, records) == (1, [])
    assert errors == [f"error: {folder / 'bad.toml'}: [model] is missing the key 'builder'"]
    status, records, errors = run_main(capsys, "check", "--models", str(folder), "--model", "x")
    assert (status, records, errors) == (1, [], [f"error: x: no model of that name in {folder}"])
    assert run_main(capsys, "check")[0] == 2


def test_check_by_subprocess_exits_1_without_a_traceback(tmp_path: Path) -> None:
    folder = copy_examples(tmp_path / "m")
    evil_weights(folder / "evil.pt", tmp_path / "ran.txt")
    set_weights(folder / "mood_gru.toml", folder / "evil.pt")
    configs = ("mood_lstm.toml", "mood_gru.toml")
    result = subprocess.run(
        [sys.executable, "-m", "models", "check", *(str(folder / f) for f in configs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert [json.loads(line)["name"] for line in result.stdout.splitlines()] == ["mood_lstm"]
    (error,) = result.stderr.splitlines()
    assert error.startswith(f"error: {folder / 'mood_gru.toml'}: weights evil.pt hold more")
    assert not (tmp_path / "ran.txt").exists()


def test_states_writes_every_layer_of_a_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], examples: ModelsFolder
) -> None:
    out = tmp_path / "s.npz"
    text = "The food was not good"
    args = ("states", "--models", str(EXAMPLES), "--model", "mood_lstm", text, "--out", str(out))
    status, (record,), errors = run_main(capsys, *args)
    assert (status, errors) == (0, [])
    assert record["tokens"] == ["the", "food", "was", "not", "good"]
    with np.load(out, allow_pickle=False) as saved:
        assert set(saved.files) == {"tokens", "logits", "verdicts", "h", "c", "f", "i", "g", "o"}
        assert saved["h"].shape == (5, 2, 1, 32) and saved["verdicts"].shape == (5, 2)
        h, logits = saved["h"], saved["logits"]
    model = examples.model("mood_lstm").loaded.module
    ids = torch.tensor([[model_id(examples, t) for t in record["tokens"]]])
    with torch.inference_mode():
        own, _ = model.lstm(model.embed(ids).transpose(0, 1))  # (T, 1, 32): the top layer
        assert np.allclose(h[:, 1, 0], own[:, 0].numpy(), atol=1e-5)
        assert np.allclose(logits, model(ids)[0].numpy(), atol=1e-5)
    status, _, errors = run_main(
        capsys, "states", "--models", str(EXAMPLES), "--model", "resdigits", "x", "--out", str(out)
    )
    assert status == 2 and errors == ["error: resdigits: is a CNN: states are for sequence models"]


def model_id(examples: ModelsFolder, token: str) -> int:
    vocab = examples.model("mood_lstm").loaded.vocab
    assert vocab is not None
    return vocab.ids.get(token, vocab.unknown_id)


def test_pickle_of_evil_weights_is_what_it_claims(tmp_path: Path) -> None:
    """The crafted file really is a pickle with a call in it (guards the refusal test)."""
    evil_weights(tmp_path / "evil.pt", tmp_path / "m.txt")
    with pytest.raises(pickle.UnpicklingError):
        torch.load(tmp_path / "evil.pt", weights_only=True)
