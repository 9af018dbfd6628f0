"""Pictures on the page: `st.image` sends them as binary files the browser caches, never as
base64 inside chart JSON."""

from __future__ import annotations

import streamlit as st

from charts.cnn import stage_captions
from imaging.tiles import stage_pictures
from models.cnn.channel_stats import representative_map
from models.cnn.trace import CnnTrace


def crisp_pixels(*keys: str) -> None:
    """Enlarge the pictures inside these keyed elements pixel by pixel, not smoothed (`img` for
    st.image, SVG `image` for a picture inside a plotly chart).

    Feature maps are sent at their own size (13×13 to 113×113) and shown at ~120 px: the
    browser, not the server, does the enlarging, and blocky pixels show the map's resolution.
    """
    rules = ", ".join(f".st-key-{key} {tag}" for key in keys for tag in ("img", "image"))
    st.html(f"<style>{rules} {{ image-rendering: pixelated; }}</style>")


def show_stage_pictures(
    trace: CnnTrace, how: str, key: str, width: int, fields: dict[str, int] | None = None
) -> None:
    """Every stage of a trace as one captioned picture, in a container keyed `key`."""
    stages = trace.stages
    pictures = stage_pictures([representative_map(s.maps, how) for s in stages])
    captions = stage_captions(
        [s.name for s in stages],
        [s.shape for s in stages],
        [fields[s.name] for s in stages] if fields else None,
    )
    crisp_pixels(key)
    with st.container(key=key):
        st.image(
            pictures,
            caption=captions,
            width=width,
            output_format="PNG",
            alt=[
                f"Stage {s.name}: {s.shape[0]} channels of {s.shape[1]}×{s.shape[2]}, "
                f"summarised by {'their mean' if how == 'mean' else 'the strongest channel'}"
                for s in stages
            ],
        )
