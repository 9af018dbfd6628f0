"""One model config (a TOML file), validated on its own before anything it names is opened.

    [model]    name, title, kind ("cnn" | "sequence"), code, builder, weights, sha256
    [image]    kind = "cnn":      size, channels, mean, std; resize_short_side, resample,
                                  channel_order (optional)
    [text]     kind = "sequence": tokens ("word" | "char"), vocab; lowercase, unknown (optional)
    [classes]  file or names: one class name per output

Paths are relative to the config and must stay inside its folder (no absolute paths, no `..`,
no symlink that leads out). Every problem is a ConfigError whose text is one line naming the
file and the problem.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

KINDS = ("cnn", "sequence")
NAME = re.compile(r"^[a-z0-9_-]{1,40}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RESAMPLES = ("bilinear", "bicubic")
CHANNEL_ORDERS = ("RGB", "BGR")
TOKEN_KINDS = ("word", "char")
MAX_SIDE = 1024  # a larger input is not a picture this app can show
MAX_TITLE = 80
MAX_CLASS_NAME = 100


class ConfigError(ValueError):
    """A config, or a file it names, cannot be used; str() is one line: '<config>: <problem>'."""

    def __init__(self, config: Path | str, problem: str) -> None:
        self.config = str(config)
        self.problem = " ".join(str(problem).split())  # one line, whatever the cause said
        super().__init__(f"{self.config}: {self.problem}")


@dataclass(frozen=True)
class ImageSpec:
    size: int  # the model sees size × size pixels
    channels: int  # 1 (grey) or 3
    resize_short_side: int  # the picture's short side is scaled to this, then centre-cropped
    resample: str  # "bilinear" or "bicubic"
    channel_order: str  # "RGB" or "BGR"
    mean: tuple[float, ...]  # one per channel: pixels in [0, 1], then (x - mean) / std
    std: tuple[float, ...]


@dataclass(frozen=True)
class TextSpec:
    tokens: str  # "word" or "char"
    vocab: Path  # one token a line; the line number (from 0) is its id
    lowercase: bool
    unknown: str  # the token that stands for every token not in the vocab


@dataclass(frozen=True)
class ModelConfig:
    path: Path  # the config file itself
    name: str  # the id in the address and on the command line
    title: str
    kind: str  # "cnn" or "sequence"
    code: Path  # a Python file ...
    builder: str  # ... with a function of no arguments that returns the nn.Module
    weights: Path  # a state_dict saved with torch.save
    sha256: str  # of the weights file, lower-case hex
    image: ImageSpec | None  # kind "cnn"
    text: TextSpec | None  # kind "sequence"
    class_file: Path | None  # one class name per line ...
    class_names: tuple[str, ...] | None  # ... or the names themselves

    @property
    def folder(self) -> Path:
        return self.path.parent


_KEYS: dict[str, tuple[set[str], set[str]]] = {  # table: (required keys, optional keys)
    "model": ({"name", "title", "kind", "code", "builder", "weights", "sha256"}, set()),
    "image": (
        {"size", "channels", "mean", "std"},
        {"resize_short_side", "resample", "channel_order"},
    ),
    "text": ({"tokens", "vocab"}, {"lowercase", "unknown"}),
    "classes": (set(), {"file", "names"}),
}


def read_config(path: Path | str) -> ModelConfig:
    """The validated config at `path`; nothing it names is opened yet (see loading.py)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(path, "no such file") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, f"cannot read the file: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, f"not valid TOML: {error}") from error
    return _Reader(path).config(raw)


class _Reader:
    """Checks one parsed config; every check raises a ConfigError naming the file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, problem: str) -> ConfigError:
        return ConfigError(self.path, problem)

    def config(self, raw: dict[str, Any]) -> ModelConfig:
        unknown = sorted(set(raw) - set(_KEYS))
        if unknown:
            raise self.fail(f"unexpected table or key [{unknown[0]}]")
        model = self.table(raw, "model")
        kind = self.choice(model, "model", "kind", KINDS)
        wanted, unwanted = ("image", "text") if kind == "cnn" else ("text", "image")
        if unwanted in raw:
            raise self.fail(f'[{unwanted}] does not go with kind = "{kind}"')
        name = self.string(model, "model", "name")
        if not NAME.match(name):
            raise self.fail(f"[model] name {name!r} must match ^[a-z0-9_-]{{1,40}}$")
        title = self.string(model, "model", "title")
        if not title.strip() or len(title) > MAX_TITLE or not title.isprintable():
            raise self.fail(f"[model] title must be 1 to {MAX_TITLE} printable characters")
        builder = self.string(model, "model", "builder")
        if not IDENTIFIER.match(builder):
            raise self.fail(f"[model] builder {builder!r} is not a Python function name")
        sha256 = self.string(model, "model", "sha256").lower()
        if not SHA256.match(sha256):
            raise self.fail("[model] sha256 must be 64 hexadecimal digits")
        code = self.file(model, "model", "code")
        if code.suffix != ".py":
            raise self.fail("[model] code must be a .py file")
        image = self.image(self.table(raw, "image")) if wanted == "image" else None
        text = self.text(self.table(raw, "text")) if wanted == "text" else None
        class_file, class_names = self.classes(self.table(raw, "classes"))
        return ModelConfig(
            path=self.path,
            name=name,
            title=title.strip(),
            kind=kind,
            code=code,
            builder=builder,
            weights=self.file(model, "model", "weights"),
            sha256=sha256,
            image=image,
            text=text,
            class_file=class_file,
            class_names=class_names,
        )

    def table(self, raw: dict[str, Any], name: str) -> dict[str, Any]:
        table = raw.get(name)
        if table is None:
            raise self.fail(f"missing table [{name}]")
        if not isinstance(table, dict):
            raise self.fail(f"[{name}] must be a table")
        required, optional = _KEYS[name]
        for key in sorted(required):
            if key not in table:
                raise self.fail(f"[{name}] is missing the key {key!r}")
        for key in sorted(table):
            if key not in required | optional:
                raise self.fail(f"[{name}] has an unexpected key {key!r}")
        return table

    def string(self, table: dict[str, Any], where: str, key: str) -> str:
        value = table[key]
        if not isinstance(value, str):
            raise self.fail(f"[{where}] {key} must be a string")
        return value

    def choice(self, table: dict[str, Any], where: str, key: str, allowed: tuple[str, ...]) -> str:
        value = self.string(table, where, key)
        if value not in allowed:
            options = " or ".join(f'"{option}"' for option in allowed)
            raise self.fail(f"[{where}] {key} = {value!r}: must be {options}")
        return value

    def integer(self, table: dict[str, Any], where: str, key: str, low: int, high: int) -> int:
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(f"[{where}] {key} must be a whole number from {low} to {high}")
        return value

    def numbers(self, table: dict[str, Any], where: str, key: str) -> tuple[float, ...]:
        value = table[key]
        if not isinstance(value, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in value
        ):
            raise self.fail(f"[{where}] {key} must be a list of finite numbers")
        return tuple(float(v) for v in value)

    def file(self, table: dict[str, Any], where: str, key: str) -> Path:
        """A path relative to the config's folder that stays inside it."""
        value = self.string(table, where, key)
        pure = PurePosixPath(value.replace("\\", "/"))
        if not value or pure.is_absolute() or re.match(r"^[A-Za-z]:", value):
            raise self.fail(f"[{where}] {key} must be a path relative to the config")
        if ".." in pure.parts:
            raise self.fail(f"[{where}] {key} {value!r} leads out of the config's folder")
        folder = self.path.parent.resolve()
        resolved = (folder / pure).resolve()
        if not resolved.is_relative_to(folder) or resolved == folder:
            raise self.fail(f"[{where}] {key} {value!r} leads out of the config's folder")
        return resolved

    def image(self, table: dict[str, Any]) -> ImageSpec:
        size = self.integer(table, "image", "size", 1, MAX_SIDE)
        channels = table["channels"]
        if channels not in (1, 3) or isinstance(channels, bool):
            raise self.fail("[image] channels must be 1 or 3")
        resize = size
        if "resize_short_side" in table:
            resize = self.integer(table, "image", "resize_short_side", size, 4 * MAX_SIDE)
        resample = "bilinear"
        if "resample" in table:
            resample = self.choice(table, "image", "resample", RESAMPLES)
        order = "RGB"
        if "channel_order" in table:
            order = self.choice(table, "image", "channel_order", CHANNEL_ORDERS)
        mean, std = self.numbers(table, "image", "mean"), self.numbers(table, "image", "std")
        for key, values in (("mean", mean), ("std", std)):
            if len(values) != channels:
                raise self.fail(
                    f"[image] {key} has {len(values)} values for {channels} channel"
                    + ("s" if channels > 1 else "")
                )
        if any(value <= 0 for value in std):
            raise self.fail("[image] std must be above 0")
        return ImageSpec(size, channels, resize, resample, order, mean, std)

    def text(self, table: dict[str, Any]) -> TextSpec:
        tokens = self.choice(table, "text", "tokens", TOKEN_KINDS)
        lowercase = table.get("lowercase", True)
        if not isinstance(lowercase, bool):
            raise self.fail("[text] lowercase must be true or false")
        unknown = "<unk>"
        if "unknown" in table:
            unknown = self.string(table, "text", "unknown")
        if not unknown or "\n" in unknown or "\r" in unknown:
            raise self.fail("[text] unknown must be a token of one line")
        return TextSpec(tokens, self.file(table, "text", "vocab"), lowercase, unknown)

    def classes(self, table: dict[str, Any]) -> tuple[Path | None, tuple[str, ...] | None]:
        if ("file" in table) == ("names" in table):
            raise self.fail("[classes] needs either file or names (one of them)")
        if "file" in table:
            return self.file(table, "classes", "file"), None
        names = table["names"]
        if not isinstance(names, list) or not names:
            raise self.fail("[classes] names must be a list of strings")
        for name in names:
            problem = class_name_problem(name)
            if problem:
                raise self.fail(f"[classes] names: {problem}")
        return None, tuple(names)


def class_name_problem(name: object) -> str | None:
    """Why `name` cannot be a class name, or None."""
    if not isinstance(name, str):
        return "every name must be a string"
    if not name.strip() or len(name) > MAX_CLASS_NAME or not name.isprintable():
        return f"every name must be 1 to {MAX_CLASS_NAME} printable characters"
    return None
