"""plotly.js in the app's static folder: the cartesian bundle of the plotly.js version the plotly
package builds figures for, copied once, whole; and no figure of a trace type it lacks."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs_version

from serving.static_files import (
    PLOTLY_NAME,
    PLOTLY_SOURCE,
    PLOTLY_URL,
    bundled_trace_types,
    ensure_static_files,
)
from ui.common.figures import show_figure


def test_plotly_js_is_the_bundle_copied_whole_and_a_second_call_keeps_it(tmp_path: Path) -> None:
    folder = tmp_path / "static"
    copied = ensure_static_files.__wrapped__(folder)
    assert copied == folder / PLOTLY_NAME and PLOTLY_URL.endswith(f"/app/static/{PLOTLY_NAME}")
    assert copied.read_bytes() == PLOTLY_SOURCE.read_bytes()
    assert [p.name for p in folder.iterdir()] == [PLOTLY_NAME]  # no partial copy left behind
    before = copied.stat().st_mtime_ns
    assert ensure_static_files.__wrapped__(folder) == copied
    assert copied.stat().st_mtime_ns == before  # already there: not copied again


def test_a_truncated_copy_is_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / PLOTLY_NAME).write_bytes(PLOTLY_SOURCE.read_bytes()[:1000])
    ensure_static_files.__wrapped__(folder)
    assert (folder / PLOTLY_NAME).read_bytes() == PLOTLY_SOURCE.read_bytes()


def test_the_app_serves_plotly_js_as_a_script(app_server: str) -> None:
    ensure_static_files()  # a visitor's first run does it (serving/process.py); none ran yet
    with urllib.request.urlopen(f"{app_server}/app/static/{PLOTLY_NAME}", timeout=30) as answer:
        assert answer.status == 200
        assert "javascript" in answer.headers["Content-Type"]
        assert answer.read() == PLOTLY_SOURCE.read_bytes()


def test_the_bundle_is_plotly_js_of_the_packages_version_and_draws_what_the_app_draws() -> None:
    head = PLOTLY_SOURCE.read_bytes()[:200].decode()
    # scripts/fetch_plotly_js.py writes the bundle for the installed plotly package's version
    assert f"plotly.js (cartesian - minified) v{get_plotlyjs_version()}\n" in head
    assert {"bar", "scatter", "heatmap"} <= bundled_trace_types()
    assert not {"scatter3d", "scattergl", "choropleth", "sankey"} & bundled_trace_types()


def test_a_figure_of_a_trace_type_outside_the_bundle_is_refused() -> None:
    """Every figure of the app's pages passes this check in their tests; one the bundle could
    not draw (the browser would show an empty frame, without a word) is an error at once."""
    figure = go.Figure([{"type": "scatter3d", "x": [1, 2], "y": [3, 4], "z": [1, 2]}])
    with pytest.raises(ValueError, match=r"cannot draw \['scatter3d'\] traces"):
        show_figure(figure, key="figure", alt="two points in space")
