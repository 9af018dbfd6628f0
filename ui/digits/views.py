"""The digits page's views: the digit chooser (draw, a held-out digit, an upload), MNIST's recipe
step by step, the two ways of reading, how many rows until a reader knows, and (on request)
experiments and the gradient row by row."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st
from PIL import Image
from streamlit_drawable_canvas import st_canvas

from charts.digits import (
    probabilities_figure,
    row_gradient_figure,
    row_reading_figure,
    rows_accuracy_figure,
    shift_figure,
)
from charts.theme import Theme
from imaging.grey import grey_png
from imaging.tiles import stage_tiles
from models.cnn.images import ImageInputError
from models.digits.analysis import EARLY_ROWS, LATE_ROWS, SHIFTS, DigitTrace, early_to_late
from models.digits.confidence import SURE_FROM, looks_like_a_digit
from models.digits.data import digit_set
from models.digits.link import digit_from_text, digit_to_text, quantised
from models.digits.prepare import (
    DigitInputError,
    PreparedDigit,
    as_prepared,
    open_digit_picture,
    prepare_digit,
)
from models.digits.registry import DIGIT_READERS, GRID_READER
from ui.cache.digits import (
    digit_key,
    digit_row_gradients,
    digit_styles,
    digit_traces,
    heldout_row_gradients,
    order_accuracy,
    prepared_drawing,
    rows_accuracy,
    scramble_accuracy,
    shift_accuracy,
)
from ui.common.figures import show_figure
from ui.common.glossary import explain
from ui.common.pictures import crisp_pixels
from ui.common.state import Param, choice, keep, kept_value, number_param

SOURCES = ("Draw", "A held-out digit", "Upload")
SOURCE_NAMES = dict(zip(("draw", "heldout", "upload"), SOURCES, strict=True))  # in the address
CANVAS_SIDE = 280
LINKED_KEY = "digits_linked_drawing"  # a drawn digit that came with a link, until one is drawn
SHOWN_KEY = "digits_drawn_shown"  # the drawn digit read in this run, for the address
HELDOUT_KEY = "digits_heldout_kept"
DEEPER_KEY = "digits_deeper"  # the chosen "Look deeper" section
SECTIONS = ("experiments", "gradients", "training")  # the "Look deeper" sections, in order
NO_SECTION = "none"  # Look deeper starts with none: each section is built only when chosen


def digits_address() -> list[Param]:
    """What the digits page's address names: where the digit comes from, which held-out digit,
    a drawn digit itself (28×28 at 256 grey levels fits in a link), and the section."""

    def read_source(value: str) -> bool:
        if value not in SOURCE_NAMES:
            return False
        st.session_state["digits_source"] = SOURCE_NAMES[value]
        return True

    def current_source() -> str | None:
        shown = st.session_state.get("digits_source", SOURCES[0])
        return next(name for name, label in SOURCE_NAMES.items() if label == shown)

    def read_drawing(value: str) -> bool:
        try:
            st.session_state[LINKED_KEY] = digit_from_text(value)
        except DigitInputError:
            return False
        st.session_state["digits_source"] = SOURCES[0]
        return True

    def current_drawing() -> str | None:
        shown = st.session_state.get(SHOWN_KEY)
        drawing = st.session_state.get("digits_source", SOURCES[0]) == SOURCES[0]
        return digit_to_text(shown) if drawing and shown is not None else None

    return [
        Param("digit", "the kind of digit", read_source, current_source, "draw"),
        replace(
            number_param("heldout", "the held-out digit", lambda: HELDOUT_KEY),
            current=lambda: (  # named only while a held-out digit is shown
                str(st.session_state[HELDOUT_KEY])
                if current_source() == "heldout" and HELDOUT_KEY in st.session_state
                else None
            ),
        ),
        Param("drawing", "the drawing", read_drawing, current_drawing),
        choice("section", "the section", DEEPER_KEY, (NO_SECTION, *SECTIONS), NO_SECTION),
    ]


def choose_digit() -> tuple[PreparedDigit, int | None] | None:
    """The digit to read, prepared, and its true label when it is a held-out one; None while
    there is nothing to read (an empty canvas), with a message saying what to do."""
    source = st.radio(
        "Digit", SOURCES, horizontal=True, key="digits_source", label_visibility="collapsed"
    )
    st.session_state.pop(SHOWN_KEY, None)
    try:
        if source == SOURCES[0]:
            return drawn_digit(), None
        if source == SOURCES[1]:
            return heldout_digit()
        return uploaded_digit(), None
    except (DigitInputError, ImageInputError) as error:
        st.info(f"{error}", icon=":material/draw:")
        return None


def drawn_digit() -> PreparedDigit:
    """The digit drawn in the canvas, kept at 256 grey levels (so that a link to it reopens
    the very same input), or else the drawing a link brought."""
    st.caption("Draw one digit, 0 to 9, with the mouse or a finger. The toolbar undoes or clears.")
    canvas = st_canvas(
        stroke_width=20,
        stroke_color="#ffffff",
        background_color="#000000",
        height=CANVAS_SIDE,
        width=CANVAS_SIDE,
        return_image_data=True,
        key="digits_canvas",
    )
    drawing = canvas.image_bytes
    try:
        if drawing is None:
            raise DigitInputError(
                "Draw a digit in the black square to see all four readers read it."
            )
        prepared = prepared_drawing(drawing)
    except DigitInputError:
        linked = st.session_state.get(LINKED_KEY)
        if linked is None:
            raise
        st.caption("The digit read below came with the link: draw in the square to read yours.")
        st.session_state[SHOWN_KEY] = linked
        return as_prepared(linked)
    st.session_state.pop(LINKED_KEY, None)
    prepared = replace(prepared, digit=quantised(prepared.digit))
    st.session_state[SHOWN_KEY] = prepared.digit
    return prepared


def heldout_digit() -> tuple[PreparedDigit, int]:
    data = digit_set()
    kept_value("digits_heldout", HELDOUT_KEY, 1, range(1, len(data.test) + 1), "the held-out digit")
    number = st.number_input(
        f"Held-out digit (1–{len(data.test):,}; none of the readers trained on these)",
        1,
        len(data.test),
        key="digits_heldout",
        on_change=keep("digits_heldout", HELDOUT_KEY),
        help=explain("held-out"),
    )
    index = int(data.test[number - 1])
    return as_prepared(data.images[index] / 255.0), int(data.labels[index])


def uploaded_digit() -> PreparedDigit:
    upload = st.file_uploader(
        "A picture of one digit (dark on light or light on dark, any size)",
        type=["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff"],
        key="digits_upload",
    )
    if upload is None:
        raise DigitInputError("Send a picture of one handwritten digit.")
    return prepare_digit(uploaded_picture(upload.file_id, upload.getvalue()))


UPLOADED_KEY = "digits_uploaded_picture"


def uploaded_picture(file_id: str, data: bytes) -> Image.Image:
    """The sent file decoded once, kept in the session for the page's reruns (at most 1024
    pixels a side): decoding a 64-megapixel PNG again on every click took a second and a
    quarter of a gigabyte each time. A refusal is kept and given again the same way."""
    held = st.session_state.get(UPLOADED_KEY)
    if held is None or held[0] != file_id:
        try:
            held = (file_id, open_digit_picture(data))
        except (DigitInputError, ImageInputError) as error:
            held = (file_id, error)
        st.session_state[UPLOADED_KEY] = held
    if isinstance(held[1], Exception):
        raise held[1]
    return held[1]


def show_recipe(prepared: PreparedDigit) -> None:
    st.subheader("The picture the models see", help="MNIST's own recipe, step by step.")
    if prepared.from_mnist:  # a held-out MNIST digit (made by this very recipe), or a link's
        link = st.session_state.get(LINKED_KEY)
        linked = link is not None and np.array_equal(link, prepared.digit)
        st.image(
            grey_png(prepared.digit),
            caption="the drawing from the link, as the models read it"
            if linked
            else "an MNIST digit: already white on black, 20×20 ink centred in 28×28",
            width=112,
            alt="The held-out digit as the models read it",
        )
        return
    steps = (
        (prepared.grey, "grey, as sent"),
        (prepared.ink, "ink white on black" + (" (inverted)" if prepared.inverted else "")),
        (prepared.cropped, "cropped to the ink"),
        (
            prepared.boxed,
            f"scaled into 20×20 ({prepared.boxed.shape[1]}×{prepared.boxed.shape[0]})",
        ),
        (prepared.digit, "centred by its mass in 28×28"),
    )
    crisp_pixels("digits_recipe")
    with st.container(key="digits_recipe"):
        st.image(
            [grey_png(values) for values, _ in steps],
            caption=[caption for _, caption in steps],
            width=112,
            alt=[f"The digit {caption}" for _, caption in steps],
        )


def show_readings(
    prepared: PreparedDigit, label: int | None, theme: Theme
) -> dict[str, DigitTrace]:
    """The CNN beside the row readers, on the same digit; returns every reader's trace."""
    digit = prepared.digit
    traces = digit_traces(digit_key(digit), digit)
    styles = digit_styles()
    truth = f" (it is a {label})" if label is not None else ""
    if label is None and not looks_like_a_digit(traces):
        cnn = traces[GRID_READER]
        st.warning(
            f"This does not look like a digit to the readers. The CNN, which sees the whole "
            f"picture at once, is only {cnn.probs.max():.0%} sure of its best answer, {cnn.digit} "
            f"(of nearly every held-out digit it is at least {SURE_FROM:.0%} sure); "
            "the row readers name some digit for anything. Their answers, for what they are "
            "worth:",
            icon=":material/help:",
        )
    left, right = st.columns([2, 3])
    with left:
        cnn = traces[GRID_READER]
        st.subheader(f"CNN: all at once → {cnn.digit}", help=explain("feature map"))
        show_figure(
            probabilities_figure(cnn.probs, styles[GRID_READER].colour, theme),
            key="digits_cnn_probs",
            alt=f"The CNN's ten probabilities; highest {cnn.digit} at {cnn.probs.max():.0%}{truth}",
        )
        for name, maps in cnn.stages:
            st.image(
                stage_tiles(maps),
                caption=f"{name}: {maps.shape[0]} maps of {maps.shape[1]}×{maps.shape[2]}",
                width="stretch",
                output_format="PNG",
                alt=f"The CNN's {name} feature maps on your digit",
            )
    with right:
        show_row_readers(digit, traces, truth, theme)
    return traces


def show_row_readers(
    digit: np.ndarray, traces: dict[str, DigitTrace], truth: str, theme: Theme
) -> None:
    recurrent = [name for name, spec in DIGIT_READERS.items() if spec.recurrent]
    styles = digit_styles()
    name = st.radio(
        "Row reader",
        recurrent,
        format_func=lambda n: styles[n].label,
        horizontal=True,
        key="digits_row_reader",
    )
    chosen = traces[name]
    st.subheader(
        f"{styles[name].label}: row by row → {chosen.digit}", help=explain("hidden state (h)")
    )
    show_figure(
        row_reading_figure(digit, chosen.states, chosen.after_rows, styles[name].label, theme),
        key="digits_rows",
        alt=f"The {styles[name].label} reading your digit row by row: its state and its ten "
        f"probabilities after every row, with Play; it ends on {chosen.digit}{truth}",
    )
    st.dataframe(
        [
            {
                "reader": styles[n].label,
                **{
                    f"after {k} rows": int(traces[n].after_rows[k - 1].argmax())
                    for k in (7, 14, 21)
                },
                "after all 28": traces[n].digit,
                "sure from row": traces[n].first_sure_row(),
            }
            for n in recurrent
        ],
        hide_index=True,
        key="digits_row_table",
    )
    cnn = traces[GRID_READER].digit
    st.caption(
        f"The row readers guess after every row; the CNN needed all 28 rows at once to say "
        f"{cnn}. *Sure from row* is the row from which a reader's guess no longer changes."
    )


def show_rows_until_known(theme: Theme) -> None:
    st.header("How many rows until it knows?")
    curves = rows_accuracy()
    show_figure(
        rows_accuracy_figure(curves, digit_styles()),
        key="digits_rows_accuracy",
        alt="Held-out accuracy against the number of rows read, for the four readers",
    )
    at = {name: {k: curve[k - 1] for k in (7, 14, 21, 28)} for name, curve in curves.items()}
    styles = digit_styles()
    st.caption(
        "Over the 1,000 held-out digits: a row reader's guess after k rows, and, to be fair to "
        "the CNN, its guess on the digit with every row below k blanked. After 14 rows: "
        + ", ".join(f"{styles[n].label} {at[n][14]:.0%}" for n in at)
        + "; after all 28: "
        + ", ".join(f"{styles[n].label} {at[n][28]:.1%}" for n in at)
        + "."
    )


def show_experiments() -> None:
    """Experiments over the held-out digits: moved, scrambled, read in other orders."""
    styles = digit_styles()
    left, right = st.columns(2)
    with left:
        st.subheader("Move the digit")
        shifts = shift_accuracy()
        show_figure(
            shift_figure(shifts, SHIFTS, styles),
            key="digits_shift",
            alt="Held-out accuracy of each reader against how far the digits are moved",
        )
        drop = {n: c[0] - c[-1] for n, c in shifts.items()}
        least, most = min(drop, key=drop.get), max(drop, key=drop.get)
        st.caption(
            "Every held-out digit moved 1 to 4 pixels up, down, left or right (training already "
            f"moved them by up to 2). Moved {SHIFTS[-1]} pixels: "
            + ", ".join(f"{styles[n].label} {c[-1]:.0%}" for n, c in shifts.items())
            + f". The {styles[least].label} loses least ({drop[least] * 100:.1f} points), the "
            f"{styles[most].label} most ({drop[most] * 100:.1f})."
        )
    with right:
        st.subheader("Scramble the rows")
        pairs = scramble_accuracy()
        st.dataframe(
            [
                {
                    "reader": styles[n].label,
                    "rows in order": f"{a:.1%}",
                    "rows scrambled": f"{b:.1%}",
                }
                for n, (a, b) in pairs.items()
            ],
            hide_index=True,
            key="digits_scramble",
        )
        lost = {n: a - b for n, (a, b) in pairs.items()}
        grid = GRID_READER
        grid_least = lost[grid] <= min(v for n, v in lost.items() if n != grid)
        st.caption(
            "Each reader trained again on digits whose rows were put in one fixed, shuffled order, "
            "and tested the same way. The articles expect the CNN to suffer most, since its "
            "filters assume neighbouring rows belong together, while a row reader reads any "
            "fixed order. "
            + (
                f"Here the CNN loses least ({lost[grid] * 100:.1f} points): its filters still "
                "find the row fragments, and its dense layer learns where the shuffle puts them."
                if grid_least
                else f"Here it does: the CNN loses {lost[grid] * 100:.1f} points, more than a "
                "row reader."
            )
        )
        orders = order_accuracy()
        st.dataframe(
            [
                {"reader": styles[n].label, **{k: f"{v:.1%}" for k, v in a.items()}}
                for n, a in orders.items()
            ],
            hide_index=True,
            key="digits_orders",
        )
        st.caption(
            "The row readers, trained top-down, given the held-out digits bottom-up or column by "
            "column: not trained for this, and it shows."
        )


def show_row_gradients(
    prepared: PreparedDigit | None, traces: dict[str, DigitTrace] | None
) -> None:
    st.subheader(
        "How much can each row still move the verdict?", help=explain("vanishing gradient")
    )
    styles = digit_styles()
    left, right = st.columns(2)
    if prepared is None or traces is None:
        left.info("Draw or pick a digit above to see this on your own digit.")
    else:
        digit, label = prepared.digit, traces[GRID_READER].digit
        show_figure(
            row_gradient_figure(digit_row_gradients(digit_key(digit), digit, label), styles),
            key="digits_gradient_yours",
            alt="On your digit: the size of the gradient of the verdict with respect to each row",
            place=left,
        )
        left.caption(f"On your digit (the score of {label}).")
    average = heldout_row_gradients()
    show_figure(
        row_gradient_figure(average, styles),
        key="digits_gradient_heldout",
        alt="The median over the held-out digits of the gradient by row",
        place=right,
    )
    ratio = {n: early_to_late(average[n]) for n in average if DIGIT_READERS[n].recurrent}
    early, late = EARLY_ROWS, LATE_ROWS
    right.caption(
        f"Median over the held-out digits. Rows {early[0]}–{early[1]} are read early, so their "
        f"signal travels back through some 15 more steps than rows {late[0]}–{late[1]}; their "
        "gradient as a share of the late rows': "
        + ", ".join(f"{styles[n].label} {r:.2g}" for n, r in ratio.items())
        + ". A share well under 1 is the vanishing gradient."
    )
