"""The tour's CNN steps: maps shrink while channels grow, where the network looked, how much
of the photo one unit sees."""

from __future__ import annotations

import streamlit as st

from charts.cnn import shape_ladder_figure
from charts.theme import CROSS, CROSS_RIM, FIELD_BOX
from imaging.encode import jpeg_bytes
from imaging.maps import overlay_image
from imaging.marks import PICTURE_SIDE, draw_box, mark_point
from models import lessons
from models.cnn.explain import class_activation_map_of
from models.cnn.imagenet import class_names
from models.cnn.registry import CNN_MODELS
from ui.cache.cnn import cnn_model
from ui.common.figures import show_figure
from ui.common.pictures import show_stage_pictures
from ui.common.theme import current_theme
from ui.tour.lesson import Lesson, Step, cnn_link, photo_trace, show_photo

UNIT_STAGE = 4  # step 3 asks about one unit of this stage (in order), as the CNN page does


# 1 · Maps shrink while channels grow.
def shrinking_lesson() -> Lesson:
    trace = photo_trace()
    first, last = trace.stages[0], trace.stages[-1]
    side = trace.shown.shape[0]
    return Lesson(
        question=f"The photo goes in at {side}×{side} pixels. After the network's last stage, "
        "how large is each feature map compared with the photo?",
        choices=lessons.SIZE_WORDS,
        answer=lessons.size_word(last.shape[1], side),
        why=f"The first stage, **{first.name}**, makes {first.shape[0]} maps of "
        f"{first.shape[1]}×{first.shape[2]}; the last, **{last.name}**, makes {last.shape[0]} "
        f"maps of only {last.shape[1]}×{last.shape[2]}. Each stride-2 step halves the side, "
        "while the number of channels (different detectors) grows.",
    )


def shrinking_view(lesson: Lesson) -> None:
    trace = photo_trace()
    show_stage_pictures(trace, "mean", "tour_stages", 110)
    names, shapes = [s.name for s in trace.stages], [s.shape for s in trace.stages]
    show_figure(
        shape_ladder_figure(names, shapes, current_theme()),
        key="tour_ladder",
        alt="Channels per stage as bars and map side as a line: the bars rise while the line "
        f"falls from {shapes[0][1]} to {shapes[-1][1]} pixels",
    )


SHRINKING = Step(
    "Maps shrink, channels grow",
    "A convolutional network slides small filters over the whole photo at once. Each stage "
    "turns the previous stage's maps into new ones: one map per filter, called a channel.",
    shrinking_lesson,
    show_photo,
    shrinking_view,
    cnn_link(),
)


# 2 · Where the CNN looked.
def evidence_lesson() -> Lesson:
    trace = photo_trace()
    best = trace.top(1)[0][0]
    label = class_names()[best]
    evidence = class_activation_map_of(trace, cnn_model(trace.model), best)
    x, y = evidence.peak_input()
    return Lesson(
        question=f"The network's top guess is **{label}**. In which part of the photo did it "
        "find the most evidence for it?",
        choices=lessons.REGIONS,
        answer=lessons.region_of(x, y, trace.shown.shape[0]),
        why=f"Its class activation map for *{label}* peaks at ({x:.0f}, {y:.0f}) of the "
        f"{trace.shown.shape[0]}-pixel input. The map's average is exactly the class's score "
        f"(logit {evidence.logit:.2f}), so it shows where that score came from.",
    )


def evidence_view(lesson: Lesson) -> None:
    trace = photo_trace()
    best = trace.top(1)[0][0]
    evidence = class_activation_map_of(trace, cnn_model(trace.model), best)
    blended = overlay_image(trace.shown, evidence.on_input(trace.shown.shape[0]), 0.6)
    st.image(
        jpeg_bytes(mark_point(blended, evidence.peak_input(), CROSS, CROSS_RIM)),
        width=PICTURE_SIDE,
        alt=f"The photo with the class activation map for {class_names()[best]} over it; a "
        f"white cross marks the strongest evidence, in the {lesson.answer} of the photo",
    )


EVIDENCE = Step(
    "Where the network looked",
    "The last stage holds one score per place in the photo for every class. Averaged over "
    "the places, they give the class's score; looked at place by place, they show where "
    "the evidence is.",
    evidence_lesson,
    show_photo,
    evidence_view,
    cnn_link(section="class"),
)


# 3 · How much of the photo one unit sees.
def field_lesson() -> Lesson:
    trace = photo_trace()
    stage = trace.stages[UNIT_STAGE]
    field = CNN_MODELS[trace.model].receptive_fields()[stage.name]
    side = trace.shown.shape[0]
    return Lesson(
        question=f"Stage **{stage.name}** has maps of {field.map_size}×{field.map_size} units "
        f"over a {side}-pixel photo. How much of the photo's width can one of its units see?",
        choices=lessons.FIELD_CHOICES,
        answer=lessons.field_share(field.size, field.map_size, side),
        why=f"One unit of {stage.name} sees {field.size}×{field.size} pixels: its receptive "
        f"field, worked out from the kernels and strides before it. Its map has "
        f"{field.map_size} units a side, one every {field.jump} pixels, so neighbouring units "
        "see overlapping windows.",
    )


def field_view(lesson: Lesson) -> None:
    trace = photo_trace()
    stage = trace.stages[UNIT_STAGE]
    field = CNN_MODELS[trace.model].receptive_fields()[stage.name]
    middle = field.map_size // 2
    box = field.box(middle, middle, trace.shown.shape[0])
    st.image(
        jpeg_bytes(draw_box(trace.shown, box, FIELD_BOX)),
        width=PICTURE_SIDE,
        alt=f"The photo with a red box of {field.size} pixels a side: what the middle unit of "
        f"{stage.name} can see",
    )


FIELD = Step(
    "How much of the photo one unit sees",
    "Each number in a feature map (a unit) is computed from a patch of the photo: its "
    "receptive field. Every stage stacks more filters on top, so deeper units see more.",
    field_lesson,
    show_photo,
    field_view,
    cnn_link(section="unit"),
)
