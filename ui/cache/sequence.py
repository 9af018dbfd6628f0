"""Cached pieces of the sequence pages: models shared by every session, one trace per input.

The models are the app's own (models/sequence/registry.py) and, after them, the recurrent
models of the operator's folder (serving/own_models.py), each with a spec of the same kind
(models/custom/sequence_spec.py), built once per process when a page first asks.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from torch import nn

from models.custom.sequence_spec import OwnSequenceSpec, own_sequence_spec
from models.sequence.registry import (
    SEQUENCE_MODELS,
    SequenceSpec,
    load_sequence_model,
    trace_text,
)
from models.sequence.trace import SequenceTrace
from serving.memory import exempt_loaded_objects, reclaim_memory
from serving.own_models import models_dir, own_models

SENTENCES = Path(__file__).resolve().parents[2] / "assets" / "sentences.txt"


@st.cache_resource(show_spinner=False)
def _own_specs(folder: str) -> dict[str, OwnSequenceSpec]:
    """The specs of the operator's sequence models in `folder` (the one own_models() loaded)."""
    return {
        model.name: own_sequence_spec(model)
        for model in own_models().models
        if model.loaded.kind == "sequence"
    }


def sequence_specs() -> dict[str, SequenceSpec]:
    """Every sequence model a page can show: the app's own, then the operator's."""
    folder = models_dir()
    return {**SEQUENCE_MODELS, **(_own_specs(str(folder)) if folder is not None else {})}


def sequence_spec(name: str) -> SequenceSpec:
    """The spec of a model `sequence_specs` names; KeyError for any other name."""
    return sequence_specs()[name]


@st.cache_resource(max_entries=len(SEQUENCE_MODELS), show_spinner="Loading the model…")
def _shipped_model(name: str) -> nn.Module:
    model = load_sequence_model(name)
    exempt_loaded_objects()
    return model


def sequence_model(name: str) -> nn.Module:
    """One model instance per name for the whole server; read-only after loading. The
    operator's models were loaded with their folder, once per process."""
    if name in SEQUENCE_MODELS:
        return _shipped_model(name)
    return sequence_spec(name).load()


@st.cache_data(max_entries=64, show_spinner="Reading the text…")
def sequence_trace(name: str, text: str) -> SequenceTrace:
    """States, gates and outputs at every token: the only place a sequence model runs.

    Raises EmptyTextError (not cached) when there is nothing to read.
    """
    reclaim_memory()
    if name in SEQUENCE_MODELS:
        return trace_text(sequence_model(name), name, text)
    spec = sequence_spec(name)  # the operator's: its reader runs the model's own graph
    return spec.trace(sequence_model(name), name, text, spec.max_tokens)


@st.cache_data
def example_sentences() -> list[str]:
    """The example sentences offered on the page, one per line of assets/sentences.txt."""
    lines = SENTENCES.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
