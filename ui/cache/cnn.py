"""Cached pieces of the CNN page: models shared by every session, one forward pass per photo.

The page's models are the shipped two (models/cnn/registry.py) and, after them, the CNNs of the
operator's folder (serving/own_models.py), each seen through its OwnCnn
(models/custom/own_cnn.py). The functions here take a model's name and compute with whichever
it is, through the same caches: one trace per (model, picture) shared by every session.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
import torch
from PIL import Image
from torch import nn

from models.cnn.explain import (
    Explanation,
    class_activation_map_of,
    effective_receptive_field,
    explain,
    gradcam_default,
)
from models.cnn.images import LoadedPhoto, load_photo
from models.cnn.registry import CNN_MODELS, CnnSpec, load_cnn
from models.cnn.trace import CnnTrace, trace_image
from models.custom.folder import ModelsFolder
from models.custom.own_cnn import NotACnn, OwnCnn
from serving.memory import exempt_loaded_objects, reclaim_memory
from serving.own_models import own_models

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


_own: list[tuple[ModelsFolder, dict[str, OwnCnn]]] = []  # the folder last seen, its CNNs


def own_cnns() -> dict[str, OwnCnn]:
    """The operator's CNNs whose stages can be shown, by name, in the folder's order (models
    whose graph could not be captured are listed on Home, not offered here)."""
    found = own_models()
    kept = _own[0] if _own else None
    if kept is None or kept[0] is not found:  # once per process (and per folder in tests)
        cnns = {}
        for model in found.models:
            try:
                cnns[model.name] = OwnCnn.of(model)
            except NotACnn:
                continue
        kept = (found, cnns)
        _own[:] = [kept]
    return kept[1]


def cnn_specs() -> dict[str, CnnSpec | OwnCnn]:
    """Every CNN the page offers: the shipped two, then the operator's."""
    return {**CNN_MODELS, **own_cnns()}


def cnn_spec(name: str) -> CnnSpec | OwnCnn:
    return CNN_MODELS[name] if name in CNN_MODELS else own_cnns()[name]


def describe_model(name: str) -> str:
    """The model chooser's line about a model."""
    own = own_cnns().get(name)
    return own.describe() if own is not None else CNN_MODELS[name].describe(cnn_model(name))


def cnn_forward(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """Logits of a batch of model inputs (occlusion's covered copies)."""
    own = own_cnns().get(name)
    return own.forward if own is not None else cnn_model(name)


def class_activation(trace: CnnTrace, class_index: int) -> Explanation:
    """The class activation map from the maps a trace holds (the spec says if it has one)."""
    own = own_cnns().get(trace.model)
    if own is not None:
        return own.class_activation_map(trace, class_index)
    return class_activation_map_of(trace, cnn_model(trace.model), class_index)


def gradcam_stage(name: str) -> str:
    """The stage Grad-CAM starts at."""
    own = own_cnns().get(name)
    return own.gradcam_stage() if own is not None else gradcam_default(cnn_model(name))


def first_filters(name: str) -> tuple[str, np.ndarray] | None:
    """The first stage and the filters of its convolution (out, C, k, k), RGB or grey; None
    when the model's first layer is not a convolution of the picture."""
    own = own_cnns().get(name)
    if own is not None:
        return own.first_filters()
    return CNN_MODELS[name].config.first_stage, cnn_model(name).first_filters().numpy()


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
    own = own_cnns().get(model_name)
    if own is not None:
        return own.trace(_image)  # one tapped pass of the shared graph: no lock needed
    return trace_image(cnn_model(model_name), model_name, _image)


@st.cache_data
def samples() -> list[Sample]:
    with (ASSETS / "samples.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [Sample(ASSETS / "samples" / row["file"], row["title"], row["credit"]) for row in rows]


@st.cache_data(max_entries=32, show_spinner=False)
def model_input(model_name: str, source_key: str, _image: Image.Image) -> torch.Tensor:
    """The preprocessed (1, C, S, S) input of one photo for one model."""
    batch, _ = cnn_spec(model_name).preprocess(_image)
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
    own = own_cnns().get(model_name)
    if own is not None:
        return own.explain(batch, method, class_index, stage)
    return explain(model_name, cnn_model(model_name), batch, method, class_index, stage)


@st.cache_data(max_entries=64, show_spinner="Following one unit back to the pixels…")
def unit_gradient(
    model_name: str, source_key: str, stage: str, row: int, col: int, _image: Image.Image
) -> np.ndarray:
    batch = model_input(model_name, source_key, _image)
    own = own_cnns().get(model_name)
    if own is not None:
        return own.unit_gradient(batch, stage, row, col)
    return effective_receptive_field(cnn_model(model_name), batch, stage, row, col)
