"""Load what a config names, checking each file before it is used, and run one forward pass.

Order: the class names and vocab are read; the weights' sha256 is checked before torch.load;
torch.load runs with weights_only=True (a pickle that would run code is refused, and its code
does not run) and must give a state_dict of tensors; the code file is imported by its path
under a module name of its own, the builder is called, the keys are compared, then
load_state_dict(strict=True), eval() and requires_grad_(False); last, one forward pass at the
configured shape must give finite logits (1, K) with K the number of class names, and the
vocab must fit the model's (first) nn.Embedding. Every problem is a ConfigError.
"""

from __future__ import annotations

import importlib.util
import itertools
import pickle
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import torch
from torch import nn

from models.checkpoints import sha256_of
from models.custom.config import ConfigError, ModelConfig, class_name_problem, read_config
from models.custom.text import Vocab, VocabError, read_vocab

MODULE_PREFIX = "own_models"  # brought code is imported as own_models.<name>_<n>
_counter = itertools.count(1)

Fail = Callable[[str], ConfigError]


@dataclass(frozen=True)
class LoadedModel:
    config: ModelConfig
    module: nn.Module  # eval mode, no gradients: shared, never to be changed
    classes: tuple[str, ...]  # one per output
    vocab: Vocab | None  # kind "sequence"
    parameters: int

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def kind(self) -> str:
        return self.config.kind

    def probe(self) -> torch.Tensor:
        """The input of the check's forward pass: (1, C, S, S) float or (1, T) long."""
        if self.vocab is not None:
            size = len(self.vocab)
            ids = [self.vocab.unknown_id, size - 1, 0, size // 2, 1 % size, size - 1]
            return torch.tensor([ids], dtype=torch.long)
        image = self.config.image
        assert image is not None
        generator = torch.Generator().manual_seed(0)
        pixels = torch.rand(1, image.channels, image.size, image.size, generator=generator)
        mean = torch.tensor(image.mean).view(1, -1, 1, 1)
        std = torch.tensor(image.std).view(1, -1, 1, 1)
        return (pixels - mean) / std


def load_model(source: ModelConfig | Path | str) -> LoadedModel:
    """The model a config describes, checked (see the module docstring)."""
    config = source if isinstance(source, ModelConfig) else read_config(source)

    def fail(problem: str) -> ConfigError:
        return ConfigError(config.path, problem)

    classes = _class_names(config, fail)
    vocab = None
    if config.text is not None:
        _must_exist(config.text.vocab, "[text] vocab", config, fail)
        try:
            vocab = read_vocab(config.text.vocab, config.text.unknown)
        except VocabError as error:
            raise fail(f"vocab {_relative(config, config.text.vocab)}: {error}") from error
    state = _state_dict(config, fail)
    module = _build(config, fail)
    _load_state(module, state, config, fail)
    module.eval().requires_grad_(False)
    if vocab is not None:
        _check_embedding(module, vocab, fail)
    loaded = LoadedModel(
        config=config,
        module=module,
        classes=classes,
        vocab=vocab,
        parameters=sum(p.numel() for p in module.parameters()),
    )
    _check_forward(loaded, fail)
    return loaded


def _relative(config: ModelConfig, path: Path) -> str:
    return path.relative_to(config.folder.resolve()).as_posix()


def _must_exist(path: Path, what: str, config: ModelConfig, fail: Fail) -> None:
    if not path.is_file():
        raise fail(f"{what} {_relative(config, path)}: no such file")


def _class_names(config: ModelConfig, fail: Fail) -> tuple[str, ...]:
    if config.class_names is not None:
        return config.class_names
    assert config.class_file is not None
    _must_exist(config.class_file, "[classes] file", config, fail)
    where = f"[classes] file {_relative(config, config.class_file)}"
    try:
        lines = config.class_file.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise fail(f"{where} is not UTF-8 text") from error
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise fail(f"{where} is empty")
    for number, line in enumerate(lines, start=1):
        problem = class_name_problem(line)
        if problem:
            raise fail(f"{where} line {number}: {problem}")
    return tuple(lines)


def _state_dict(config: ModelConfig, fail: Fail) -> dict[str, torch.Tensor]:
    where = f"weights {_relative(config, config.weights)}"
    _must_exist(config.weights, "[model] weights", config, fail)
    actual = sha256_of(config.weights)
    if actual != config.sha256:
        raise fail(
            f"{where}: sha256 {actual[:16]}… does not match the config's {config.sha256[:16]}…"
        )
    try:
        state = torch.load(config.weights, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise fail(
            f"{where} hold more than tensors (code or objects), refused by weights_only=True: "
            f"{first}"
        ) from error
    except Exception as error:  # a truncated or foreign file
        raise fail(f"{where} cannot be read by torch.load: {type(error).__name__}: {error}") from (
            error
        )
    if not isinstance(state, Mapping) or not all(
        isinstance(key, str) and isinstance(value, torch.Tensor) for key, value in state.items()
    ):
        hint = " (save model.state_dict() itself)" if isinstance(state, Mapping) else ""
        raise fail(f"{where} are not a state_dict of named tensors{hint}")
    return dict(state)


def _import_code(config: ModelConfig, fail: Fail) -> ModuleType:
    where = f"code {_relative(config, config.code)}"
    _must_exist(config.code, "[model] code", config, fail)
    module_name = f"{MODULE_PREFIX}.{config.name.replace('-', '_')}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(module_name, config.code)
    if spec is None or spec.loader is None:
        raise fail(f"{where} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look their module up here
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:
        del sys.modules[module_name]
        raise fail(f"{where} failed to import: {type(error).__name__}: {error}") from error
    return module


def _build(config: ModelConfig, fail: Fail) -> nn.Module:
    code = _import_code(config, fail)
    where = f"code {_relative(config, config.code)}"
    builder = getattr(code, config.builder, None)
    if not callable(builder):
        raise fail(f"{where} has no function {config.builder!r}")
    try:
        module = builder()
    except (Exception, SystemExit) as error:
        raise fail(f"{config.builder}() failed: {type(error).__name__}: {error}") from error
    if not isinstance(module, nn.Module):
        raise fail(
            f"{config.builder}() returned an object of type {type(module).__name__}, "
            "not an nn.Module"
        )
    return module


def _load_state(
    module: nn.Module,
    state: dict[str, torch.Tensor],
    config: ModelConfig,
    fail: Fail,
) -> None:
    expected = module.state_dict()
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{_count(missing, 'missing key')} ({_some(missing)})")
        if unexpected:
            parts.append(f"{_count(unexpected, 'unexpected key')} ({_some(unexpected)})")
        raise fail(f"weights do not fit {config.builder}(): {'; '.join(parts)}")
    for key, tensor in expected.items():
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise fail(
                f"weights do not fit {config.builder}(): {key} is {tuple(state[key].shape)} in "
                f"the file, {tuple(tensor.shape)} in the model"
            )
    try:
        module.load_state_dict(state, strict=True)
    except Exception as error:
        raise fail(f"weights do not load: {type(error).__name__}: {error}") from error


def _count(keys: list[str], noun: str) -> str:
    return f"{len(keys)} {noun}{'s' if len(keys) != 1 else ''}"


def _some(keys: list[str], shown: int = 3) -> str:
    more = f", … {len(keys) - shown} more" if len(keys) > shown else ""
    return ", ".join(keys[:shown]) + more


def _check_embedding(module: nn.Module, vocab: Vocab, fail: Fail) -> None:
    """The first nn.Embedding reads the token ids: every id must have a row."""
    for path, child in module.named_modules():
        if isinstance(child, nn.Embedding):
            if len(vocab) > child.num_embeddings:
                raise fail(
                    f"[text] vocab has {len(vocab):,} tokens but the embedding {path} has "
                    f"{child.num_embeddings:,} rows (largest id {len(vocab) - 1:,})"
                )
            return


def _check_forward(loaded: LoadedModel, fail: Fail) -> None:
    x = loaded.probe()
    shape = tuple(x.shape)
    try:
        with torch.inference_mode():
            out = loaded.module(x)
    except Exception as error:
        raise fail(f"forward at {shape} failed: {type(error).__name__}: {error}") from error
    if not isinstance(out, torch.Tensor):
        raise fail(f"forward at {shape} returned a {type(out).__name__}, not a tensor of logits")
    if out.dim() != 2 or out.shape[0] != 1 or not out.is_floating_point():
        raise fail(
            f"forward at {shape} gave {out.dtype} of shape {tuple(out.shape)}, "
            "not float logits (1, K)"
        )
    if out.shape[1] != len(loaded.classes):
        raise fail(f"[classes] {len(loaded.classes)} names for {out.shape[1]} outputs")
    if not torch.isfinite(out).all():
        raise fail(f"forward at {shape} gave logits that are not finite")
