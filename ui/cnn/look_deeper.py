"""The CNN page's "why" sections: class evidence, one unit's field, filters and statistics,
both models side by side, and downloads."""

from __future__ import annotations

import html
from functools import partial

import streamlit as st

from charts.cnn import top_classes_figure
from charts.explain import stage_stats_figure
from charts.theme import CROSS, CROSS_RIM, FIELD_BOX
from imaging.encode import jpeg_bytes, png_bytes
from imaging.maps import overlay_image
from imaging.marks import PICTURE_SIDE, draw_box, enlarged, mark_point
from imaging.tiles import filter_tiles, map_tiles
from models.cnn.explain import Explanation, occlusion_choices, occlusion_map
from models.cnn.export import stages_npz, top5_csv
from models.cnn.images import LoadedPhoto, crop_geometry
from models.cnn.registry import CNN_MODELS
from models.cnn.stage_stats import stage_statistics
from models.cnn.trace import CnnTrace
from ui.cache.cnn import (
    class_activation,
    class_evidence,
    cnn_forward,
    cnn_spec,
    cnn_trace,
    first_filters,
    gradcam_stage,
    model_input,
    unit_gradient,
)
from ui.common.downloads import download
from ui.common.figures import Points, show_figure
from ui.common.glossary import explain, glossary_help
from ui.common.pictures import show_stage_pictures
from ui.common.sections import open_expander
from ui.common.state import keep, kept_value, rewrite_address
from ui.common.text import escape_markdown
from ui.common.theme import current_theme

METHOD_NAMES = {
    "cam": "class activation map (exact)",
    "gradcam": "Grad-CAM at a stage you pick",
    "occlusion": "occlusion: cover parts of the photo",
}
OCCLUSION_KEPT = 4  # occlusion results kept per session
FIELDS_TABLE_KEY = "cnn_rf_table_open"  # "Receptive field of every stage" is open


def photo_point(photo: LoadedPhoto, model_name: str, x: float, y: float) -> tuple[float, float]:
    """A model-input pixel in the original photo's pixel coordinates (after EXIF rotation)."""
    spec = cnn_spec(model_name)
    image = photo.image
    geometry = crop_geometry(image.width, image.height, spec.resize_short_side, spec.input_size)
    return photo.to_original(*geometry.to_photo(x, y))


def apply_top5_click(points: Points, trace: CnnTrace, source_key: str) -> None:
    """A click on a bar of the top-5 chart (`points`, clicked in this run) chooses that class
    below, opens its evidence, and says so right under the chart, with a link down to the
    evidence."""
    if not points:
        return
    label = points[0].get("y")
    names = cnn_spec(trace.model).class_names()
    # The bars show names escaped for plotly (charts/cnn.py): compare them as shown.
    clicked = next(
        (index for index, _ in trace.top(5) if html.escape(names[index], quote=False) == label),
        None,
    )
    if clicked is not None:
        st.session_state["cnn_class"] = clicked
        # For this photo: the evidence section, opened now for the first time, keeps the class.
        st.session_state["cnn_class_of"] = (trace.model, source_key)
        st.session_state["cnn_deeper"] = "class"  # the click asks for that class's evidence
        st.success(
            f"Showing where the network found **{escape_markdown(names[clicked])}** in the "
            "photo: "
            "[see the evidence below](#why-this-class).",
            icon=":material/arrow_downward:",
        )


def run_occlusion(
    model_name: str, source_key: str, photo: LoadedPhoto, class_index: int, patch: int, stride: int
) -> Explanation:
    key = (model_name, source_key, class_index, patch, stride)
    kept: dict = st.session_state.setdefault("cnn_occlusions", {})
    if key not in kept:
        bar = st.progress(0.0, text="Covering the photo patch by patch…")
        batch = model_input(model_name, source_key, photo.image)
        kept[key] = occlusion_map(
            cnn_forward(model_name), batch, class_index, patch, stride, progress=bar.progress
        )
        bar.empty()
        while len(kept) > OCCLUSION_KEPT:
            kept.pop(next(iter(kept)))
    return kept[key]


def occlusion_on_request(
    trace: CnnTrace, photo: LoadedPhoto, source_key: str, class_index: int
) -> Explanation | None:
    """Patch and step controls, and the occlusion map once asked for (or already computed)."""
    left, middle, right = st.columns([2, 2, 2])
    side = trace.shown.shape[0]
    choices = occlusion_choices(side)
    scaled = "" if choices.photo_sized else f"_{side}"  # other options, other widgets
    patch = left.select_slider(
        "Patch (pixels)", choices.patches, choices.patch, key=f"cnn_patch{scaled}"
    )
    stride = middle.select_slider(
        "Step (pixels)", choices.strides, choices.stride, key=f"cnn_stride{scaled}"
    )
    passes = ((side - patch) // stride + 1) ** 2
    right.caption(f"{passes} forward passes, in batches.")
    key = (trace.model, source_key, class_index, patch, stride)
    if key in st.session_state.get("cnn_occlusions", {}) or right.button(
        "Run occlusion", key="cnn_run_occlusion"
    ):
        return run_occlusion(trace.model, source_key, photo, class_index, patch, stride)
    return None


@st.fragment
def show_class_evidence(trace: CnnTrace, photo: LoadedPhoto, source_key: str) -> None:
    st.subheader(
        "Why this class?",
        help=glossary_help("class activation map", "Grad-CAM", "occlusion", "logit (score)"),
    )
    spec = cnn_spec(trace.model)
    names = spec.class_names()
    # A new photo or model starts at its top guess; so does coming back from another "Look
    # deeper" section, which drops this section's widget state (Streamlit's rule for widgets
    # not drawn in a run).
    if (
        st.session_state.get("cnn_class_of") != (trace.model, source_key)
        or "cnn_class" not in st.session_state
    ):
        st.session_state["cnn_class_of"] = (trace.model, source_key)
        st.session_state["cnn_class"] = trace.top(1)[0][0]
    controls = st.columns([3, 3, 2])
    class_index = controls[0].selectbox(
        f"Class (type to search all {len(names)}, or click a bar above)",
        range(len(names)),
        format_func=lambda index: f"{names[index]} ({trace.probs[index]:.1%})",
        key="cnn_class",
    )
    # The exact map needs a model that ends in a global pool and a linear layer.
    methods = [m for m in METHOD_NAMES if m != "cam" or spec.cam_stage is not None]
    if st.session_state.get("cnn_method", methods[0]) not in methods:
        st.session_state["cnn_method"] = methods[0]
    method = controls[1].radio("Evidence", methods, format_func=METHOD_NAMES.get, key="cnn_method")
    opacity = controls[2].slider("Opacity", 0.0, 1.0, 0.6, 0.05, key="cnn_explain_opacity")
    stages = [stage.name for stage in trace.stages]
    evidence: Explanation | None = None
    if method == "gradcam":
        default = stages.index(gradcam_stage(trace.model))
        stage = st.selectbox("Stage", stages, index=default, key=f"cnn_gradcam_stage_{trace.model}")
        evidence = class_evidence(
            trace.model, source_key, "gradcam", class_index, stage, photo.image
        )
    elif method == "occlusion":
        evidence = occlusion_on_request(trace, photo, source_key, class_index)
    else:
        evidence = class_activation(trace, class_index)
    if evidence is None:
        st.info("Press **Run occlusion** to slide the grey patch over the photo.")
        return
    peak = evidence.peak_input()
    blended = overlay_image(trace.shown, evidence.on_input(trace.shown.shape[0]), opacity)
    left, right = st.columns([3, 2])
    with left.container(key="cnn_evidence"):
        st.image(
            jpeg_bytes(mark_point(blended, peak, CROSS, CROSS_RIM)),
            width=PICTURE_SIDE,
            alt=f"The photo with the {METHOD_NAMES[evidence.method]} for "
            f"{names[class_index]} laid over it; a white cross marks the strongest evidence",
        )
    x, y = photo_point(photo, trace.model, *peak)
    width, height = photo.upright_size
    notes = {
        "cam": f"**Exact.** The average of this {evidence.heatmap.shape[0]}×"
        f"{evidence.heatmap.shape[1]} map is the network's score (logit) for the class, "
        f"{evidence.logit:.2f}: it is that score spread over the photo, not an estimate.",
        "gradcam": f"Grad-CAM on **{evidence.layer}**: that stage's channels weighted by how "
        "much raising each one would raise the class's score, positive part only. An "
        "estimate: earlier stages show finer, noisier detail.",
        "occlusion": "How much the class's probability drops when a grey patch covers each "
        f"place (largest drop {evidence.heatmap.max():+.1%}). Slow but model-agnostic.",
    }
    right.markdown(notes[evidence.method])
    right.markdown(
        f"Strongest evidence for **{escape_markdown(names[class_index])}** at ({x:.0f}, "
        f"{y:.0f}) in the "
        f"{width}×{height} photo (the white cross)."
    )
    download(
        right,
        "This overlay (PNG)",
        partial(png_bytes, blended),
        f"{trace.model}_{evidence.method}.png",
        "image/png",
        "cnn_overlay_png",
    )


def chosen_unit_stage(model: str) -> str:
    """The stage of "What one unit sees"; the fifth (or last) until the visitor picks one."""
    stages = cnn_spec(model).stages()
    return st.session_state.get(f"cnn_rf_stage_kept_{model}", stages[min(4, len(stages) - 1)])


def kept_unit_key(model: str, stage: str, axis: str) -> str:
    return f"cnn_rf_{axis}_kept_{model}_{stage}"


@st.fragment
def show_unit_field(trace: CnnTrace, photo: LoadedPhoto, source_key: str) -> None:
    """A unit's receptive field and gradient; a new unit reruns this fragment alone."""
    st.subheader("What one unit sees", help=explain("receptive field"))
    fields = cnn_spec(trace.model).receptive_fields()
    names = [stage.name for stage in trace.stages]
    controls = st.columns(3)
    # Each choice lives in a plain session key copied into its box (ui/common/state.py, kept_value):
    # the section is not drawn in every run, and the address names the unit.
    box, kept = f"cnn_rf_stage_{trace.model}", f"cnn_rf_stage_kept_{trace.model}"
    kept_value(box, kept, chosen_unit_stage(trace.model), names, "the unit's stage")
    stage_name = controls[0].selectbox("Stage", names, key=box, on_change=keep(box, kept))
    side = trace.stage(stage_name).shape[1]
    place = {}
    for column, (axis, label) in zip(
        controls[1:], (("row", "Row"), ("col", "Column")), strict=True
    ):
        box = f"cnn_rf_{axis}_{trace.model}_{stage_name}"
        kept = kept_unit_key(trace.model, stage_name, axis)
        kept_value(box, kept, side // 2, range(side), f"the unit's {label.lower()}")
        place[axis] = column.number_input(label, 0, side - 1, key=box, on_change=keep(box, kept))
    row, col = place["row"], place["col"]
    rewrite_address()  # this fragment reruns alone: its unit goes in the address now
    field = fields.get(stage_name)
    gradient = unit_gradient(trace.model, source_key, stage_name, int(row), int(col), photo.image)
    left, right = st.columns(2)
    if field is None:
        left.caption(
            f"The theoretical receptive field of {stage_name} cannot be read from the model's "
            "graph: an operation on the way (an upsampling, a reshape) has no fixed window. "
            "The gradient beside it shows what the unit depends on."
        )
    else:
        box = field.box(int(row), int(col), trace.shown.shape[0])
        with left.container(key="cnn_rf_box"):
            st.image(
                jpeg_bytes(draw_box(trace.shown, box, FIELD_BOX)),
                width=PICTURE_SIDE,
                alt=f"The photo with a red box of {field.size} pixels a side: what unit "
                f"({row}, {col}) of {stage_name} can see",
            )
        left.caption(
            f"Theoretical receptive field of unit ({row}, {col}) of {stage_name}: "
            f"{field.size}×{field.size} pixels (clipped to the photo), from kernels, strides "
            "and padding."
        )
    with right.container(key="cnn_rf_gradient"):
        gradient_picture = enlarged(overlay_image(trace.shown, gradient, 0.75))[0]
        st.image(
            jpeg_bytes(gradient_picture),
            width=PICTURE_SIDE,
            alt=f"The photo coloured by how strongly each pixel moves unit ({row}, {col}) of "
            f"{stage_name}: bright where it matters most",
        )
    right.caption(
        "Effective receptive field: how strongly each pixel moves that unit (the size of its "
        "gradient). It sits inside the box, concentrated towards the middle."
    )
    every_stage = open_expander("Receptive field of every stage", key=FIELDS_TABLE_KEY)
    if every_stage is not None:
        every_stage.table(
            [
                {
                    "stage": f.stage,
                    "map": f"{f.map_size}×{f.map_size}",
                    "field (pixels)": f.size,
                    "step between units (pixels)": f.jump,
                    "centre of unit (0, 0) (pixels)": f.centre,
                }
                for f in fields.values()
            ]
        )


def show_units_and_statistics(trace: CnnTrace) -> None:
    st.subheader("Filters and statistics")
    show_first_filters(trace)
    stats = stage_statistics(trace)
    show_figure(
        stage_stats_figure(
            [s.name for s in stats],
            [s.mean for s in stats],
            [s.max for s in stats],
            [s.zero_fraction for s in stats],
            current_theme(),
        ),
        key="cnn_stats",
        alt="Mean and largest activation of every stage as bars, and the share of values "
        "that are exactly zero as a line",
    )
    st.caption(
        "Per stage: the mean and the largest activation, and the share of exactly-zero values "
        "(switched off by a ReLU). Stages that end in a linear layer (EfficientNet's blocks) "
        "have almost none."
    )
    chosen = st.selectbox(
        "Channels that fire most at stage", [s.name for s in stats], key=f"cnn_top_{trace.model}"
    )
    stage_stats = next(s for s in stats if s.name == chosen)
    st.dataframe(
        [{"channel": c, "mean activation": round(m, 4)} for c, m in stage_stats.top_channels],
        hide_index=True,
    )


def show_first_filters(trace: CnnTrace) -> None:
    """The first convolution's filters (colour or grey) beside the maps they make."""
    found = first_filters(trace.model)
    if found is None:
        st.caption(
            "The first filters are not shown: no convolution reads the picture directly (or "
            "its outputs are not the first stage's channels)."
        )
        return
    first, every = found
    filters = every[:16]
    maps = trace.stage(first).maps[:16]
    side, colour = filters.shape[-1], "RGB" if filters.shape[1] == 3 else "grey"
    left, right = st.columns(2)
    left.markdown(
        f"**The first {len(filters)} filters of {first}** ({side}×{side} {colour}: what each "
        "one looks for)"
    )
    left.image(
        filter_tiles(filters),
        width="stretch",
        output_format="PNG",
        alt=f"The first {len(filters)} filters of {first} as tiny "
        + ("colour" if colour == "RGB" else "grey")
        + " patches",
    )
    right.markdown("**…and the map each one makes on this photo**")
    # Sixteen full-size maps: as PNG they were 270 KB, more than the rest of the page.
    right.image(
        jpeg_bytes(map_tiles(maps)),
        width="stretch",
        alt=f"The {len(maps)} feature maps those filters make on this photo",
    )


def show_compare_and_export(trace: CnnTrace, photo: LoadedPhoto, source_key: str) -> None:
    st.header("Compare and export")
    left, right = st.columns(2)
    download(
        left,
        "Top 5 (CSV)",
        partial(top5_csv, trace, cnn_spec(trace.model).class_names()),
        f"{trace.model}_top5.csv",
        "text/csv",
        "cnn_top5_csv",
    )
    download(
        right,
        "Every stage's activations (NPZ)",
        partial(stages_npz, trace),
        f"{trace.model}_stages.npz",
        "application/octet-stream",
        "cnn_stages_npz",
    )
    if trace.model not in CNN_MODELS:  # the app's two ImageNet models read other classes
        return
    if not st.toggle("The same photo through both models", key="cnn_both"):
        return
    names = cnn_spec(trace.model).class_names()
    columns = st.columns(len(CNN_MODELS))
    for column, name in zip(columns, CNN_MODELS, strict=True):
        other = trace if name == trace.model else cnn_trace(name, source_key, photo.image)
        with column:
            st.subheader(CNN_MODELS[name].title)
            top = other.top(5)
            show_figure(
                top_classes_figure(
                    [names[i] for i, _ in top], [p for _, p in top], current_theme()
                ),
                key=f"cnn_both_top5_{name}",
                alt=f"{CNN_MODELS[name].title}'s five most likely classes: "
                + ", ".join(f"{names[i]} {p:.0%}" for i, p in top),
            )
            show_stage_pictures(other, "mean", f"cnn_both_overview_{name}", 110)
