"""Safe loading of shipped weight files: sha256 checked, then torch.load(weights_only=True)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
CHECKSUMS_FILE = WEIGHTS_DIR / "SHA256SUMS"


class ChecksumError(RuntimeError):
    """A weight file on disk is not the one the project shipped."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def expected_checksums(checksums_file: Path = CHECKSUMS_FILE) -> dict[str, str]:
    """Read a `sha256sum`-style file: '<hex>  <file name>' per line."""
    sums: dict[str, str] = {}
    for line in checksums_file.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            sums[name.strip().lstrip("*")] = digest.lower()
    return sums


def verified_path(name: str, weights_dir: Path = WEIGHTS_DIR) -> Path:
    """Path of a shipped file in `weights_dir` whose sha256 matches its SHA256SUMS entry."""
    path = weights_dir / name
    expected = expected_checksums(weights_dir / CHECKSUMS_FILE.name).get(name)
    if expected is None:
        raise ChecksumError(f"{name} has no entry in {CHECKSUMS_FILE.name}")
    actual = sha256_of(path)
    if actual != expected:
        raise ChecksumError(f"{name}: sha256 {actual[:16]}… does not match {expected[:16]}…")
    return path


def load_checkpoint(name: str, weights_dir: Path = WEIGHTS_DIR) -> dict[str, Any]:
    """Load a `{"config": dict, "state_dict": dict}` checkpoint after checking its sha256."""
    path = verified_path(name, weights_dir)
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise ValueError(f"{name} is not a checkpoint with a state_dict")
    return checkpoint


def save_checkpoint(path: Path, config: dict[str, Any], state_dict: dict[str, Any]) -> str:
    """Save a checkpoint, record its sha256 in SHA256SUMS beside it, and return the digest."""
    tensors = {key: value.detach().contiguous().clone() for key, value in state_dict.items()}
    torch.save({"config": config, "state_dict": tensors}, path)
    return record_checksum(path)


def record_checksum(path: Path) -> str:
    """Record a file's sha256 in the SHA256SUMS beside it (replacing any old entry); return it."""
    digest = sha256_of(path)
    sums_file = path.parent / CHECKSUMS_FILE.name
    sums = expected_checksums(sums_file) if sums_file.exists() else {}
    sums[path.name] = digest
    sums_file.write_text("".join(f"{d}  {n}\n" for n, d in sorted(sums.items())))
    return digest


def load_model(
    build: Callable[..., nn.Module], name: str, arch: str, weights_dir: Path = WEIGHTS_DIR
) -> nn.Module:
    """Build `arch` from the verified checkpoint `name`: eval mode, gradients off, shareable."""
    checkpoint = load_checkpoint(name, weights_dir)
    if checkpoint["config"].get("arch") != arch:
        raise ValueError(f"{name} does not hold {arch} weights")
    model = build(num_classes=checkpoint["config"].get("num_classes", 1000))
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval().requires_grad_(False)
