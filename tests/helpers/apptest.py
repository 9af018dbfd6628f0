"""Opening and reading the app's pages in streamlit's AppTest: texts, charts, top guesses."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.helpers.paths import ROOT
from tests.helpers.plotly_arrays import decode

CNN_PAGE = "app_pages/1_CNN_feature_maps.py"


def open_cnn_page() -> AppTest:
    """The app, switched to the CNN page (its default sample analysed)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    at.switch_page(CNN_PAGE).run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str, data: bytes, mime: str = "image/png") -> AppTest:
    """Switch the CNN page to Upload and send one file."""
    at.radio(key="cnn_source").set_value("Upload").run()
    at.file_uploader[0].upload(name, data, mime).run()
    return at


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly specs on the page by widget key ("lstm_watch", "cnn_stats", "cmp_scores", ...)."""
    return {
        element.proto.id.rsplit("-", 1)[-1]: json.loads(element.proto.spec)
        for element in at.get("plotly_chart")
    }


def chart(at: AppTest, key: str) -> dict:
    """The plotly spec of the first chart whose id ends with or contains `key`."""
    for chart_element in at.get("plotly_chart"):
        if chart_element.proto.id.endswith(key) or key in chart_element.proto.id:
            return json.loads(chart_element.proto.spec)
    raise AssertionError(f"no chart with key {key}")


def top_five(at: AppTest) -> tuple[list[str], list[float]]:
    """The top-5 chart's labels and probabilities, most likely first."""
    bars = chart(at, "cnn_top5")["data"][0]
    # drawn bottom-up, most likely on top
    return list(reversed(bars["y"])), [float(p) for p in reversed(decode(bars["x"]))]


def top_labels(at: AppTest) -> list[str]:
    """The top-5 chart's labels, most likely first."""
    return top_five(at)[0]


def texts(at: AppTest) -> list[str]:
    """Every piece of markdown-rendered text on the page, sidebar included."""
    bodies = [
        element.proto.body
        for kind in ("markdown", "caption", "info", "warning", "error", "success", "title")
        for element in at.get(kind)
    ]
    bodies += [element.proto.body for element in at.sidebar.get("markdown")]
    for metric in at.metric:
        bodies += [metric.proto.label, metric.proto.body, metric.proto.delta]
    return bodies


def open_page(page: str, address: dict[str, str] | None = None) -> AppTest:
    """The app opened on one page (a path under app_pages/), as a link with `address` would."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not at.exception
    for name, value in (address or {}).items():
        at.query_params[name] = value
    at.switch_page(f"app_pages/{page}").run()
    assert not at.exception
    return at
