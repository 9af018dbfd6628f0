"""The 1000 ImageNet-1k class names, in the models' output order."""

from __future__ import annotations

from functools import cache
from pathlib import Path

CLASSES_FILE = Path(__file__).resolve().parents[2] / "assets" / "imagenet_classes.tsv"


@cache
def class_names() -> tuple[str, ...]:
    """Readable name per class index: the first WordNet lemma, e.g. 'tabby' or 'espresso'."""
    return tuple(lemmas.split(",")[0].strip() for lemmas in _lemmas())


@cache
def class_synonyms() -> tuple[str, ...]:
    """All lemmas per class index, e.g. 'tabby, tabby cat'."""
    return _lemmas()


def _lemmas() -> tuple[str, ...]:
    lines = CLASSES_FILE.read_text(encoding="utf-8").splitlines()
    lemmas = tuple(line.split("\t", 1)[1] for line in lines if line.strip())
    if len(lemmas) != 1000:
        raise ValueError(f"{CLASSES_FILE.name} has {len(lemmas)} classes, expected 1000")
    return lemmas
