"""Figures of the digits page: ten probabilities, a digit read row by row with Play, accuracy as
rows are read, against a shift, and the gradient of the verdict by row."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from charts.layout import FIXED_MARGIN, log_axis, themed_fonts, trace
from charts.playback import play_buttons, slider_steps
from charts.theme import LIGHT, PAPER, Styles, Theme, diverging_rgb
from imaging.encode import png_data_uri
from imaging.maps import colorize

DIGITS = list(range(10))
ROW_MS = 250  # one row per quarter second: a digit plays in seven seconds


@themed_fonts
def probabilities_figure(probs: np.ndarray, colour: str, theme: Theme = LIGHT) -> go.Figure:
    """The ten digits' probabilities as bars, 0 to 9 left to right."""
    best = int(np.argmax(probs))
    return go.Figure(
        trace(
            "bar",
            x=DIGITS,
            y=probs,
            marker={"color": [colour if d == best else theme.faint for d in DIGITS]},
            text=[f"{p:.0%}" if p >= 0.01 else "" for p in probs],
            textposition="outside",
            textfont={"color": theme.ink},
            hovertemplate="%{x}: %{y:.1%}<extra></extra>",
        ),
        {
            "height": 220,
            "margin": {"l": 40, "r": 10, "t": 10, "b": 30},
            "paper_bgcolor": PAPER,
            "xaxis": {"tickmode": "array", "tickvals": DIGITS, **FIXED_MARGIN},
            "yaxis": {"range": [0, 1.15], "tickformat": ".0%", **FIXED_MARGIN},
            "bargap": 0.25,
        },
    )


def _picture(pixels: np.ndarray, x: str, y: str, width: float) -> dict:
    """A picture of (rows, columns, 3) pixels filling [0, width] × [0.5, 28.5] of one panel."""
    return {
        "source": png_data_uri(pixels),
        "xref": x,
        "yref": y,
        "x": -0.5,
        "y": -0.5,
        "sizex": width,
        "sizey": pixels.shape[0],
        "sizing": "stretch",
        "xanchor": "left",
        "yanchor": "top",
        "layer": "below",
    }


@themed_fonts
def row_reading_figure(
    digit: np.ndarray,
    states: np.ndarray,
    after_rows: np.ndarray,
    label: str,
    theme: Theme = LIGHT,
) -> go.Figure:
    """A row reader at work, three panels sharing their 28 rows: the digit with a scan line,
    the hidden state after each row (rows × units), and the ten probabilities after each row.
    Play moves the scan line down; the rows not read yet are veiled."""
    rows, units = states.shape
    limit = float(max(np.abs(states).max(initial=0.0), 1e-6))
    panels = (
        ("x", "y", colorize(digit), digit.shape[1], "the digit"),
        ("x2", "y2", diverging_rgb(states, limit), units, f"{label}'s state"),
        ("x3", "y3", colorize(after_rows), 10, "probability of each digit"),
    )
    guesses = after_rows.argmax(axis=1)

    def moving(k: int) -> list[dict]:
        """The scan line under row k (1-based) and the veil over the rows below it."""
        found = []
        for x, y, _, width, _ in panels:
            found.append(
                {
                    "type": "scatter",
                    "x": [-0.5, width - 0.5],
                    "y": [k - 0.5, k - 0.5],
                    "xaxis": x,
                    "yaxis": y,
                }
            )
            found.append(
                {
                    "type": "scatter",
                    "x": [-0.5, width - 0.5, width - 0.5, -0.5, -0.5],
                    "y": [k - 0.5, k - 0.5, rows - 0.5, rows - 0.5, k - 0.5],
                    "xaxis": x,
                    "yaxis": y,
                }
            )
        return found

    styles = []
    for _ in panels:
        styles.append(
            {"mode": "lines", "line": {"color": theme.cursor, "width": 2}, "hoverinfo": "skip"}
        )
        styles.append(
            {
                "mode": "lines",
                "fill": "toself",
                "fillcolor": theme.veil,
                "line": {"width": 0},
                "hoverinfo": "skip",
            }
        )
    hover = trace(
        "scatter",
        x=np.full(rows, 4.5),
        y=np.arange(rows),
        mode="markers",
        marker={"opacity": 0, "size": 1},
        customdata=[[r + 1, int(g), float(after_rows[r, g])] for r, g in enumerate(guesses)],
        hovertemplate="after row %{customdata[0]}: %{customdata[1]} "
        "(%{customdata[2]:.0%})<extra></extra>",
        xaxis="x3",
        yaxis="y3",
    )
    data = [
        hover,
        *({**t, **s, "showlegend": False} for t, s in zip(moving(rows), styles, strict=True)),
    ]
    frames = [
        {"name": str(k), "data": moving(k), "traces": list(range(1, len(data)))}
        for k in range(1, rows + 1)
    ]
    axis = {"showgrid": False, "zeroline": False, **FIXED_MARGIN}
    layout = {
        "height": 420,
        "margin": {"l": 40, "r": 10, "t": 30, "b": 140},
        "paper_bgcolor": PAPER,
        "plot_bgcolor": PAPER,
        "showlegend": False,
        "images": [_picture(p, x, y, w) for x, y, p, w, _ in panels],
        "updatemenus": [play_buttons(ROW_MS, y=-0.42)],
        "sliders": [_row_slider(rows, guesses)],
        "annotations": [
            {
                "text": title,
                "xref": f"{x} domain",
                "yref": "paper",
                "x": 0.5,
                "y": 1.06,
                "showarrow": False,
                "font": {"size": 13},
            }
            for x, _, _, _, title in panels
        ],
    }
    domains = ((0.0, 0.26), (0.32, 0.72), (0.78, 1.0))
    for (x, y, _, width, _), domain in zip(panels, domains, strict=True):
        suffix = x[1:]
        layout[f"xaxis{suffix}"] = {
            **axis,
            "domain": list(domain),
            "range": [-0.5, width - 0.5],
            "anchor": y,
            "showticklabels": x == "x3",
            "tickvals": DIGITS if x == "x3" else None,
        }
        layout[f"yaxis{suffix}"] = {
            **axis,
            "range": [rows - 0.5, -0.5],
            "anchor": x,
            "showticklabels": x == "x",
            "title": {"text": "row" if x == "x" else ""},
        }
    return go.Figure(data=data, layout=layout, frames=frames)


def _row_slider(rows: int, guesses: np.ndarray) -> dict:
    return {
        "active": rows - 1,
        "x": 0.0,
        "len": 1.0,
        "y": -0.08,
        "yanchor": "top",
        "pad": {"t": 0, "b": 0},
        "currentvalue": {"prefix": "after row ", "xanchor": "left"},
        "transition": {"duration": 0},
        "steps": slider_steps([f"{k}: guesses {guesses[k - 1]}" for k in range(1, rows + 1)]),
    }


ACCURACY_AXIS = {
    "title": {"text": "held-out digits right"},
    "tickformat": ".0%",
    "range": [0, 1.02],
}


def reader_lines(
    curves: Mapping[str, np.ndarray],
    x: object,
    styles: Styles,
    hover: str,
    x_axis: dict,
    y_axis: dict,
    height: int = 320,
) -> go.Figure:
    """One line per reader over the same x, in the reader's colour; `hover` formats the value
    after the reader's name (e.g. "after %{x} rows: %{y:.1%}")."""
    lines = [
        trace(
            "scatter",
            x=x,
            y=curve,
            mode="lines+markers",
            name=styles[name].label,
            line={"color": styles[name].colour, "width": 2},
            hovertemplate=f"{styles[name].label} {hover}<extra></extra>",
        )
        for name, curve in curves.items()
    ]
    return go.Figure(
        lines,
        {
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 40, "b": 50},
            "paper_bgcolor": PAPER,
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
            "xaxis": x_axis,
            "yaxis": y_axis,
        },
    )


def rows_accuracy_figure(curves: Mapping[str, np.ndarray], styles: Styles) -> go.Figure:
    """Held-out accuracy against the rows read so far (the CNN: with the rows below blanked)."""
    x_axis = {"title": {"text": "rows read, from the top"}, "dtick": 2}
    return reader_lines(
        curves, np.arange(1, 29), styles, "after %{x} rows: %{y:.1%}", x_axis, ACCURACY_AXIS
    )


def shift_figure(
    curves: Mapping[str, np.ndarray], shifts: tuple[int, ...], styles: Styles
) -> go.Figure:
    x_axis = {"title": {"text": "digit moved by (pixels, up, down, left or right)"}, "dtick": 1}
    return reader_lines(
        curves, list(shifts), styles, "moved %{x} px: %{y:.1%}", x_axis, ACCURACY_AXIS, 300
    )


def row_gradient_figure(curves: Mapping[str, np.ndarray], styles: Styles) -> go.Figure:
    """How much each row can move the verdict, by row, on a log scale (zeros left out)."""
    shown = {name: np.where(curve > 0, curve, np.nan) for name, curve in curves.items()}
    values = [v for curve in curves.values() for v in curve]
    x_axis = {"title": {"text": "row (1 = top, read first)"}, "dtick": 3}
    y_axis = log_axis(values, "|∂ score / ∂ row|")
    return reader_lines(shown, np.arange(1, 29), styles, "row %{x}: %{y:.2e}", x_axis, y_axis)


def training_figure(
    history: list, styles: Styles, along: str, measure: str, title: str, epochs: int
) -> go.Figure:
    """One line per reader: `measure` ("accuracy" or "loss") of every epoch so far, against
    "epoch" or the reader's own training "seconds"."""
    lines = []
    for name, style in styles.items():
        rows = [r for r in history if r.reader == name]
        if not rows:
            continue
        lines.append(
            trace(
                "scatter",
                x=[getattr(r, along) for r in rows],
                y=[getattr(r, measure) for r in rows],
                mode="lines+markers",
                name=style.label,
                line={"color": style.colour, "width": 2},
                hovertemplate=f"{style.label}: %{{y:.3f}} at %{{x:.1f}}<extra></extra>",
            )
        )
    axis = {"title": {"text": "epoch" if along == "epoch" else "seconds of training"}}
    if along == "epoch":
        axis |= {"range": [0.5, epochs + 0.5], "dtick": 1}
    value = {"title": {"text": title}}
    if measure == "accuracy":
        value |= {"tickformat": ".0%", "range": [0, 1.02]}
    return go.Figure(
        lines,
        {
            "height": 300,
            "margin": {"l": 50, "r": 10, "t": 40, "b": 50},
            "paper_bgcolor": PAPER,
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
            "xaxis": axis,
            "yaxis": value,
        },
    )
