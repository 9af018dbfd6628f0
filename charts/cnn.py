"""Figures for the CNN page: top classes, the stage overview, a layer's channel grid, overlays."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from charts.bars import probability_bars
from charts.pictures import png_data_uri
from charts.rendering import colorize, scale_maps, tile, tile_origins, upscale_nearest
from models.channel_stats import representative_map

GRID_GAP = 2


def _bare_axes(fig: go.Figure) -> None:
    """Hide axes and keep square pixels: each y axis is anchored to its own subplot's x axis."""
    fig.update_xaxes(visible=False, constrain="domain")
    for trace in fig.data:
        y_name, x_name = trace.yaxis or "y", trace.xaxis or "x"
        fig.layout["yaxis" + y_name[1:]].update(
            visible=False, scaleanchor=x_name, constrain="domain", autorange="reversed"
        )


def top_classes_figure(labels: list[str], probs: list[float]) -> go.Figure:
    """Horizontal bars of the top classes, most likely on top."""
    return probability_bars(labels, probs)


def stage_overview_figure(
    names: list[str],
    shapes: list[tuple[int, int, int]],
    maps: list[np.ndarray],
    how: str,
    fields: list[int] | None = None,
) -> go.Figure:
    """Every stage in order as one small picture titled with its name and C×H×W shape (and,
    given `fields`, the side in pixels of what one of its units can see)."""
    columns = 6 if len(names) > 12 else 5
    rows = -(-len(names) // columns)
    titles = [f"{name}<br>{c}×{h}×{w}" for name, (c, h, w) in zip(names, shapes, strict=True)]
    if fields is not None:
        titles = [f"{title} · sees {size} px" for title, size in zip(titles, fields, strict=True)]
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=titles,
        horizontal_spacing=0.02,
        vertical_spacing=0.12 / rows,
    )
    for index, stage_maps in enumerate(maps):
        summary = representative_map(stage_maps, how)
        rgb = colorize(scale_maps(summary[None], per_channel=True)[0])
        fig.add_trace(
            go.Image(source=png_data_uri(upscale_nearest(rgb, 112)), hoverinfo="skip"),
            row=index // columns + 1,
            col=index % columns + 1,
        )
    _bare_axes(fig)
    fig.update_annotations(font_size=11)
    fig.update_layout(height=190 * rows + 20, margin={"l": 0, "r": 0, "t": 40, "b": 0})
    return fig


def shape_ladder_figure(names: list[str], shapes: list[tuple[int, int, int]]) -> go.Figure:
    """Channels per stage as bars and map side length as a line: depth grows, space shrinks."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(x=names, y=[c for c, _, _ in shapes], name="channels (C)", marker_color="#9ecae9"),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=names,
            y=[h for _, h, _ in shapes],
            name="map height (H)",
            mode="lines+markers",
            line={"color": "#e45756", "width": 3},
        ),
        secondary_y=True,
    )
    channel_ticks = sorted({c for c, _, _ in shapes})
    fig.update_yaxes(
        title_text="channels (log scale)",
        type="log",
        tickvals=channel_ticks,
        ticktext=[str(c) for c in channel_ticks],
        minor={"showgrid": False},
        secondary_y=False,
    )
    fig.update_yaxes(
        title_text="pixels per side",
        tickmode="auto",
        nticks=6,
        showgrid=False,
        rangemode="tozero",
        secondary_y=True,
    )
    fig.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": 1.12},
        bargap=0.3,
    )
    return fig


def channel_grid_picture(
    maps: np.ndarray, channels: list[int], per_channel: bool, columns: int = 8
) -> np.ndarray:
    """The chosen channels of a (C, H, W) layer as one tiled uint8 RGB picture."""
    scaled = scale_maps(maps, per_channel=per_channel)[channels]
    tiles = colorize(upscale_nearest(scaled.transpose(1, 2, 0), 56).transpose(2, 0, 1))
    return tile(tiles, columns, gap=GRID_GAP, fill=255)


def channel_grid_figure(
    maps: np.ndarray,
    channels: list[int],
    per_channel: bool,
    columns: int = 8,
    labels: list[str] | None = None,
) -> go.Figure:
    """The chosen channels of a (C, H, W) layer as one tiled picture, each tile numbered.

    `labels`, if given, names every channel of the layer (e.g. the class of a class map).
    """
    grid = channel_grid_picture(maps, channels, per_channel, columns)
    factor = max(1, -(-56 // min(maps.shape[1:])))  # as upscale_nearest enlarges each tile
    height, width = maps.shape[1] * factor, maps.shape[2] * factor
    columns = min(columns, len(channels))
    fig = go.Figure(go.Image(source=png_data_uri(grid), hoverinfo="skip"))
    origins = tile_origins(len(channels), columns, height, width, GRID_GAP)
    # One layout update: plotly re-validates every annotation on each add_annotation call.
    fig.update_layout(
        annotations=[
            {
                "x": x + 2,
                "y": y + 2,
                "text": f"#{channel} {labels[channel][:18]}" if labels else f"#{channel}",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": 10, "color": "white"},
                "bgcolor": "rgba(0,0,0,0.45)",
            }
            for channel, (x, y) in zip(channels, origins, strict=True)
        ]
    )
    _bare_axes(fig)
    rows = -(-len(channels) // columns)
    fig.update_layout(
        height=min(1400, int(130 * rows * max(1.0, 8 / columns))),
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
    )
    return fig


def overlay_image(photo: np.ndarray, feature_map: np.ndarray, opacity: float) -> np.ndarray:
    """Blend one (h, w) feature map, stretched to the photo's size, over a (S, S, 3) photo."""
    scaled = scale_maps(feature_map[None], per_channel=True)[0]
    size = (photo.shape[1], photo.shape[0])
    stretched = np.asarray(Image.fromarray(scaled).resize(size, Image.Resampling.BILINEAR))
    heat = colorize(stretched).astype(np.float32)
    blended = (1.0 - opacity) * photo.astype(np.float32) + opacity * heat
    return np.rint(blended).clip(0, 255).astype(np.uint8)


def picture_figure(rgb: np.ndarray, height: int = 380) -> go.Figure:
    """A single picture with bare axes (zoomable in the browser)."""
    fig = go.Figure(go.Image(source=png_data_uri(rgb), hoverinfo="skip"))
    _bare_axes(fig)
    fig.update_layout(height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0})
    return fig
