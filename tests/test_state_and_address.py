"""A visitor's photo and sentence follow them across pages; the address reopens what they see."""

from __future__ import annotations

import pytest

from bench.harness.apptest import open_page, upload
from bench.harness.paths import SAMPLES
from tests.helpers.apptest import figure_elements, texts, top_labels
from ui.common.pages import CNN, COMPARE, DIGITS, LSTM, TOUR
from ui.compare.views import BESIDE_KEY


def notices(at) -> list[str]:
    return [info.value for info in at.info if "The address asked for" in info.value]


def test_a_cnn_link_opens_its_model_sample_layer_and_section() -> None:
    at = open_page(
        CNN,
        {"model": "efficientnet_lite0", "sample": "coffee", "layer": "block3", "section": "unit"},
    )
    assert at.radio(key="cnn_model").value == "efficientnet_lite0"
    assert top_labels(at)[0] == "espresso"
    assert at.selectbox(key="cnn_layer_efficientnet_lite0").value == "block3"
    assert at.radio(key="cnn_deeper").value == "unit"
    assert any("What one unit sees" in s.value for s in at.subheader)
    assert not notices(at)
    # The address keeps what is shown: every value the link named is still there.
    assert at.query_params == {
        "model": "efficientnet_lite0",
        "sample": "coffee",
        "layer": "block3",
        "section": "unit",
    }


def test_an_lstm_link_opens_its_model_text_and_section() -> None:
    text = "I did not enjoy a single minute of it"
    at = open_page(LSTM, {"model": "gru", "text": text, "section": "units"})
    assert at.radio(key="lstm_model").value == "gru"
    assert at.text_input(key="lstm_text").value == text
    assert "What the model reads: 9 words" in "".join(texts(at))
    assert at.radio(key="lstm_deeper").value == "units"
    assert not notices(at)


def test_unknown_values_in_the_address_fall_back_with_a_notice() -> None:
    at = open_page(CNN, {"model": "resnet50", "sample": "dog", "layer": "fire2"})
    assert at.radio(key="cnn_model").value == "squeezenet1_1"
    assert top_labels(at)[0] in {"Egyptian cat", "tiger cat", "tabby"}  # the first sample
    found = notices(at)
    assert len(found) == 2 and "resnet50" in found[0] and "dog" in found[1]
    assert at.selectbox(key="cnn_layer_squeezenet1_1").value == "fire2"  # the good one applies
    at = open_page(LSTM, {"model": "transformer", "section": "<b>x</b>"})
    assert at.radio(key="lstm_model").value == "lstm"
    assert len(notices(at)) == 2
    at = open_page(TOUR, {"step": "99"})
    assert any("Step 1 of 11" in bar.proto.text for bar in at.get("progress"))
    assert len(notices(at)) == 1


def test_choices_on_a_page_are_written_to_the_address() -> None:
    at = open_page(CNN)
    at.radio(key="cnn_model").set_value("efficientnet_lite0").run()
    at.pills(key="cnn_sample").set_value("rocket.jpg").run()
    assert at.query_params["model"] == "efficientnet_lite0"
    assert at.query_params["sample"] == "rocket"
    assert top_labels(at)[0] == "missile"  # the rocket, through EfficientNet-Lite0


def test_an_uploaded_photo_stays_across_pages_and_the_comparison_uses_it() -> None:
    at = open_page(CNN)
    upload(at, "my coffee.jpg", (SAMPLES / "coffee.jpg").read_bytes(), "image/jpeg")
    assert top_labels(at)[0] == "espresso"
    assert any("cannot travel in a link" in c.value for c in at.caption)
    assert "sample" not in at.query_params  # an upload cannot be named in a link
    at.switch_page(LSTM.script).run()
    at.switch_page(COMPARE.script).run()
    assert not at.exception
    at.session_state[BESIDE_KEY] = True  # the visitor opens the photo beside the sentence
    at.run()
    assert any("my coffee" in m.value for m in at.markdown)  # "Your photo (my coffee.jpg)"
    at.switch_page(CNN.script).run()
    assert not at.exception
    assert top_labels(at)[0] == "espresso"  # the upload is still the photo shown
    assert any("sent earlier in this visit" in c.value for c in at.caption)


def test_a_sentence_typed_on_one_page_is_read_on_the_others() -> None:
    at = open_page(LSTM)
    at.text_input(key="lstm_text").set_value("what a dull and tiresome film").run()
    at.switch_page(COMPARE.script).run()
    assert at.text_input(key="cmp_text").value == "what a dull and tiresome film"
    at.text_input(key="cmp_text").set_value("a lovely surprise").run()
    at.switch_page(LSTM.script).run()
    assert at.text_input(key="lstm_text").value == "a lovely surprise"
    assert at.query_params["text"] == "a lovely surprise"


@pytest.mark.parametrize("section", ["words", "pair"])
def test_a_section_the_character_model_lacks_falls_back_to_one_it_has(section: str) -> None:
    at = open_page(LSTM, {"model": "char", "section": section})
    assert not at.exception
    assert at.radio(key="lstm_deeper").value == "units"


def cnn_view(at) -> dict:
    """Every choice of the CNN page's view, as its widgets show it."""
    return {
        "summary": at.radio(key="cnn_overview_summary").value,
        "layer": at.selectbox(key="cnn_layer_squeezenet1_1").value,
        "order": at.radio(key="cnn_sort").value,
        "scale": at.radio(key="cnn_scale").value,
        "shown": at.select_slider(key="cnn_count").value,
        "first": at.select_slider(key="cnn_page").value,
        "channel": at.number_input(key="cnn_channel_squeezenet1_1_fire6").value,
        "unit_stage": at.selectbox(key="cnn_rf_stage_squeezenet1_1").value,
        "row": at.number_input(key="cnn_rf_row_squeezenet1_1_fire3").value,
        "col": at.number_input(key="cnn_rf_col_squeezenet1_1_fire3").value,
    }


def test_every_choice_of_the_cnn_view_travels_in_its_link() -> None:
    at = open_page(CNN)
    at.radio(key="cnn_overview_summary").set_value("strongest").run()
    at.selectbox(key="cnn_layer_squeezenet1_1").set_value("fire6").run()
    at.radio(key="cnn_sort").set_value("index").run()
    at.radio(key="cnn_scale").set_value("channel").run()
    at.select_slider(key="cnn_count").set_value(32).run()
    at.select_slider(key="cnn_page").set_value(64).run()
    at.number_input(key="cnn_channel_squeezenet1_1_fire6").set_value(70).run()
    at.radio(key="cnn_deeper").set_value("unit").run()
    at.selectbox(key="cnn_rf_stage_squeezenet1_1").set_value("fire3").run()
    at.number_input(key="cnn_rf_row_squeezenet1_1_fire3").set_value(5).run()
    at.number_input(key="cnn_rf_col_squeezenet1_1_fire3").set_value(9).run()
    assert not at.exception
    seen = cnn_view(at)
    assert seen == {
        "summary": "strongest",
        "layer": "fire6",
        "order": "index",
        "scale": "channel",
        "shown": 32,
        "first": 64,
        "channel": 70,
        "unit_stage": "fire3",
        "row": 5,
        "col": 9,
    }
    link = dict(at.query_params)
    assert link["channel"] == "70" and link["row"] == "5" and link["first"] == "64", link
    reopened = open_page(CNN, link)  # another visitor opens the link
    assert not reopened.exception and not notices(reopened)
    assert cnn_view(reopened) == seen
    assert dict(reopened.query_params) == link


def test_a_channel_the_layer_does_not_have_falls_back_with_a_notice() -> None:
    at = open_page(CNN, {"layer": "fire6", "channel": "4000", "row": "x"})
    assert not at.exception
    found = [info.value for info in at.info if "The address asked for" in info.value]
    assert len(found) == 2 and "4000" in "".join(found) and "x" in "".join(found), found
    channel = at.number_input(key="cnn_channel_squeezenet1_1_fire6").value
    assert 0 <= channel < 384
    assert "channel" not in at.query_params


def test_the_heatmaps_state_layer_and_token_travel_in_the_link() -> None:
    at = open_page(LSTM, {"model": "char", "close_up": "on"})
    at.radio(key="lstm_state_char").set_value("c").run()
    at.radio(key="lstm_layer_char").set_value(1).run()
    at.select_slider(key="lstm_step").set_value(3).run()
    assert not at.exception
    link = dict(at.query_params)
    assert link["show"] == "c" and link["layer"] == "2" and link["step"] == "3", link
    reopened = open_page(LSTM, link)
    assert not reopened.exception and not notices(reopened)
    assert reopened.radio(key="lstm_state_char").value == "c"
    assert reopened.radio(key="lstm_layer_char").value == 1
    assert reopened.select_slider(key="lstm_step").value == 3
    assert dict(reopened.query_params) == link
    bad = open_page(LSTM, {"model": "lstm", "show": "z", "step": "900"})
    assert len([i for i in bad.info if "The address asked for" in i.value]) == 2
    assert bad.select_slider(key="lstm_step").value == len(
        bad.select_slider(key="lstm_step").options
    )


def test_a_held_out_digit_and_a_drawing_travel_in_the_link() -> None:
    from models.digits.data import digit_set
    from models.digits.link import digit_from_text, digit_to_text

    at = open_page(DIGITS)
    at.radio(key="digits_source").set_value("A held-out digit").run()
    at.number_input(key="digits_heldout").set_value(37).run()
    link = dict(at.query_params)
    assert link == {"digit": "heldout", "heldout": "37"}
    reopened = open_page(DIGITS, link)
    assert reopened.number_input(key="digits_heldout").value == 37
    data = digit_set()
    # A drawing in the address is read as it is; a broken one gets a notice, never an error.
    digit = data.images[int(data.test[36])] / 255.0
    text = digit_to_text(digit)
    assert (digit_from_text(text) * 255).round().astype(int).tolist() == (
        (digit * 255).round().astype(int).tolist()
    )
    drawn = open_page(DIGITS, {"drawing": text})
    assert not drawn.exception
    assert any("came with the link" in c.value for c in drawn.caption)
    assert dict(drawn.query_params) == {"drawing": text}
    for bad in ("not-base64!!", "eJzLSM3JyQcABiwCFQ", "A" * 3000):
        broken = open_page(DIGITS, {"drawing": bad})
        assert not broken.exception and len(notices(broken)) == 1, bad


def test_a_reload_after_an_upload_says_the_photo_was_not_kept() -> None:
    at = upload(open_page(CNN), "coffee.jpg", (SAMPLES / "coffee.jpg").read_bytes(), "image/jpeg")
    assert top_labels(at)[0] == "espresso"
    link = dict(at.query_params)
    assert link.get("photo") == "upload" and "sample" not in link, link
    reloaded = open_page(CNN, link)  # a reload is a new session with the same address
    assert not reloaded.exception
    assert reloaded.radio(key="cnn_source").value == "Upload"
    assert any("kept neither in a link nor across a reload" in w.value for w in reloaded.warning)
    assert not figure_elements(reloaded)  # no sample shown as if it were the upload


def test_a_sample_chosen_in_the_tour_after_an_upload_is_shown_on_the_cnn_page() -> None:
    at = upload(open_page(CNN), "coffee.jpg", (SAMPLES / "coffee.jpg").read_bytes(), "image/jpeg")
    at.query_params["sample"] = "rocket"
    at.switch_page(TOUR.script).run()
    at.query_params.clear()
    at.switch_page(CNN.script).run()
    assert not at.exception
    assert at.radio(key="cnn_source").value == "Sample photo"
    assert top_labels(at)[0] in {"missile", "projectile", "space shuttle"}


def test_a_text_in_the_address_longer_than_the_limit_is_cut_and_the_page_says_so() -> None:
    at = open_page(LSTM, {"text": "not bad " * 800})  # 6,400 characters
    assert not at.exception
    assert any("6,400 characters: only its first 5,000 were kept" in i.value for i in at.info)
    assert len(at.text_input(key="lstm_text").value) == 5000


def test_values_a_view_cannot_show_are_named_as_written_and_left_out_of_the_address() -> None:
    at = open_page(LSTM, {"model": "char", "layer": "3"})
    assert [n for n in notices(at) if "the layer ` 3 `" in n], notices(at)
    word = open_page(LSTM, {"layer": "2"})  # the word LSTM has one layer
    assert len(notices(word)) == 1 and "layer" not in word.query_params
    digits = open_page(DIGITS, {"heldout": "5"})  # a drawing is shown, not digit 5
    assert "heldout" not in digits.query_params
    empty = open_page(DIGITS, {"drawing": ""})  # names nothing: no notice
    assert not empty.exception and not notices(empty)
