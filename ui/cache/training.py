"""The server's one training queue, shared by every session and every page that trains live
(the digits' readers and a visitor's time series)."""

from __future__ import annotations

import streamlit as st

from serving.training import TrainingRuns


@st.cache_resource
def training_runs() -> TrainingRuns:
    """One store of runs for the whole server, shared by every session."""
    return TrainingRuns()
