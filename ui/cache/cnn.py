"""Cached pieces of the CNN page: models shared by every session, one forward pass per photo."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
import torch
from PIL import Image
from torch import nn

from models.cnn.explain import Explanation, effective_receptive_field, explain
from models.cnn.images import LoadedPhoto, load_photo
from models.cnn.registry import CNN_MODELS, load_cnn
from models.cnn.trace import CnnTrace, trace_image
from serving.memory import exempt_loaded_objects, reclaim_memory

ASSETS = Path(__file__).resolve().parents[2] / "assets"


@dataclass(frozen=True)
class Sample:
    path: Path
    title: str
    credit: str


@st.cache_resource(max_entries=2, show_spinner="Loading the model…")
def cnn_model(name: str) -> nn.Module:
    """One model instance per name for the whole server; read-only after loading."""
    model = load_cnn(name)
    exempt_loaded_objects()
    return model


@st.cache_resource(max_entries=8, show_spinner=False)
def decoded_photo(source_key: str, _data: bytes) -> LoadedPhoto:
    """Decode an upload once; `source_key` (a content hash or sample name) identifies the bytes.

    Shared by every session (st.cache_resource) and only read: st.cache_data would keep a
    pickled copy of each photo of up to 1024 pixels a side and unpickle another on every rerun.
    (Pillow caches the parsed EXIF on the image when asked for it; load_photo has already
    applied and removed the orientation, so every session reads the same.)
    """
    return load_photo(_data)


def content_key(kind: str, file_id: str, data: bytes) -> str:
    """A cache key from the bytes themselves, so the same photo sent twice is traced once.

    The digest is remembered per file id for the session: reruns do not hash again.
    """
    known: dict[str, str] = st.session_state.setdefault("cnn_digests", {})
    if file_id not in known:
        known.clear()  # only the current file matters
        known[file_id] = hashlib.sha256(data).hexdigest()[:24]
    return f"{kind}:{known[file_id]}"


@st.cache_resource(max_entries=8, show_spinner="Running the network…")
def cnn_trace(model_name: str, source_key: str, _image: Image.Image) -> CnnTrace:
    """Every stage's feature maps for one (model, photo): the only place the CNN runs.

    One read-only trace shared by every session (st.cache_resource): st.cache_data would give
    each session its own unpickled copy of these ~10 MB, kept alive by the page's fragments.
    Eight are kept; a session whose trace was dropped keeps it through its fragments, and a
    full rerun traces again (one forward pass, about 25 ms).
    """
    reclaim_memory()  # what earlier, dropped traces and closed sessions freed
    return trace_image(cnn_model(model_name), model_name, _image)


@st.cache_data
def samples() -> list[Sample]:
    with (ASSETS / "samples.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [Sample(ASSETS / "samples" / row["file"], row["title"], row["credit"]) for row in rows]


@st.cache_data(max_entries=32, show_spinner=False)
def model_input(model_name: str, source_key: str, _image: Image.Image) -> torch.Tensor:
    """The preprocessed (1, 3, S, S) input of one photo for one model."""
    batch, _ = CNN_MODELS[model_name].preprocess(_image)
    return batch


@st.cache_data(max_entries=64, show_spinner="Computing the class evidence…")
def class_evidence(
    model_name: str,
    source_key: str,
    method: str,
    class_index: int,
    stage: str | None,
    _image: Image.Image,
) -> Explanation:
    """A class activation map or Grad-CAM (fast); occlusion runs on the page with progress."""
    batch = model_input(model_name, source_key, _image)
    return explain(model_name, cnn_model(model_name), batch, method, class_index, stage)


@st.cache_data(max_entries=64, show_spinner="Following one unit back to the pixels…")
def unit_gradient(
    model_name: str, source_key: str, stage: str, row: int, col: int, _image: Image.Image
) -> np.ndarray:
    batch = model_input(model_name, source_key, _image)
    return effective_receptive_field(cnn_model(model_name), batch, stage, row, col)
