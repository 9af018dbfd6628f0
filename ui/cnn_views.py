"""The CNN page's main views: the photo chooser, the prediction, every stage at a glance, and one
layer's channels up close."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import streamlit as st

from charts.cnn import (
    channel_captions,
    channel_grid_picture,
    channel_tiles,
    shape_ladder_figure,
    top_classes_figure,
)
from charts.theme import Theme
from imaging.encode import jpeg_bytes, png_bytes
from imaging.maps import overlay_image
from models.cnn.channel_stats import channel_means, channel_order
from models.cnn.imagenet import class_names, class_synonyms
from models.cnn.images import LoadedPhoto
from models.cnn.registry import CNN_MODELS
from models.cnn.trace import CnnTrace, Stage
from ui.cnn_cache import content_key, samples, thumbnail
from ui.cnn_explain_views import apply_top5_click
from ui.pictures import crisp_pixels, show_stage_pictures
from ui.text import escape_markdown

UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "gif"]


def choose_photo() -> tuple[str, bytes, str] | None:
    """The photo to analyse: (cache key, bytes, description), or None while none is chosen.

    Upload and Camera without a file show nothing below instead of a sample: replacing a file
    reruns the page once with no file (the old one is removed before the new one arrives), and
    drawing a sample in that run would cost a whole page for nothing.
    """
    gallery = samples()
    if "cnn_sample" not in st.session_state:
        st.session_state["cnn_sample"] = gallery[0].path.name
    source = st.radio(
        "Photo",
        ["Sample photo", "Upload", "Camera"],
        horizontal=True,
        key="cnn_source",
        label_visibility="collapsed",
    )
    if source == "Upload":
        upload = st.file_uploader(
            "Upload a photo (JPEG, PNG, WebP, BMP, TIFF, or a GIF's first frame)",
            type=UPLOAD_TYPES,
            key="cnn_upload",
        )
        if upload is None:
            st.info("Drop a photo above, or pick **Sample photo** to use one of ours.")
            return None
        data = upload.getvalue()
        return content_key("upload", upload.file_id, data), data, escape_markdown(upload.name)
    if source == "Camera":
        picture = st.camera_input("Take a picture", key="cnn_camera")
        if picture is None:
            st.info("Take a picture above, or pick **Sample photo** to use one of ours.")
            return None
        data = picture.getvalue()
        return content_key("camera", picture.file_id, data), data, "camera picture"
    return choose_sample()


def choose_sample() -> tuple[str, bytes, str]:
    """A row of sample thumbnails, each with its button; the chosen one's key, bytes, credit."""
    gallery = samples()
    columns = st.columns(len(gallery))
    for column, sample in zip(columns, gallery, strict=True):
        with column:
            st.image(thumbnail(sample.path), width="stretch")
            selected = st.session_state["cnn_sample"] == sample.path.name
            st.button(
                sample.title,
                key=f"cnn_sample_{sample.path.stem}",
                type="primary" if selected else "secondary",
                width="stretch",
                on_click=st.session_state.__setitem__,
                args=("cnn_sample", sample.path.name),
            )
    chosen = next(s for s in gallery if s.path.name == st.session_state["cnn_sample"])
    return (
        f"sample:{chosen.path.name}",
        chosen.path.read_bytes(),
        f"{chosen.title}: {chosen.credit}",
    )


def describe_photo(photo: LoadedPhoto, description: str) -> str:
    width, height = photo.upright_size
    notes = [f"{description} · {width}×{height}, mode {photo.original_mode}"]
    if photo.frames > 1:
        notes.append(f"first of {photo.frames} frames used")
    if photo.image.size != (width, height):
        notes.append(f"scaled to {photo.image.width}×{photo.image.height} px before cropping")
    return " · ".join(notes)


def show_prediction(trace: CnnTrace, photo_note: str, theme: Theme) -> None:
    names, synonyms = class_names(), class_synonyms()
    left, right = st.columns([2, 3])
    with left:
        st.subheader("What the network sees")
        st.image(jpeg_bytes(trace.shown), width="stretch")
        st.caption(f"Resized and centre-cropped to {trace.shown.shape[0]} px. {photo_note}")
    with right:
        st.subheader("What it thinks it is")
        top = trace.top(5)
        event = st.plotly_chart(
            top_classes_figure([names[i] for i, _ in top], [p for _, p in top], theme),
            width="stretch",
            key="cnn_top5",
            on_select="rerun",
            selection_mode="points",
        )
        apply_top5_click(event, trace)
        best, prob = top[0]
        also = synonyms[best].split(", ")[1:]
        aliases = f" — also called {', '.join(also)}" if also else ""
        st.markdown(f"**Top guess: {names[best]}** ({prob:.1%}){aliases}.")
        st.caption(
            "ImageNet has 1000 classes, many of them dog breeds; a photo of something outside "
            "those classes still gets the closest match."
        )


def show_overview(trace: CnnTrace, theme: Theme) -> None:
    st.header("Layer by layer")
    st.markdown(
        "Each picture is one stage's output, summarised as a single map. Read left to right: "
        "the maps get **smaller** (fewer, coarser pixels) while the number of channels — "
        "different learned detectors — gets **larger**. That is the spatial hierarchy: "
        "local detail is traded for more abstract features that cover more of the photo."
    )
    how = st.radio(
        "Summarise each stage by",
        ["mean", "strongest"],
        format_func={"mean": "mean of all channels", "strongest": "its strongest channel"}.get,
        horizontal=True,
        key="cnn_overview_summary",
    )
    names = [stage.name for stage in trace.stages]
    shapes = [stage.shape for stage in trace.stages]
    fields = {
        stage: field.size for stage, field in CNN_MODELS[trace.model].receptive_fields().items()
    }
    show_stage_pictures(trace, how, "cnn_overview", 170, fields)
    st.plotly_chart(shape_ladder_figure(names, shapes, theme), width="stretch", key="cnn_shapes")


@dataclass(frozen=True)
class ChannelView:
    """What the layer explorer's controls chose: a stage, which of its channels, how scaled."""

    stage: Stage
    shown: list[int]  # channel indices, in the chosen order
    per_channel: bool  # each tile on its own colour range, or all on the layer's
    class_labels: list[str] | None  # the class name of every channel, for a class-map stage


@st.fragment
def layer_explorer(trace: CnnTrace) -> None:
    """Redraws from the cached trace only: changing a control here never reruns the network."""
    st.header("Inside one layer")
    view = choose_channels(trace)
    show_channel_grid(trace, view)
    show_one_channel(trace, view)


def choose_channels(trace: CnnTrace) -> ChannelView:
    names = [stage.name for stage in trace.stages]
    controls = st.columns([2, 2, 2, 2])
    layer = controls[0].selectbox("Layer", names, index=1, key=f"cnn_layer_{trace.model}")
    stage = trace.stage(layer)
    channels_total = stage.shape[0]
    order_by = controls[1].radio(
        "Order channels by",
        ["mean", "index"],
        format_func={"mean": "mean activation", "index": "channel number"}.get,
        horizontal=True,
        key="cnn_sort",
    )
    count = controls[2].select_slider(
        "Channels shown",
        [n for n in (8, 16, 32, 64) if n <= channels_total] or [channels_total],
        value=min(16, channels_total),  # 8 a row; more on request (each tile is a file)
        key="cnn_count",
    )
    scale = controls[3].radio(
        "Colour scale",
        ["layer", "channel"],
        format_func={"layer": "shared by the layer", "channel": "per channel"}.get,
        horizontal=True,
        key="cnn_scale",
    )
    st.caption(f"**{layer}** · {stage.note} · output {'×'.join(map(str, stage.shape))}")
    order = channel_order(stage.maps, order_by)
    starts = list(range(0, channels_total, count))
    start = 0
    if len(starts) > 1:
        start = st.select_slider(
            "Which channels (in the order chosen above)",
            starts,
            format_func=lambda first: f"{first + 1}–{min(first + count, channels_total)}",
            key="cnn_page",
        )
    is_class_maps = layer == CNN_MODELS[trace.model].class_channels_stage
    return ChannelView(
        stage=stage,
        shown=[int(c) for c in order[start : start + count]],
        per_channel=scale == "channel",
        class_labels=list(class_names()) if is_class_maps else None,
    )


def show_channel_grid(trace: CnnTrace, view: ChannelView) -> None:
    stage = view.stage
    if view.class_labels is not None:
        st.info(
            f"{stage.name} has one channel per ImageNet class, and the network's score for a "
            "class is simply the average of that class's map. Ordered by mean activation, the "
            "first tiles are the top guesses; the overlay below shows where in the photo the "
            "network found evidence for a class."
        )
    crisp_pixels("cnn_grid")
    with st.container(key="cnn_grid"):
        st.image(
            channel_tiles(stage.maps, view.shown, view.per_channel),
            caption=channel_captions(view.shown, view.class_labels),
            width=120,
            output_format="PNG",
        )
    st.caption(
        "Bright = strong response. With a shared colour scale, dark tiles are channels that "
        "barely fired on this photo; with per-channel scaling every tile shows its own pattern."
    )
    st.download_button(
        "These channels (PNG)",
        data=partial(png_bytes, channel_grid_picture(stage.maps, view.shown, view.per_channel)),
        file_name=f"{trace.model}_{stage.name}_channels.png",
        mime="image/png",
        on_click="ignore",
        key="cnn_grid_png",
    )


def show_one_channel(trace: CnnTrace, view: ChannelView) -> None:
    stage = view.stage
    channels_total, side = stage.shape[0], trace.shown.shape[0]
    st.subheader("One channel on the photo")
    left, right = st.columns([1, 2])
    with left:
        channel = st.number_input(
            f"Channel (0–{channels_total - 1})",
            min_value=0,
            max_value=channels_total - 1,
            value=view.shown[0],
            key=f"cnn_channel_{trace.model}_{stage.name}",
        )
        opacity = st.slider("Overlay opacity", 0.0, 1.0, 0.6, 0.05, key="cnn_opacity")
        means = channel_means(stage.maps)
        rank = int((means > means[channel]).sum()) + 1
        labels = view.class_labels
        class_note = f" — class *{labels[channel]}*" if labels else ""
        st.markdown(
            f"Channel **#{channel}**{class_note}: mean activation {means[channel]:.3f}, "
            f"rank {rank} of {channels_total} in this layer. "
            f"Its {stage.shape[1]}×{stage.shape[2]} map is stretched over the {side}-pixel "
            f"input, so each map pixel covers about {side / stage.shape[1]:.0f} photo pixels."
        )
    with right:
        blended = overlay_image(trace.shown, stage.maps[channel], opacity)
        with st.container(key="cnn_overlay"):
            st.image(jpeg_bytes(blended), width=460)
