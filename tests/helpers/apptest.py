"""Reading the app's pages in streamlit's AppTest: texts, charts, top guesses.

Opening them, and uploading, is bench/harness/apptest.py's (the bench drives pages too).
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.helpers.plotly_arrays import decode
from ui.text.views import CLOSE_UP_KEY, PLAY_KEY

FIGURE_COMPONENT = "inside_figure"  # ui/common/figures.py


def figure_elements(at: AppTest) -> list:
    """The page's plotly figures (elements of ui/common/figures.py's component), in order."""
    return [e for e in at.get("bidi_component") if e.proto.component_name == FIGURE_COMPONENT]


def figure_json(element: object) -> str:
    """One figure element's plotly spec, as the JSON text sent to the browser."""
    return json.loads(element.proto.json)["figure"]


def figure_key(element: object) -> str:
    """The key a figure was shown with ("lstm_watch", "cnn_top5", ...)."""
    return element.proto.id.rsplit("-", 1)[-1]


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly specs on the page by widget key ("lstm_watch", "cnn_stats", "cmp_scores", ...)."""
    return {figure_key(e): json.loads(figure_json(e)) for e in figure_elements(at)}


def empty_blocks(at: AppTest) -> list[str]:
    """Paths of the containers in the page's main area that hold nothing (a fragment called
    for its value, not to draw, leaves one on every run)."""
    found: list[str] = []

    def walk(node: object, path: str) -> None:
        children = getattr(node, "children", {})
        if type(node).__name__ == "Block" and not children:
            found.append(path)
        for key, child in children.items():
            walk(child, f"{path}/{key}")

    walk(at._tree.main, "")
    return found


def chart(at: AppTest, key: str) -> dict:
    """The plotly spec of the first chart whose id ends with or contains `key`."""
    for chart_element in figure_elements(at):
        if chart_element.proto.id.endswith(key) or key in chart_element.proto.id:
            return json.loads(figure_json(chart_element))
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


def open_lstm_details(at: AppTest, section: str | None = "words") -> None:
    """Before the LSTM page's next run, what a visitor opens to see its details (none of which
    is drawn until then): Play on the heatmap, "One step up close", and a "Look deeper"
    `section`. The caller runs the page."""
    at.session_state[PLAY_KEY] = True
    at.session_state[CLOSE_UP_KEY] = True
    if section is not None:
        at.session_state["lstm_deeper"] = section
