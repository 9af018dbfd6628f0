"""The operator's own models as the pages show them: the list on Home, with the refused ones
and why, each in plain text (a config's name or a reason is never read as markdown)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from serving.own_models import MODELS_DIR_VARIABLE, models_dir, own_models

KINDS = {"cnn": "CNN (pictures)", "sequence": "recurrent (text)"}


def show_own_models() -> None:
    """What the operator's folder held: a table of the models served, one of those refused."""
    folder = models_dir()
    if folder is None:
        return
    found = own_models()
    st.subheader("Models this server's operator brought")
    st.caption(
        f"Loaded from the folder the server was started with ({MODELS_DIR_VARIABLE}). Only the "
        "operator adds models: loading one runs its code, so a browser can never send one."
    )
    if found.models:
        st.dataframe(
            [
                {
                    "name": model.name,
                    "title": model.loaded.config.title,
                    "kind": KINDS[model.loaded.kind],
                    "parameters": model.loaded.parameters,
                    "classes": len(model.loaded.classes),
                    "note": model.note,
                }
                for model in found.models
            ],
            hide_index=True,
            key="own_models_table",
        )
    else:
        st.text("No model in that folder could be served.")
    if found.refused:
        st.markdown("**Refused**, each with the reason:")
        st.dataframe(
            [{"config": Path(r.config).name, "reason": r.reason} for r in found.refused],
            hide_index=True,
            key="own_models_refused",
        )
