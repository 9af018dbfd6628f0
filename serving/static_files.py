"""The app's static folder (`server.enableStaticServing`): plotly.js for ui/common/figures.py.

The file comes from the plotly package the figures are built with, so the browser draws them
with the plotly.js that package was made for. It is copied once per process, before the first
page is served, by whoever starts first (a copy written under another name, then renamed, so
a browser never reads half a file); nothing is fetched from the network.
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import plotly

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"  # Streamlit serves the folder beside app.py at /app/static/
PLOTLY_NAME = f"plotly-{plotly.__version__}.min.js"  # a new plotly, a new name: no stale cache
PLOTLY_URL = f"./app/static/{PLOTLY_NAME}"
PLOTLY_SOURCE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


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
