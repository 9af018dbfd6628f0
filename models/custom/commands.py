"""The command-line verbs for brought models: `check` and `states` (wired in models/cli.py).

    python -m models check CONFIG.toml ...            one JSON line per good config
    python -m models check --models DIR [--model N]   every config of a folder (or one of it)
    python -m models states --models DIR --model N "text" --out F.npz

`open_sequence` opens a brought sequence model for the text verbs of models/cli.py.

A refused config is one line on stderr, `error: <config>: <problem>`, and the exit status is 1;
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from models.custom.config import ConfigError
from models.custom.folder import UserModel, find_config, load_models_dir, open_model
from models.custom.sequence_spec import OwnSequenceSpec, own_sequence_spec
from models.custom.text import encode


def add_commands(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser("check", help="check brought model configs: load, run, look in")
    check.add_argument("configs", nargs="*", metavar="CONFIG", help="a model's .toml file")
    check.add_argument("--models", type=Path, metavar="DIR", help="a folder of model configs")
    check.add_argument("--model", metavar="NAME", help="with --models: only this model")

    states = commands.add_parser("states", help="a brought recurrent model's states over a text")
    states.add_argument("text", metavar="TEXT")
    states.add_argument("--models", type=Path, metavar="DIR", required=True)
    states.add_argument("--model", metavar="NAME", required=True)
    states.add_argument("--out", type=Path, metavar="F.npz", required=True)


def run(args: argparse.Namespace) -> int | None:
    """The exit status of a verb of this module, or None if `args` is another verb's."""
    if args.command == "check":
        return check(args.configs, args.models, args.model)
    if args.command == "states":
        return states(args.models, args.model, args.text, args.out)
    return None


def _error(subject: str, problem: str) -> None:
    print(f"error: {subject}: {problem}", file=sys.stderr)


def check(configs: list[str], folder: Path | None, only: str | None) -> int:
    if not configs and folder is None:
        _error("check", "give CONFIG.toml files or --models DIR")
        return 2
    if only is not None and folder is None:
        _error("--model", "goes with --models DIR")
        return 2
    status = 0
    for config in configs:
        model = _open(config)
        if model is None:
            status = 1
        else:
            print(json.dumps(model.as_json()), flush=True)
    if folder is not None and only is not None:
        model = _one(folder, only)
        if isinstance(model, int):
            return model
        print(json.dumps(model.as_json()), flush=True)
    elif folder is not None:
        found = load_models_dir(folder)
        for model in found.models:
            print(json.dumps(model.as_json()), flush=True)
        for refusal in found.refused:
            _error(refusal.config, refusal.reason)
        status = max(status, 1 if found.refused else 0)
    return status


def _one(folder: Path, name: str) -> UserModel | int:
    """The model `name` of `folder`, loaded alone, or the exit status after saying why not."""
    if not folder.is_dir():
        _error(str(folder), "no such folder")
        return 1
    config = find_config(folder, name)
    if config is None:
        _error(name, f"no model of that name in {folder}")
        return 1
    return _open(config) or 1


def _open(config: Path | str) -> UserModel | None:
    """The model of one config, or None after saying on stderr why not."""
    try:
        return open_model(config)
    except ConfigError as error:
        _error(error.config, error.problem)
    except Exception as error:  # what the brought code raises past the checks
        _error(str(config), " ".join(f"{type(error).__name__}: {error}".split()))
    return None


def states(folder: Path, name: str, text: str, out: Path) -> int:
    model = _one(folder, name)
    if isinstance(model, int):
        return model
    loaded = model.loaded
    if loaded.kind != "sequence" or loaded.vocab is None or loaded.config.text is None:
        _error(name, "is a CNN: states are for sequence models")
        return 2
    if model.reader is None:
        _error(name, model.problem or "its recurrent layers cannot be stepped")
        return 1
    encoded = encode(text, loaded.config.text, loaded.vocab)
    if not encoded.ids:
        _error(repr(text), "has no tokens to read")
        return 1
    read = model.reader.read(encoded.tensor())
    arrays: dict[str, np.ndarray] = {"logits": read.logits[0].numpy()}
    # Layers of several recurrent modules stack into one array when they have the same shape;
    # otherwise only the last module's are written (the JSON line says which).
    shapes = {(s.kind, len(s.layers[0]), s.layers[0][0]["h"].shape[-1]) for s in read.steps}
    written = range(len(read.steps)) if len(shapes) == 1 else [len(read.steps) - 1]
    for value in read.steps[-1].names:
        stacked = [read.steps[index].stacked(value) for index in written]
        arrays[value] = torch.cat(stacked, dim=1).numpy()  # (T, layers, directions, units)
    if read.verdicts is not None:
        arrays["verdicts"] = read.verdicts.numpy()
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, tokens=np.asarray(encoded.tokens, dtype=str), **arrays)
    probs = torch.softmax(read.logits[0], dim=0)
    record = {
        "model": name,
        "text": text,
        "tokens": list(encoded.tokens),
        "known": list(encoded.known),
        "probs": {c: round(float(p), 6) for c, p in zip(loaded.classes, probs, strict=True)},
        "h": list(arrays["h"].shape),
        "recurrent": [model.reader.layers[index].path for index in written],
        "verdicts": None
        if read.verdicts is None
        else [loaded.classes[int(i)] for i in read.verdicts.argmax(dim=1)],
        "difference": read.difference,
        "npz": str(out),
    }
    print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


def open_sequence(folder: Path, name: str) -> OwnSequenceSpec | int:
    """The brought sequence model `name` of `folder` as the text verbs read it, or the exit
    status after saying why not in one line."""
    model = _one(folder, name)
    if isinstance(model, int):
        return model
    if model.loaded.kind != "sequence":
        _error(name, "is a CNN: this verb reads texts with a sequence model")
        return 2
    spec = own_sequence_spec(model)
    if spec.problem is not None:
        _error(name, spec.problem)
        return 1
    return spec
