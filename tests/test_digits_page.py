"""The digits page in AppTest: every control, answers equal to the readers' own, bad pictures."""

from __future__ import annotations

import io
from types import SimpleNamespace
from unittest.mock import patch

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngImageFile

from bench.harness.apptest import open_page
from models.digits.data import digit_set
from models.digits.prepare import open_digit_picture, prepare_digit
from models.digits.readers import final_scores
from models.digits.registry import DIGIT_READERS
from tests.helpers.apptest import figure_elements, texts
from tests.helpers.bad_inputs import DigitCase, digit_cases
from tests.helpers.pictures import captions
from ui.common.pages import DIGITS

PAGE = DIGITS


def subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


def answer_of(at, reader_title: str) -> int:
    heading = next(s for s in subheaders(at) if s.startswith(reader_title))
    return int(heading.rsplit("→", 1)[1])


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_page_asks_for_a_drawing_and_shows_the_held_out_results_meanwhile() -> None:
    at = open_page(PAGE)
    assert any("Draw a digit" in info.value for info in at.info)
    assert set(chart_keys(at)) == {"digits_rows_accuracy"}  # "Look deeper" starts empty


def chart_keys(at) -> list[str]:
    return [chart.proto.id.rsplit("-", 1)[-1] for chart in figure_elements(at)]


def test_look_deeper_builds_each_section_only_when_chosen_and_names_it_in_the_address() -> None:
    """A digit costs its four readings and nothing else until the visitor picks a section: no
    gradients, no experiments' tables, no training controls (nor the queue's polling)."""
    import ui.cache.digits

    at = open_page(PAGE)
    at.radio(key="digits_source").set_value("A held-out digit").run()
    at.number_input(key="digits_heldout").set_value(7).run()  # a digit no other test reads
    ui.cache.digits.digit_row_gradients.clear()
    with patch.object(
        ui.cache.digits, "gradient_by_row", wraps=ui.cache.digits.gradient_by_row
    ) as gradients:
        at.run()
        assert at.radio(key="digits_deeper").value == "none"
        assert set(chart_keys(at)) == {"digits_cnn_probs", "digits_rows", "digits_rows_accuracy"}
        assert len(at.dataframe) == 1 and not at.button  # the row readers' guesses, a table
        assert "after all 28" in at.dataframe[0].value.columns
        assert gradients.call_count == 0 and "section" not in at.query_params

        at.radio(key="digits_deeper").set_value("experiments").run()
        assert "digits_shift" in chart_keys(at) and at.query_params["section"] == "experiments"
        columns = [set(frame.value.columns) for frame in at.dataframe]
        assert any("rows scrambled" in c for c in columns)
        assert any("bottom-up" in c for c in columns) and len(columns) == 3
        assert gradients.call_count == 0

        at.radio(key="digits_deeper").set_value("gradients").run()
        assert {"digits_gradient_yours", "digits_gradient_heldout"} <= set(chart_keys(at))
        assert gradients.call_count == len(DIGIT_READERS)  # once per reader, on this digit
        assert "digits_shift" not in chart_keys(at)

        at.radio(key="digits_deeper").set_value("training").run()
        assert [b.key for b in at.button] == ["train_go"]
        assert at.query_params["section"] == "training"
    assert not at.exception


@pytest.mark.parametrize("number", [1, 2, 500])
def test_a_heldout_digit_is_read_by_all_four_as_the_readers_themselves_read_it(number: int) -> None:
    at = open_page(PAGE)
    at.radio(key="digits_source").set_value("A held-out digit").run()
    at.number_input(key="digits_heldout").set_value(number).run()
    assert not at.exception
    data = digit_set()
    index = int(data.test[number - 1])
    image = torch.from_numpy(data.images[index].astype(np.float32) / 255)[None]
    cnn = int(final_scores(DIGIT_READERS["cnn"].load(), image).argmax())
    assert answer_of(at, "CNN") == cnn
    table = at.dataframe[0].value  # the row readers' table comes first
    assert "after 14 rows" in table.columns
    for name in ("lstm", "gru", "rnn"):
        model = DIGIT_READERS[name].load()
        with torch.inference_mode():
            rows = model(image)[0].argmax(dim=1)  # the guess after every row, torch's own layer
        row = table[table["reader"] == DIGIT_READERS[name].short].iloc[0]
        assert row["after all 28"] == int(rows[-1])
        assert row["after 14 rows"] == int(rows[13])


def test_each_row_reader_can_be_watched() -> None:
    at = open_page(PAGE)
    at.radio(key="digits_source").set_value("A held-out digit").run()
    for name in ("gru", "rnn", "lstm"):
        at.radio(key="digits_row_reader").set_value(name).run()
        assert not at.exception
        assert any(s.startswith(DIGIT_READERS[name].short + ":") for s in subheaders(at))


def test_an_uploaded_picture_of_a_digit_drawn_dark_on_light_is_read() -> None:
    data = digit_set()
    index = int(data.test[3])
    paper = 255 - np.kron(data.images[index], np.ones((6, 6), dtype=np.uint8))  # 168 px, inverted
    at = open_page(PAGE)
    at.radio(key="digits_source").set_value("Upload").run()
    at.file_uploader(key="digits_upload").upload("seven.png", png(paper), "image/png").run()
    assert not at.exception
    assert answer_of(at, "CNN") == int(data.labels[index])
    steps = captions(at, "digits_recipe")
    assert len(steps) == 5 and steps[1] == "ink white on black (inverted)"


@pytest.mark.parametrize(
    ("data", "message"),
    [(png(np.full((60, 60), 255, np.uint8)), "no digit"), (b"not a picture", "could not be read")],
)
def test_a_blank_or_broken_upload_says_why(data: bytes, message: str) -> None:
    at = open_page(PAGE)
    at.radio(key="digits_source").set_value("Upload").run()
    at.file_uploader(key="digits_upload").upload("x.png", data, "image/png").run()
    assert not at.exception
    assert any(message in info.value for info in at.info)


@pytest.mark.parametrize("case", digit_cases(), ids=lambda case: case.name)
def test_an_odd_picture_is_read_or_gets_a_message_never_an_error(case: DigitCase) -> None:
    at = open_page(PAGE)
    at.radio(key="digits_source").set_value("Upload").run()
    at.file_uploader(key="digits_upload").upload(case.name, case.data, case.mime).run()
    assert not at.exception
    if case.says:
        assert any(case.says in info.value for info in at.info), [i.value for i in at.info]
        assert not any(s.startswith("CNN") for s in subheaders(at))
        return
    assert len(captions(at, "digits_recipe")) == 5
    if case.digit is not None:
        assert answer_of(at, "CNN") == case.digit
    warned = any("does not look like a digit" in w.value for w in at.warning)
    assert warned == case.not_a_digit


def test_an_upload_is_decoded_once_however_often_the_page_reruns() -> None:
    case = next(case for case in digit_cases() if case.name == "64mp.png")
    at = open_page(PAGE)  # imports ui.digits.views, which can only be imported in a run
    with patch("ui.digits.views.open_digit_picture", wraps=open_digit_picture) as opened:
        at.radio(key="digits_source").set_value("Upload").run()
        at.file_uploader(key="digits_upload").upload(case.name, case.data, case.mime).run()
        for reader in ("gru", "rnn", "lstm"):
            at.radio(key="digits_row_reader").set_value(reader).run()
        assert not at.exception and answer_of(at, "CNN") == 7
        assert opened.call_count == 1


def test_a_stroke_one_pixel_thick_shows_every_step_of_the_recipe() -> None:
    paper = np.full((200, 200), 255, np.uint8)
    paper[100, 20:180] = 0  # cropped to the ink, this is 160×1 pixels
    at = open_page(PAGE)
    at.radio(key="digits_source").set_value("Upload").run()
    at.file_uploader(key="digits_upload").upload("line.png", png(paper), "image/png").run()
    assert not at.exception
    assert len(captions(at, "digits_recipe")) == 5


def test_the_reading_orders_table_reads_top_down_as_trained() -> None:
    at = open_page(PAGE, {"section": "experiments"})
    at.radio(key="digits_source").set_value("A held-out digit").run()
    orders = next(d.value for d in at.dataframe if "bottom-up" in d.value.columns)
    for _, row in orders.iterrows():
        as_trained = float(row["top-down"].rstrip("%"))
        assert as_trained > 95 and as_trained > float(row["bottom-up"].rstrip("%")) + 30


def test_a_drawing_is_prepared_once_however_often_the_page_reruns() -> None:
    import ui.cache.digits

    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 255))  # as the canvas sends it: a PNG
    seven = ((80, 70), (200, 70), (190, 100), (150, 160), (120, 230))
    ImageDraw.Draw(canvas).line(seven, fill=(255, 255, 255, 255), width=20, joint="curve")
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    drawn = SimpleNamespace(image_bytes=buffer.getvalue(), image_data=np.asarray(canvas))
    at = open_page(PAGE)  # imports ui.digits.views, which can only be imported in a run
    ui.cache.digits.prepared_drawing.clear()
    with (
        patch("ui.digits.views.st_canvas", return_value=drawn),
        patch.object(ui.cache.digits, "prepare_digit", wraps=prepare_digit) as prepared,
    ):
        at.run()
        for reader in ("gru", "rnn", "lstm"):
            at.radio(key="digits_row_reader").set_value(reader).run()
        assert not at.exception and answer_of(at, "CNN") == 7
        assert prepared.call_count == 1


def test_a_drawing_larger_than_any_canvas_is_refused_before_it_is_decoded() -> None:
    """The canvas's PNG comes from the browser: a forged one of 100 megapixels (a few kB when
    compressed) is measured by its header and never decoded."""
    huge = Image.new("L", (10_000, 10_000))
    buffer = io.BytesIO()
    huge.save(buffer, format="PNG")
    drawn = SimpleNamespace(image_bytes=buffer.getvalue(), image_data=None)
    decoded_sizes = []
    real_load = PngImageFile.load

    def load(picture: PngImageFile):
        decoded_sizes.append(picture.size)
        return real_load(picture)

    at = open_page(PAGE)
    with (
        patch("ui.digits.views.st_canvas", return_value=drawn),
        patch.object(PngImageFile, "load", load),
    ):
        at.run()
    assert not at.exception
    assert huge.size not in decoded_sizes
    assert any("larger than the canvas" in text for text in texts(at))
