"""Figures for the LSTM page: a units x tokens heatmap with in-browser playback, and step views."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from charts.bars import probability_bars
from charts.pictures import png_data_uri

if TYPE_CHECKING:
    from models.lstm_memory import MemoryAtStep
    from models.lstm_trace import LayerStates, LstmTrace

STATES: dict[str, str] = {
    "h": "h · hidden state",
    "c": "c · cell memory",
    "f": "f · forget gate",
    "i": "i · input gate",
    "g": "g · candidate",
    "o": "o · output gate",
    "dh": "Δh · change of h",
}
# Bounded by their nonlinearity: tanh in [-1, 1], sigmoid gates in [0, 1]. Showing the gates on
# the same [-1, 1] scale keeps white = 0 = "closed" and deep red = 1 = "wide open".
_BOUNDED = {"h", "g", "i", "f", "o"}
COLORSCALE = "RdBu_r"  # blue negative, white zero, red positive
MAX_TICKS = 60
MAX_TOKEN_CHARS = 14
PLAYBACK_MS = 12_000  # a whole sentence plays in about this long, within the clamps below
FRAME_MS = (60, 500)
PAPER = "rgba(0,0,0,0)"


def display_token(token: str, max_chars: int = MAX_TOKEN_CHARS) -> str:
    """A token as plotly text: shortened, with '<' '>' '&' escaped so it is shown, not parsed."""
    visible = "".join(ch if ch.isprintable() else "·" for ch in token)
    if len(visible) > max_chars:
        visible = visible[: max_chars - 1] + "…"
    return html.escape(visible, quote=False)


def tick_label(token: str, known: bool) -> str:
    """Axis label of a token; words the model never learned are grey, italic and end in '?'."""
    text = display_token(token)
    return text if known else f'<span style="color:#9a9a9a"><i>{text}?</i></span>'


def state_matrix(layer: LayerStates, state: str) -> np.ndarray:
    """(T, H) values of one state or gate; "dh" is h_t − h_(t−1) with h_0 = 0 before any token."""
    if state not in STATES:
        raise KeyError(f"unknown state {state!r}; choose one of {list(STATES)}")
    if state == "dh":
        h = np.asarray(layer.h, dtype=np.float32)
        return np.diff(h, axis=0, prepend=np.zeros((1, h.shape[1]), dtype=np.float32))
    return np.asarray(getattr(layer, state), dtype=np.float32)


def colour_limit(values: np.ndarray, state: str) -> float:
    """Half-width of the colour range, which is symmetric so that white is exactly 0."""
    if state in _BOUNDED:
        return 1.0
    return float(max(np.abs(values).max(initial=0.0), 1e-6))


def diverging_colours(values: np.ndarray, limit: float = 1.0) -> list[str]:
    """The COLORSCALE colour of each value on a [-limit, limit] scale."""
    positions = np.clip((np.asarray(values, dtype=np.float64) / limit + 1) / 2, 0, 1)
    return sample_colorscale(COLORSCALE, positions.tolist())


def step_change(h: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """(h_(t−1), h_t) for a 1-based step t; the state before the first token is all zeros."""
    if not 1 <= step <= len(h):
        raise IndexError(f"step {step} is outside 1..{len(h)}")
    after = np.asarray(h[step - 1], dtype=np.float32)
    before = np.zeros_like(after) if step == 1 else np.asarray(h[step - 2], dtype=np.float32)
    return before, after


def movement(h: np.ndarray) -> np.ndarray:
    """(T,) Euclidean length of h_t − h_(t−1) at every step: how far each token moved h."""
    h = np.asarray(h, dtype=np.float32)
    return np.linalg.norm(np.diff(h, axis=0, prepend=np.zeros((1, h.shape[1]), h.dtype)), axis=1)


@dataclass(frozen=True)
class MovedUnit:
    unit: int
    before: float
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


def top_moved_units(h: np.ndarray, step: int, k: int = 5) -> list[MovedUnit]:
    """The k units whose value changed most (in absolute terms) at a 1-based step, largest first."""
    before, after = step_change(h, step)
    order = np.argsort(-np.abs(after - before), kind="stable")[:k]
    return [MovedUnit(int(u), float(before[u]), float(after[u])) for u in order]


def _top_changed(values: np.ndarray, k: int) -> np.ndarray:
    """(T, k) indices of the units that changed most at each step (any state, 0 before step 1)."""
    delta = np.abs(np.diff(values, axis=0, prepend=np.zeros((1, values.shape[1]), values.dtype)))
    return np.argsort(-delta, axis=1, kind="stable")[:, :k]


@dataclass(frozen=True)
class _Lower:
    """The per-token curve under the heatmap: running sentiment, or next-character confidence."""

    y: np.ndarray
    title: str
    limits: tuple[float, float]
    ticks: dict
    labels: list[str]
    hover: str
    value_format: str


def _lower_panel(trace: LstmTrace) -> _Lower:
    if trace.sentiment is not None:
        return _Lower(
            y=np.asarray(trace.sentiment, dtype=np.float32),
            title="sentiment",
            limits=(-1.15, 1.15),
            ticks={"tickvals": [-1, 0, 1], "ticktext": ["−1 neg", "0", "+1 pos"]},
            labels=[],
            hover="after %{customdata}: sentiment %{y:+.2f}<extra></extra>",
            value_format="{:+.2f}",
        )
    if trace.next_chars is None:
        raise ValueError("a trace needs either a sentiment curve or next-character predictions")
    best = [predictions[0] for predictions in trace.next_chars]
    return _Lower(
        y=np.array([prob for _, prob in best], dtype=np.float32),
        title="top guess",
        limits=(0.0, 1.18),
        ticks={"tickvals": [0, 0.5, 1], "ticktext": ["0%", "50%", "100%"]},
        labels=[display_token(char) for char, _ in best],
        hover="after %{customdata}: expects %{text} (%{y:.0%})<extra></extra>",
        value_format="{:.0%}",
    )


def _colour_table(size: int = 257) -> np.ndarray:
    """(size, 3) uint8 RGB of COLORSCALE from −1 to +1; the middle entry is exactly 0."""
    colours = sample_colorscale(COLORSCALE, np.linspace(0.0, 1.0, size).tolist())
    rgb = [[round(float(c)) for c in colour[4:-1].split(",")] for colour in colours]
    return np.array(rgb, dtype=np.uint8)


_COLOUR_TABLE = _colour_table()


def heatmap_pixels(values: np.ndarray, limit: float) -> np.ndarray:
    """(H, T, 3) uint8 picture of (T, H) values on COLORSCALE over [−limit, limit].

    Row 0 of the picture is the last unit, so unit 0 ends up at the bottom of the plot.
    """
    scaled = np.clip(np.asarray(values, dtype=np.float64) / limit, -1.0, 1.0)
    index = np.rint((scaled + 1.0) * (len(_COLOUR_TABLE) // 2)).astype(np.intp)
    return _COLOUR_TABLE[index.T[::-1]]


def enlarged_png_data_uri(pixels: np.ndarray, min_width: int = 1100, min_height: int = 400) -> str:
    """A PNG data URI of an (H, W, 3) picture with each cell enlarged to a whole number of
    pixels, so that cells stay crisp when the browser stretches the picture over the plot."""
    rows, cols = pixels.shape[:2]
    big = pixels.repeat(max(1, math.ceil(min_height / rows)), axis=0)
    big = big.repeat(max(1, math.ceil(min_width / cols)), axis=1)
    return png_data_uri(big)


def watch_figure(trace: LstmTrace, state: str = "h", layer: int = 0, top_k: int = 3) -> go.Figure:
    """Units x tokens heatmap of one state over the per-token curve, with Play and a slider.

    Playback runs in the browser without redrawing: each frame only moves a cursor box, a
    veil over the tokens not read yet, arrows at the units that changed most and the point on
    the curve (a few numbers per frame). The heatmap is a picture in the layout because
    plotly.js drops heatmap traces from a subplot during frames drawn without a redraw, and
    redrawing everything each frame is several times slower on long texts.
    """
    values = state_matrix(trace.layers[layer], state)  # (T, H)
    n_tokens, n_units = values.shape
    steps = np.arange(1, n_tokens + 1)
    lower = _lower_panel(trace)
    names = [display_token(token) for token in trace.tokens]
    limit = colour_limit(values, state)
    moved = _top_changed(values, top_k)  # (T, k)
    symbol = STATES[state].split(" · ")[0]

    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.1
    )
    fig.add_layout_image(
        source=enlarged_png_data_uri(heatmap_pixels(values, limit)),
        xref="x",
        yref="y",
        x=0.5,
        y=n_units - 0.5,
        sizex=n_tokens,
        sizey=n_units,
        sizing="stretch",
        xanchor="left",
        yanchor="top",
        layer="below",
    )
    # An invisible point carries the colour bar of the picture.
    fig.add_trace(
        go.Scatter(
            x=[1],
            y=[0],
            mode="markers",
            marker={
                "color": [0.0],
                "colorscale": COLORSCALE,
                "cmin": -limit,
                "cmid": 0.0,
                "cmax": limit,
                "opacity": 0,
                "showscale": True,
                "colorbar": {
                    "title": {"text": symbol, "side": "top"},
                    "len": 0.66,
                    "y": 1.0,
                    "yanchor": "top",
                    "thickness": 14,
                },
            },
            hoverinfo="skip",
            name=STATES[state],
        ),
        row=1,
        col=1,
    )
    # One invisible point per column gives the hover text of that token.
    spread = [
        f"token {t + 1}: {names[t]}"
        f"<br>{symbol} from {values[t].min():+.2f} to {values[t].max():+.2f}"
        f"<br>changed most: units {', '.join(str(u) for u in moved[t])}"
        for t in range(n_tokens)
    ]
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=np.full(n_tokens, (n_units - 1) / 2),
            mode="markers",
            marker={"opacity": 0, "size": 1},
            text=spread,
            hovertemplate="%{text}<extra></extra>",  # %{x} would show the tick text
            name="tokens",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=lower.y,
            mode="lines+markers+text" if lower.labels and n_tokens <= 80 else "lines+markers",
            text=lower.labels or None,
            textposition="top center",
            textfont={"size": 11},
            line={"color": "#9a9a9a", "width": 1.5},
            marker={
                "size": 7,
                "color": lower.y,
                "colorscale": COLORSCALE if trace.sentiment is not None else "Greys",
                "cmin": -1.0 if trace.sentiment is not None else -0.3,
                "cmax": 1.0,
                "line": {"width": 0.5, "color": "#555"},
            },
            customdata=names,
            hovertemplate=lower.hover,
            name=lower.title,
        ),
        row=2,
        col=1,
    )

    low, high = lower.limits
    top_y, bottom_y = -0.5, n_units - 0.5

    def dynamic(t: int) -> list[dict]:
        """The traces that move during playback, for a 1-based step t (plain dicts: speed)."""
        veil_x = [t + 0.5, n_tokens + 0.5, n_tokens + 0.5, t + 0.5, t + 0.5]
        box_x = [t - 0.5, t + 0.5, t + 0.5, t - 0.5, t - 0.5]
        value = round(float(lower.y[t - 1]), 4)
        units = [int(u) for u in moved[t - 1]]
        return [
            {"type": "scatter", "x": veil_x, "y": [top_y, top_y, bottom_y, bottom_y, top_y]},
            {"type": "scatter", "x": box_x, "y": [top_y, top_y, bottom_y, bottom_y, top_y]},
            {
                "type": "scatter",
                "x": [t - 0.5] * len(units),
                "y": units,
                "text": [f"unit {u}" for u in units],
            },
            {"type": "scatter", "x": veil_x, "y": [low, low, high, high, low]},
            {
                "type": "scatter",
                "x": [t],
                "y": [value],
                "text": [lower.value_format.format(value)],
            },
        ]

    veil = {
        "mode": "lines",
        "fill": "toself",
        "fillcolor": "rgba(255,255,255,0.82)",
        "line": {"width": 0},
        "hoverinfo": "skip",
    }
    styles = [
        (veil, 1),
        ({"mode": "lines", "line": {"color": "#111", "width": 2}, "hoverinfo": "skip"}, 1),
        (
            {
                "mode": "markers",
                "marker": {"symbol": "triangle-right", "size": 9, "color": "#111"},
                "cliponaxis": False,
                "hoverinfo": "skip",
            },
            1,
        ),
        (veil, 2),
        (
            {
                "mode": "markers+text",
                "marker": {"size": 13, "color": "rgba(0,0,0,0)", "line": {"width": 2.5}},
                "textposition": "middle right",
                "textfont": {"size": 13, "color": "#111"},
                "cliponaxis": False,
                "hoverinfo": "skip",
            },
            2,
        ),
    ]
    first_dynamic = len(fig.data)
    for scatter, (style, row) in zip(dynamic(n_tokens), styles, strict=True):
        fig.add_trace(go.Scatter({**scatter, **style, "showlegend": False}), row=row, col=1)
    dynamic_indices = list(range(first_dynamic, len(fig.data)))

    fig.frames = [
        {"name": str(t), "data": dynamic(int(t)), "traces": dynamic_indices} for t in steps
    ]
    frame_ms = int(min(max(PLAYBACK_MS / n_tokens, FRAME_MS[0]), FRAME_MS[1]))
    still = {"duration": 0, "redraw": False}
    fig.update_layout(
        height=620,
        margin={"l": 70, "r": 20, "t": 20, "b": 120},
        paper_bgcolor=PAPER,
        plot_bgcolor=PAPER,
        hovermode="x",
        showlegend=False,
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "y": -0.2,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 0, "r": 10},
                "showactive": False,
                "buttons": [
                    {
                        "label": "▶ Play",
                        "method": "animate",
                        "args": [
                            None,
                            {
                                "frame": {"duration": frame_ms, "redraw": False},
                                "transition": {"duration": 0},
                                "fromcurrent": False,
                                "mode": "immediate",
                            },
                        ],
                    },
                    {
                        "label": "❚❚ Pause",
                        "method": "animate",
                        "args": [
                            [None],
                            {"frame": still, "transition": {"duration": 0}, "mode": "immediate"},
                        ],
                    },
                ],
            }
        ],
        sliders=[
            {
                "active": n_tokens - 1,
                "x": 0.17,
                "len": 0.83,
                "y": -0.14,
                "yanchor": "top",
                "pad": {"t": 0, "b": 0},
                "font": {"color": PAPER},  # per-step labels would overlap; the current one shows
                "tickcolor": "#bbb",
                "currentvalue": {
                    "prefix": "token ",
                    "font": {"size": 14, "color": "#222"},
                    "xanchor": "left",
                },
                "transition": {"duration": 0},
                "steps": [
                    {
                        "label": f"{t} of {n_tokens}: {names[t - 1]}",
                        "method": "animate",
                        "args": [
                            [str(t)],
                            {"frame": still, "transition": {"duration": 0}, "mode": "immediate"},
                        ],
                    }
                    for t in steps
                ],
            }
        ],
    )
    ticks = _token_ticks(trace.tokens, trace.known)
    fig.update_xaxes(range=[0.5, n_tokens + 0.5], showgrid=False, zeroline=False, **ticks)
    fig.update_xaxes(showticklabels=True, row=1, col=1)
    fig.update_yaxes(
        title={"text": "hidden unit"},
        range=[-0.5, n_units - 0.5],
        showgrid=False,
        zeroline=False,
        row=1,
        col=1,
    )
    fig.update_yaxes(
        title={"text": lower.title},
        range=list(lower.limits),
        showgrid=False,
        zeroline=True,
        zerolinecolor="#bbb",
        row=2,
        col=1,
        **lower.ticks,
    )
    return fig


def _token_ticks(tokens: tuple[str, ...], known: tuple[bool, ...]) -> dict:
    """Tick every token while they fit; thin them to at most MAX_TICKS otherwise."""
    every = max(1, math.ceil(len(tokens) / MAX_TICKS))
    shown = range(1, len(tokens) + 1, every)
    return {
        "tickmode": "array",
        "tickvals": list(shown),
        "ticktext": [tick_label(tokens[t - 1], known[t - 1]) for t in shown],
        "tickfont": {"size": 12 if len(tokens) <= 30 else 10},
    }


def step_figure(h: np.ndarray, step: int, top_k: int = 5) -> go.Figure:
    """h_t as bars (h_(t−1) as grey ticks), and below it the change h_t − h_(t−1) per unit."""
    before, after = step_change(h, step)
    change = after - before
    units = np.arange(len(after))
    top = [moved.unit for moved in top_moved_units(h, step, top_k)]
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.14,
        subplot_titles=("h after this token (grey dash: before it)", "change h_t − h_(t−1)"),
    )
    fig.add_trace(
        go.Bar(
            x=units,
            y=after,
            # Colours computed here: plotly.js warns on numeric colour arrays for bars.
            marker={"color": diverging_colours(after)},
            hovertemplate="unit %{x}: %{y:+.3f}<extra></extra>",
            name="h_t",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=units,
            y=before,
            mode="markers",
            marker={"symbol": "line-ew-open", "size": 7, "color": "#666"},
            hovertemplate="unit %{x} before: %{y:+.3f}<extra></extra>",
            name="h_(t−1)",
        ),
        row=1,
        col=1,
    )
    highlight = np.isin(units, top)
    fig.add_trace(
        go.Bar(
            x=units,
            y=change,
            marker={"color": np.where(highlight, "#111", "#b8b8b8").tolist()},
            hovertemplate="unit %{x}: %{y:+.3f}<extra></extra>",
            name="change",
        ),
        row=2,
        col=1,
    )
    for unit in top:
        fig.add_annotation(
            x=unit,
            y=float(change[unit]),
            text=str(unit),
            showarrow=False,
            yshift=10 if change[unit] >= 0 else -10,
            font={"size": 11},
            row=2,
            col=1,
        )
    span = float(max(np.abs(change).max(initial=0.0), 0.05)) * 1.25
    fig.update_yaxes(range=[-1.05, 1.05], row=1, col=1)
    fig.update_yaxes(range=[-span, span], row=2, col=1)
    fig.update_xaxes(title={"text": "hidden unit"}, row=2, col=1)
    fig.update_layout(
        height=420,
        showlegend=False,
        bargap=0.1,
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        paper_bgcolor=PAPER,
    )
    return fig


def movement_figure(h: np.ndarray, tokens: tuple[str, ...], step: int) -> go.Figure:
    """How far h moved at every token, the chosen step in black."""
    distance = movement(h)
    steps = np.arange(1, len(distance) + 1)
    fig = go.Figure(
        go.Bar(
            x=steps,
            y=distance,
            marker={"color": ["#111" if t == step else "#9db4cf" for t in steps]},
            customdata=[f"{t}: {display_token(token)}" for t, token in enumerate(tokens, 1)],
            hovertemplate="token %{customdata}: moved %{y:.2f}<extra></extra>",
        )
    )
    ticks = _token_ticks(tokens, (True,) * len(tokens))
    fig.update_layout(
        height=230,
        margin={"l": 50, "r": 10, "t": 10, "b": 60},
        yaxis={"title": {"text": "|h_t − h_(t−1)|"}, "rangemode": "tozero"},
        xaxis={"range": [0.5, len(steps) + 0.5], **ticks},
        paper_bgcolor=PAPER,
        bargap=0.15,
    )
    return fig


def next_char_figure(predictions: tuple[tuple[str, float], ...]) -> go.Figure:
    """Horizontal bars of the top next-character guesses, most likely on top."""
    chars = [f"‘{display_token(char)}’" for char, _ in predictions]
    probs = [prob for _, prob in predictions]
    return probability_bars(
        chars, probs, text_format=".0%", hover_format=".1%", row_height=34, label_size=15
    )


def next_char_rows(trace: LstmTrace) -> list[dict[str, object]]:
    """One row per character: what the model expected next, for a table (plain text, no HTML)."""
    if trace.next_chars is None:
        return []
    rows: list[dict[str, object]] = []
    for step, (token, predictions) in enumerate(
        zip(trace.tokens, trace.next_chars, strict=True), start=1
    ):
        actual = trace.tokens[step] if step < len(trace.tokens) else ""
        row: dict[str, object] = {"step": step, "after": token, "actually next": actual}
        for rank, (char, prob) in enumerate(predictions, start=1):
            row[f"guess {rank}"] = f"{char}  {prob:.0%}"
        rows.append(row)
    return rows


def memory_figure(memory: MemoryAtStep, tokens: tuple[str, ...], step: int) -> go.Figure:
    """Each earlier token's share of the cell memory at `step` (bars) and how much of what it
    wrote is still kept (line: the mean over units of the forget-gate product since then)."""
    steps = np.arange(1, step + 1)
    labels = [f"{t}: {display_token(token)}" for t, token in enumerate(tokens[:step], 1)]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(
            x=steps,
            y=memory.share_by_token(),
            name="share of the memory now",
            marker={"color": ["#111" if t == step else "#c98b2b" for t in steps]},
            customdata=labels,
            hovertemplate="token %{customdata}: %{y:.1%} of the memory<extra></extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=memory.kept.mean(axis=1),
            name="kept of what it wrote",
            mode="lines+markers",
            line={"color": "#4c78a8"},
            customdata=labels,
            hovertemplate="token %{customdata}: %{y:.1%} still kept<extra></extra>",
        ),
        secondary_y=True,
    )
    ticks = _token_ticks(tokens, (True,) * len(tokens))
    fig.update_layout(
        height=260,
        margin={"l": 50, "r": 50, "t": 30, "b": 60},
        xaxis={"range": [0.5, len(tokens) + 0.5], **ticks},
        legend={"orientation": "h", "y": 1.18},
        paper_bgcolor=PAPER,
        bargap=0.15,
    )
    fig.update_yaxes(
        title_text="share of c_t", tickformat=".0%", rangemode="tozero", secondary_y=False
    )
    fig.update_yaxes(
        title_text="kept",
        tickformat=".0%",
        tickvals=[0, 0.25, 0.5, 0.75, 1],
        range=[0, 1.05],
        showgrid=False,
        secondary_y=True,
    )
    return fig
