"""The app's static folder (`server.enableStaticServing`): plotly.js for ui/common/figures.py.

The file is plotly.js's cartesian bundle (bars, lines, heatmaps and a few more trace types)
for the plotly.js version the plotly package builds its figures for, kept in assets/plotly/
(written by scripts/fetch_plotly_js.py). The package's own plotly.js has every trace type and
is three times as large, and a browser runs the whole file on every page load. It is copied
once per process, before the first page is served, by whoever starts first (a copy written
under another name, then renamed, so a browser never reads half a file); nothing is fetched
from the network.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
from pathlib import Path

from plotly.offline import get_plotlyjs_version

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"  # Streamlit serves the folder beside app.py at /app/static/
BUNDLE_FOLDER = ROOT / "assets" / "plotly"
# Named by its version: a new plotly.js, a new name, so no browser keeps a stale copy.
PLOTLY_NAME = f"plotly-cartesian-{get_plotlyjs_version()}.min.js"
PLOTLY_SOURCE = BUNDLE_FOLDER / PLOTLY_NAME
PLOTLY_URL = f"./app/static/{PLOTLY_NAME}"
# How each trace module of the bundle registers itself in the minified script.
_TRACE_MODULE = re.compile(rb'moduleType:"trace",name:"(\w+)"')


@functools.cache
def ensure_static_files(folder: Path = STATIC) -> Path:
    """plotly.js in `folder`, copied there if it is missing or differs in size."""
    target = folder / PLOTLY_NAME
    if target.is_file() and target.stat().st_size == PLOTLY_SOURCE.stat().st_size:
        return target
    folder.mkdir(exist_ok=True)
    partial = folder / f".{PLOTLY_NAME}.{os.getpid()}"
    shutil.copyfile(PLOTLY_SOURCE, partial)
    os.replace(partial, target)
    return target


@functools.cache
def bundled_trace_types() -> frozenset[str]:
    """The trace types the served plotly.js can draw (a figure with any other draws nothing)."""
    return frozenset(name.decode() for name in _TRACE_MODULE.findall(PLOTLY_SOURCE.read_bytes()))
