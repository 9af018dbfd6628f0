"""The CNN page's main views: the photo chooser, the prediction, every stage at a glance, and one
layer's channels up close."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import NoReturn

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from charts.cnn import (
    channel_captions,
    shape_ladder_figure,
    top_classes_figure,
)
from charts.theme import Theme
from imaging.encode import jpeg_bytes, png_bytes
from imaging.maps import overlay_image
from imaging.marks import for_screen
from imaging.tiles import channel_grid_picture, channel_tiles
from models.cnn.channel_stats import channel_means, channel_order
from models.cnn.images import ImageInputError, LoadedPhoto
from models.cnn.registry import CNN_MODELS, DEFAULT_CNN
from models.cnn.trace import CnnTrace, Stage
from ui.cache.cnn import cnn_spec, cnn_specs, content_key, decoded_photo, describe_model, samples
from ui.cnn.look_deeper import apply_top5_click, chosen_unit_stage, kept_unit_key
from ui.common.downloads import download
from ui.common.figures import show_figure
from ui.common.glossary import glossary_help
from ui.common.model_choice import model_radio
from ui.common.pictures import crisp_pixels, show_stage_pictures
from ui.common.rebuilt_session import restored_session
from ui.common.state import (
    ChosenPhoto,
    Param,
    choice,
    current_sample,
    keep,
    kept_value,
    lazy_choice,
    number_param,
    rewrite_address,
    sample_photo,
    set_shared_photo,
    shared_photo,
    visit,
)
from ui.common.state import read_sample as read_shared_sample
from ui.common.text import VALUE_LIMIT, escape_markdown

UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "gif"]


SOURCES = {"sample": "Sample photo", "upload": "Upload", "camera": "Camera"}
UPLOAD_ERROR_KEY = "cnn_upload_error"
UPLOAD_SEEN_KEY = "cnn_upload_seen"  # the page visit in which the uploader last held a file
UPLOADER_KEY = "cnn_uploader_round"  # a new uploader (empty) after a rejected file
SHOWN_KEY = "cnn_shown_photo"  # the shared photo as this page last found it
NOT_KEPT_KEY = "cnn_photo_not_kept"  # the address named an upload or camera picture: gone


def choose_photo() -> ChosenPhoto | None:
    """The photo to analyse, which every page then shares; None while none is chosen.

    Upload and Camera without a new file show the visitor's earlier upload or picture, if the
    shared photo is one, and otherwise nothing below: replacing a file reruns the page once with
    no file (the old one is removed before the new one arrives), and drawing a sample in that
    run would cost a whole page for nothing.
    """
    current = shared_photo()
    # A sample chosen elsewhere since this page last showed a photo (a tour link, say) is shown
    # here too, even if this page was left in Upload mode.
    if current.kind == "sample" and st.session_state.get(SHOWN_KEY, current.source_key) != (
        current.source_key
    ):
        st.session_state["cnn_source"] = SOURCES["sample"]
    st.session_state[SHOWN_KEY] = current.source_key
    # The default from the shared photo, not a value put in the session: a tab rebuilt on
    # another process sends the choice it had, and that must win.
    source = st.radio(
        "Photo",
        list(SOURCES.values()),
        index=list(SOURCES).index(current.kind),
        horizontal=True,
        key="cnn_source",
        label_visibility="collapsed",
        persist_state="session",
    )
    if source == SOURCES["upload"]:
        return choose_upload(current)
    if source == SOURCES["camera"]:
        return choose_camera(current)
    return choose_sample(current)


def choose_sample(current: ChosenPhoto) -> ChosenPhoto:
    """A compact row of the samples' names; the chosen one becomes the shared photo."""
    gallery = {sample.path.name: sample for sample in samples()}
    if current.kind == "sample":
        st.session_state["cnn_sample"] = current.sample
    else:
        st.session_state.setdefault("cnn_sample", next(iter(gallery)))
    name = st.pills(
        "Sample photo",
        list(gallery),
        format_func=lambda file: gallery[file].title,
        required=True,
        key="cnn_sample",
        label_visibility="collapsed",
        on_change=lambda: set_shared_photo(sample_photo(st.session_state["cnn_sample"])),
    )
    chosen = current if current.sample == name else sample_photo(name)
    set_shared_photo(chosen)
    return chosen


def choose_upload(current: ChosenPhoto) -> ChosenPhoto | None:
    if error := st.session_state.pop(UPLOAD_ERROR_KEY, None):
        st.error(error)
    round_ = st.session_state.setdefault(UPLOADER_KEY, 0)
    upload = st.file_uploader(
        "Upload a photo (JPEG, PNG, WebP, BMP, TIFF, or a GIF's first frame)",
        type=UPLOAD_TYPES,
        key=f"cnn_upload_{round_}",
    )
    return new_file(upload, "upload", current)


def choose_camera(current: ChosenPhoto) -> ChosenPhoto | None:
    picture = st.camera_input("Take a picture", key="cnn_camera")
    return new_file(picture, "camera", current)


def new_file(file: UploadedFile | None, kind: str, current: ChosenPhoto) -> ChosenPhoto | None:
    """The shared photo made from a newly sent file, or the earlier one of the same kind."""
    if file is None:
        held_one = st.session_state.pop(UPLOAD_SEEN_KEY, None) == visit()
        if current.kind == kind and not held_one:  # back on the page: show it again
            st.caption(
                f"Showing {current.description}, sent earlier in this visit. Send another to "
                "replace it."
            )
            return current
        verb = "Drop a photo above" if kind == "upload" else "Take a picture above"
        what = "uploaded photo" if kind == "upload" else "camera picture"
        if st.session_state.get(NOT_KEPT_KEY) == kind and current.kind != kind:
            # The address said the view showed an upload or a camera picture: it is gone.
            why = (
                "The server restarted"
                if restored_session()
                else "Photos are kept neither in a link nor across a reload"
            )
            st.warning(f"{why}: the {what} this view showed could not be kept. {verb} again.")
        else:
            st.info(f"{verb}, or pick **Sample photo** to use one of ours.")
        return None
    st.session_state[UPLOAD_SEEN_KEY] = visit()  # the uploader held a file in this visit
    st.session_state.pop(NOT_KEPT_KEY, None)
    data = file.getvalue()
    key = content_key(kind, file.file_id, data)
    if current.source_key == key:
        return current
    try:
        photo = decoded_photo(key, data)
    except ImageInputError as error:
        if kind == "upload":
            reject_upload(str(error))
        st.error(f"That file can't be used: {error}")  # a camera keeps its picture: no retry
        return None
    name = escape_markdown(file.name, VALUE_LIMIT) if kind == "upload" else "camera picture"
    chosen = ChosenPhoto(kind, key, name, photo=photo)
    set_shared_photo(chosen)
    return chosen


def reject_upload(reason: str) -> NoReturn:
    """Say why a file can't be used and start again with an empty uploader, so the rejected file
    is not left listed as if it were being shown; the visitor's photo stays as it was."""
    st.session_state[UPLOAD_ERROR_KEY] = f"That file can't be used: {reason}"
    st.session_state.pop(UPLOAD_SEEN_KEY, None)
    st.session_state[UPLOADER_KEY] = st.session_state.get(UPLOADER_KEY, 0) + 1
    st.rerun()


def describe_photo(photo: LoadedPhoto, description: str) -> str:
    width, height = photo.upright_size
    notes = [f"{description} · {width}×{height}, mode {photo.original_mode}"]
    if photo.frames > 1:
        notes.append(f"first of {photo.frames} frames used")
    if photo.image.size != (width, height):
        notes.append(f"scaled to {photo.image.width}×{photo.image.height} px before cropping")
    return " · ".join(notes)


def show_prediction(trace: CnnTrace, source_key: str, photo_note: str, theme: Theme) -> None:
    spec = cnn_spec(trace.model)
    names = spec.class_names()
    left, right = st.columns([2, 3])
    with left:
        st.subheader("What the network sees")
        side = trace.shown.shape[0]
        grey = " in grey," if spec.channels == 1 else ""
        st.image(
            jpeg_bytes(for_screen(trace.shown)),
            width="stretch",
            alt=f"The photo as the network sees it: {side}×{side} pixels,{grey} resized and "
            "cropped",
        )
        st.caption(
            f"Resized and centre-cropped to {trace.shown.shape[0]} px{grey.rstrip(',')}. "
            f"{photo_note}"
        )
    with right:
        st.subheader(
            "What it thinks it is", help=glossary_help("softmax probability", "logit (score)")
        )
        top = trace.top(5)
        clicked = show_figure(
            top_classes_figure([names[i] for i, _ in top], [p for _, p in top], theme),
            key="cnn_top5",
            alt="The five most likely classes as bars: "
            + ", ".join(f"{names[i]} {p:.1%}" for i, p in top),
            clickable=True,
        )
        apply_top5_click(clicked, trace, source_key)
        best, prob = top[0]
        also = spec.also_called(best)
        aliases = f" — also called {', '.join(also)}" if also else ""
        st.markdown(f"**Top guess: {escape_markdown(names[best])}** ({prob:.1%}){aliases}.")
        st.caption(spec.classes_note)


def show_overview(trace: CnnTrace, theme: Theme) -> None:
    st.header(
        "Layer by layer", help=glossary_help("stage", "feature map", "channel", "receptive field")
    )
    st.markdown(
        "Each picture is one stage's output, summarised as a single map. Read left to right: "
        "the maps get **smaller** (fewer, coarser pixels) while the number of channels — "
        "different learned detectors — gets **larger**. That is the spatial hierarchy: "
        "local detail is traded for more abstract features that cover more of the photo."
    )
    how = st.radio(
        "Summarise each stage by",
        SUMMARIES,
        format_func={"mean": "mean of all channels", "strongest": "its strongest channel"}.get,
        horizontal=True,
        key="cnn_overview_summary",
    )
    names = [stage.name for stage in trace.stages]
    shapes = [stage.shape for stage in trace.stages]
    fields = {
        stage: field.size for stage, field in cnn_spec(trace.model).receptive_fields().items()
    }
    if not set(names) <= set(fields):
        st.caption(
            "What one unit of each stage sees is not shown: the graph has an operation on the "
            "way whose field cannot be read from it (an upsampling, a reshape)."
        )
    show_stage_pictures(
        trace, how, "cnn_overview", 170, fields if set(names) <= set(fields) else None
    )
    show_figure(
        shape_ladder_figure(names, shapes, theme),
        key="cnn_shapes",
        alt=f"Channels per stage as bars, rising from {shapes[0][0]} to {shapes[-1][0]}, and "
        f"the maps' side as a line, falling from {shapes[0][1]} to {shapes[-1][1]} pixels",
    )


SECTIONS = ("class", "unit", "statistics")  # the "Look deeper" sections, in order
NO_SECTION = "none"  # Look deeper starts with none: each section is built only when chosen
SUMMARIES = ("mean", "strongest")  # how the overview summarises a stage
ORDERS = ("mean", "index")  # how the layer explorer orders channels
SCALES = ("layer", "channel")  # one colour scale for the layer, or one per channel


def kept_layer_key(model: str) -> str:
    """The session key of the layer chosen for a model (the layer box copies it each run)."""
    return f"cnn_layer_kept_{model}"


def chosen_model() -> str:
    return st.session_state.get("cnn_model", DEFAULT_CNN)


def choose_model() -> str:
    """The model radio in the sidebar (the shipped models, then the operator's) and a line
    about the chosen model; its name."""
    model_name = model_radio("cnn_model", cnn_specs(), DEFAULT_CNN, shipped=CNN_MODELS)
    st.sidebar.caption(describe_model(model_name))
    return model_name


def second_stage(stages: list[str]) -> str:
    """The layer shown until the visitor picks one: the second (the only one of a model of
    one stage)."""
    return stages[min(1, len(stages) - 1)]


def chosen_layer(model: str) -> str:
    """The layer chosen for a model; the second stage until the visitor picks one."""
    return st.session_state.get(kept_layer_key(model), second_stage(cnn_spec(model).stages()))


def kept_channel_key(model: str, layer: str) -> str:
    return f"cnn_channel_kept_{model}_{layer}"


def cnn_address() -> list[Param]:
    """What the CNN page's address names: model, sample photo, the overview's summary, the
    layer explorer's layer, order, scale, count, first channel and channel, the section, and
    the unit a visitor follows."""

    def read_sample(stem: str) -> bool:
        if not read_shared_sample(stem):
            return False
        st.session_state["cnn_source"] = SOURCES["sample"]
        return True

    def read_kind(kind: str) -> bool:
        """An upload or camera picture cannot travel: the page asks for it again, saying why,
        rather than showing a sample as if nothing had been lost."""
        if kind not in ("upload", "camera"):
            return False
        if shared_photo().kind != kind:
            st.session_state["cnn_source"] = SOURCES[kind]
            st.session_state[NOT_KEPT_KEY] = kind
        return True

    def current_kind() -> str | None:
        kind = shared_photo().kind
        return None if kind == "sample" else kind

    def unit_key(axis: str) -> Callable[[], str]:
        return lambda: kept_unit_key(chosen_model(), chosen_unit_stage(chosen_model()), axis)

    return [
        choice("model", "the model", "cnn_model", list(cnn_specs()), DEFAULT_CNN),
        Param("sample", "the sample photo", read_sample, current_sample, samples()[0].path.stem),
        Param("photo", "the kind of photo", read_kind, current_kind),
        choice("summary", "the summary", "cnn_overview_summary", SUMMARIES, SUMMARIES[0]),
        lazy_choice(
            "layer",
            "the layer",
            lambda: kept_layer_key(chosen_model()),
            lambda: cnn_spec(chosen_model()).stages(),
        ),
        choice("order", "the channel order", "cnn_sort", ORDERS, ORDERS[0]),
        choice("scale", "the colour scale", "cnn_scale", SCALES, SCALES[0]),
        number_param("shown", "the number of channels shown", lambda: "cnn_count_kept"),
        number_param("first", "the first channel shown", lambda: "cnn_page_kept"),
        number_param(
            "channel",
            "the channel",
            lambda: kept_channel_key(chosen_model(), chosen_layer(chosen_model())),
        ),
        choice("section", "the section", "cnn_deeper", (NO_SECTION, *SECTIONS), NO_SECTION),
        lazy_choice(
            "unit_stage",
            "the unit's stage",
            lambda: f"cnn_rf_stage_kept_{chosen_model()}",
            lambda: cnn_spec(chosen_model()).stages(),
        ),
        number_param("row", "the unit's row", unit_key("row")),
        number_param("col", "the unit's column", unit_key("col")),
    ]


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
    st.header("Inside one layer", help=glossary_help("feature map", "channel"))
    view = choose_channels(trace)
    show_channel_grid(trace, view)
    show_one_channel(trace, view)
    rewrite_address()  # this fragment reruns alone when the layer changes


def choose_channels(trace: CnnTrace) -> ChannelView:
    names = [stage.name for stage in trace.stages]
    controls = st.columns([2, 2, 2, 2])
    # The choice lives in a plain session key, copied into the box each run: a widget's own
    # state is set aside after a run that does not draw it (replacing an upload reruns once
    # without a file) and came back as another layer.
    box, kept = f"cnn_layer_{trace.model}", kept_layer_key(trace.model)
    kept_value(box, kept, second_stage(names), names, "the layer")
    layer = controls[0].selectbox("Layer", names, key=box, on_change=keep(box, kept))
    stage = trace.stage(layer)
    channels_total = stage.shape[0]
    order_by = controls[1].radio(
        "Order channels by",
        ORDERS,
        format_func={"mean": "mean activation", "index": "channel number"}.get,
        horizontal=True,
        key="cnn_sort",
    )
    counts = [n for n in (8, 16, 32, 64) if n <= channels_total] or [channels_total]
    kept_value(
        "cnn_count",
        "cnn_count_kept",
        min(16, channels_total),
        counts,
        "the number of channels shown",
    )
    if len(counts) > 1:
        count = controls[2].select_slider(  # 8 a row; more on request (each tile is a file)
            "Channels shown",
            counts,
            key="cnn_count",
            on_change=keep("cnn_count", "cnn_count_kept"),
        )
    else:  # a stage of 8 channels or fewer: all of them
        count = counts[0]
        controls[2].caption(f"All {count} channels shown")
    scale = controls[3].radio(
        "Colour scale",
        SCALES,
        format_func={"layer": "shared by the layer", "channel": "per channel"}.get,
        horizontal=True,
        key="cnn_scale",
    )
    st.caption(f"**{layer}** · {stage.note} · output {'×'.join(map(str, stage.shape))}")
    order = channel_order(stage.maps, order_by)
    starts = list(range(0, channels_total, count))
    start = 0
    if len(starts) > 1:
        kept_value("cnn_page", "cnn_page_kept", 0, starts, "the first channel shown")
        start = st.select_slider(
            "Which channels (in the order chosen above)",
            starts,
            format_func=lambda first: f"{first + 1}–{min(first + count, channels_total)}",
            key="cnn_page",
            on_change=keep("cnn_page", "cnn_page_kept"),
        )
    spec = cnn_spec(trace.model)
    is_class_maps = layer == spec.class_channels_stage
    return ChannelView(
        stage=stage,
        shown=[int(c) for c in order[start : start + count]],
        per_channel=scale == "channel",
        class_labels=list(spec.class_names()) if is_class_maps else None,
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
            alt=[
                f"Channel {c} of {stage.name}"
                + (f", the map of class {view.class_labels[c]}" if view.class_labels else "")
                for c in view.shown
            ],
        )
    st.caption(
        "Bright = strong response. With a shared colour scale, dark tiles are channels that "
        "barely fired on this photo; with per-channel scaling every tile shows its own pattern."
    )
    download(
        st,
        "These channels (PNG)",
        partial(png_bytes, channel_grid_picture(stage.maps, view.shown, view.per_channel)),
        f"{trace.model}_{stage.name}_channels.png",
        "image/png",
        "cnn_grid_png",
    )


def show_one_channel(trace: CnnTrace, view: ChannelView) -> None:
    stage = view.stage
    channels_total, side = stage.shape[0], trace.shown.shape[0]
    st.subheader("One channel on the photo")
    left, right = st.columns([1, 2])
    with left:
        box = f"cnn_channel_{trace.model}_{stage.name}"
        kept = kept_channel_key(trace.model, stage.name)
        kept_value(box, kept, view.shown[0], range(channels_total), "the channel")
        channel = st.number_input(
            f"Channel (0–{channels_total - 1})",
            min_value=0,
            max_value=channels_total - 1,
            key=box,
            on_change=keep(box, kept),
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
            f"input, so each map pixel covers about {side / stage.shape[1]:.0f} photo "
            + ("pixel." if round(side / stage.shape[1]) == 1 else "pixels.")
        )
    with right:
        blended = overlay_image(trace.shown, stage.maps[channel], opacity)
        with st.container(key="cnn_overlay"):
            st.image(
                jpeg_bytes(for_screen(blended)),
                width=460,
                alt=f"Channel {channel} of {stage.name} laid over the photo: bright where it "
                "responds",
            )
