"""A folder of brought models: each `*.toml` loaded, checked and prepared, or refused with why.

A CNN torch.export cannot follow has its block outputs taken from a private copy instead
(copy_taps.py), and its `note` says it is served without export and why. A model that loads but
whose insides cannot be had (a copy that does not give the model's logits, a recurrent layer
the app cannot step) is kept: its predictions work, and `problem` says in one line why its
stages or states are not shown. A model that does not load is refused, with its
ConfigError's one line; so is a second config using a name already taken (by another config
or by one of `reserved`, the app's own models). Loading a folder never raises.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from models.custom.config import ConfigError, read_config
from models.custom.copy_taps import tap_private_copy
from models.custom.loading import LoadedModel, load_model
from models.custom.reader import SequenceReader, read_sequence_model
from models.custom.recurrent import RecurrentError
from models.custom.taps import ExportError, TapError, TappedCnn, tap_cnn


@dataclass(frozen=True)
class UserModel:
    loaded: LoadedModel
    taps: TappedCnn | None  # kind "cnn", when its graph could be captured
    reader: SequenceReader | None  # kind "sequence", when its recurrent layers can be stepped
    problem: str | None  # why taps or reader is missing, in one line

    @property
    def note(self) -> str:
        """What Home says of it: why its insides are missing, or how they are taken."""
        if self.taps is not None and self.taps.without_export is not None:
            return f"served without export: {self.taps.without_export}"
        return self.problem or ""

    @property
    def name(self) -> str:
        return self.loaded.name

    def as_json(self) -> dict[str, object]:
        """What `python -m models check` prints: what was found inside."""
        loaded = self.loaded
        record: dict[str, object] = {
            "name": loaded.name,
            "title": loaded.config.title,
            "kind": loaded.kind,
            "parameters": loaded.parameters,
            "classes": len(loaded.classes),
            "input": list(loaded.probe().shape),
        }
        if self.taps is not None:
            record["stages"] = [
                {"name": p.name, "type": p.module_type, "shape": list(p.shape)}
                for p in self.taps.points
            ]
            record["cam_stage"] = self.taps.head.stage if self.taps.head else None
            record["any_batch"] = self.taps.batched
            record["export_seconds"] = round(self.taps.export_seconds, 3)
            if self.taps.without_export is not None:
                record["without_export"] = self.taps.without_export
        if self.reader is not None:
            record["recurrent"] = [layer.as_json() for layer in self.reader.layers]
            record["verdict_per_token"] = self.reader.head is not None
            record["verdict_note"] = self.reader.verdict_note
        if loaded.vocab is not None:
            record["vocab"] = len(loaded.vocab)
        if self.problem is not None:
            record["problem"] = self.problem
        return record


@dataclass(frozen=True)
class Refusal:
    config: str  # the config file
    reason: str  # one line


@dataclass(frozen=True)
class ModelsFolder:
    models: tuple[UserModel, ...]
    refused: tuple[Refusal, ...]

    def model(self, name: str) -> UserModel:
        for model in self.models:
            if model.name == name:
                return model
        raise KeyError(name)


def open_model(path: Path | str) -> UserModel:
    """Load, check and prepare one config's model; raises ConfigError if it cannot be used."""
    loaded = load_model(path)
    if loaded.kind == "cnn":
        started = time.perf_counter()
        try:
            return UserModel(loaded, tap_cnn(loaded.module, loaded.probe()), None, None)
        except ExportError as error:
            reason = str(error)
        except TapError as error:
            return UserModel(loaded, None, None, str(error))
        try:  # a private copy's block outputs, the shared module untouched
            spent = time.perf_counter() - started
            taps = tap_private_copy(loaded.module, loaded.probe(), reason, spent)
        except TapError as error:
            return UserModel(loaded, None, None, str(error))
        return UserModel(loaded, taps, None, None)
    try:
        return UserModel(loaded, None, read_sequence_model(loaded.module, loaded.probe()), None)
    except RecurrentError as error:
        return UserModel(loaded, None, None, str(error))


def find_config(folder: Path | str, name: str) -> Path | None:
    """The config in `folder` that names its model `name` (configs that cannot be read are
    passed over; one whose file stem is `name` is returned so that loading says why)."""
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            if read_config(path).name == name:
                return path
        except ConfigError:
            if path.stem == name:
                return path
    return None


def load_models_dir(folder: Path | str, reserved: frozenset[str] = frozenset()) -> ModelsFolder:
    """Every `*.toml` directly in `folder`, in name order: the good models and the refused."""
    folder = Path(folder)
    if not folder.is_dir():
        return ModelsFolder((), (Refusal(str(folder), "no such folder"),))
    models: list[UserModel] = []
    refused: list[Refusal] = []
    taken: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            name = read_config(path).name
            if name in reserved:
                raise ConfigError(path, f"the name {name!r} is one of the app's own models")
            if name in taken:
                raise ConfigError(path, f"the name {name!r} is already used by {taken[name]}")
            model = open_model(path)
        except ConfigError as error:
            refused.append(Refusal(str(path), error.problem))
            continue
        except Exception as error:  # anything the brought code raises past the checks
            refused.append(Refusal(str(path), " ".join(f"{type(error).__name__}: {error}".split())))
            continue
        taken[name] = path.name
        models.append(model)
    return ModelsFolder(tuple(models), tuple(refused))
