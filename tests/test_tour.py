"""The guided tour: a question before every answer, and answers that come from the models."""

from __future__ import annotations

import re
from unittest.mock import patch

import numpy as np
import pytest
import torch

import ui.common.state
import ui.tour.closing_steps
import ui.tour.compare_steps
import ui.tour.digits_steps
import ui.tour.tour
from bench.harness.apptest import open_cnn_page, open_page, upload
from bench.harness.paths import SAMPLES
from models import lessons
from models.cnn.explain import class_activation_map_of
from models.cnn.imagenet import class_names
from models.cnn.images import load_photo
from models.cnn.registry import CNN_MODELS, load_cnn
from models.cnn.trace import trace_image
from models.sequence.registry import load_sequence_model, trace_text
from tests.helpers.apptest import texts
from ui.cache.compare import corpus_gradients, negation_table
from ui.cache.sequence import example_sentences
from ui.common.pages import CNN, TOUR


def unescape(markdown: str) -> str:
    """Text escaped for markdown, as it reads: the tour escapes a radio's options."""
    return re.sub(r"\\(.)", r"\1", markdown)


def choices(at, step: int) -> list[str]:
    """The step's choices as the page holds them (the radio shows them escaped)."""
    return [unescape(option) for option in at.radio(key=f"tour_guess_{step}").options]


def reveal(at, step: int, guess_index: int = 0):
    """Guess the option at `guess_index`, then press Reveal; the page after it."""
    question = at.radio(key=f"tour_guess_{step}")
    question.set_value(choices(at, step)[guess_index]).run()
    at.button(key=f"tour_reveal_{step}").click().run()
    assert not at.exception
    return at


def answer(at) -> str:
    """The revealed answer: a green box when the guess was right, an amber one when not."""
    (box,) = [*at.success, *at.warning]
    right = box.value.startswith("✓ Right.")
    assert (box in at.success) == right, box.value
    return box.value


def revealed_answer(at, step: int) -> str:
    """Guess the first option and reveal: the answer the page gives, whether right or not."""
    first = choices(at, step)[0]
    text = answer(reveal(at, step))
    if text.startswith("✓ Right."):
        return first
    match = re.match(r"Not quite: it is \*\*(.+?)\*\*\.", text)
    assert match, text
    return unescape(match.group(1))


@pytest.mark.parametrize("step", range(1, 12))
def test_every_step_asks_before_it_answers(step: int) -> None:
    at = open_page(TOUR, {"step": str(step)})
    assert any(f"Step {step} of 11" in bar.proto.text for bar in at.get("progress"))
    assert not at.success and not at.warning  # nothing revealed yet
    assert at.button(key=f"tour_reveal_{step}").disabled  # not before a guess
    options = choices(at, step)
    right = revealed_answer(at, step)
    assert right in options
    again = open_page(TOUR, {"step": str(step)})
    assert answer(reveal(again, step, options.index(right))).startswith("✓ Right.")
    assert at.page_link  # a link to the full view


def test_the_turning_word_is_the_models_and_changes_with_the_sentence() -> None:
    model = load_sequence_model("lstm")
    for sentence in ("the film was not good", "a dull start but a wonderful ending"):
        at = open_page(TOUR, {"step": "4"})
        at.session_state["shared_text"] = sentence
        at.run()
        scores = trace_text(model, "lstm", sentence).sentiment
        expected = int(np.argmax(np.abs(np.diff(scores, prepend=0.0))))
        text = answer(reveal(at, 4))
        word = sentence.split()[expected]
        assert f"After *{word}*" in text, (sentence, text)


def test_where_the_network_looked_is_its_class_maps_peak_and_changes_with_the_photo() -> None:
    model = load_cnn("squeezenet1_1")
    regions = {}
    for sample in ("chelsea", "coffee", "rocket"):
        at = open_page(CNN, {"sample": sample})  # the visitor's photo
        at.switch_page(TOUR.script).run()
        at.session_state["tour_step"] = "2"
        at.run()
        photo = load_photo((SAMPLES / f"{sample}.jpg").read_bytes())
        trace = trace_image(model, "squeezenet1_1", photo.image)
        with torch.inference_mode():
            evidence = class_activation_map_of(trace, model, trace.top(1)[0][0])
        expected = lessons.region_of(*evidence.peak_input(), trace.shown.shape[0])
        assert revealed_answer(at, 2) == expected, sample
        regions[sample] = expected
    assert len(set(regions.values())) > 1, regions  # another photo, another answer


def test_the_reader_that_hears_a_not_longest_follows_the_measured_table() -> None:
    fading = {0: 0.8, 2: 0.5, 6: 0.0}
    table = {"lstm": fading, "gru": {0: 0.8, 2: 0.6, 6: 0.3}, "rnn": fading, "cnn1d": fading}
    with patch.object(ui.tour.compare_steps, "negation_table", return_value=table):
        at = reveal(open_page(TOUR, {"step": "5"}), 5, guess_index=1)  # guess "GRU"
        assert answer(at).startswith("✓ Right.")
        assert "GRU +0.30" in answer(at)
    table["lstm"] = {0: 0.8, 2: 0.6, 6: 0.5}
    with patch.object(ui.tour.compare_steps, "negation_table", return_value=table):
        at = reveal(open_page(TOUR, {"step": "5"}), 5, guess_index=1)
        assert "it is **LSTM**" in answer(at)


def test_a_new_sentence_asks_the_question_again() -> None:
    at = open_page(TOUR, {"step": "4"})
    reveal(at, 4)
    assert answer(at)
    at.session_state["shared_text"] = "not bad at all"
    at.run()
    assert not at.success and not at.warning  # the answer may differ: guess again


def test_the_digit_asked_about_is_the_digit_shown_and_stays_through_the_guess() -> None:
    at = open_page(TOUR, {"step": "8"})
    assert at.number_input(key="tour_digit").value == ui.tour.digits_steps.TOUR_DIGIT
    question = at.radio(key="tour_guess_8")
    asked = question.label
    assert "handwritten 0 " in asked  # held-out digit 2 is a 0
    question.set_value(question.options[0]).run()
    assert at.radio(key="tour_guess_8").label == asked
    assert at.number_input(key="tour_digit").value == ui.tour.digits_steps.TOUR_DIGIT


def test_the_row_reader_sure_first_follows_the_digit() -> None:
    at = open_page(TOUR, {"step": "8"})
    answers = {}
    for number in (2, 4):
        at.number_input(key="tour_digit").set_value(number).run()
        answers[number] = revealed_answer(at, 8)
        at.session_state["tour_revealed_8"] = None  # ask again for the next digit
    assert answers == {2: "LSTM", 4: "vanilla RNN"}  # rows 6 against 7 and 9; 16 against 23, 25


def lstm_turn(sentence: str) -> str:
    """Step 4's answer for `sentence`, from the LSTM itself: "k: word"."""
    trace = trace_text(load_sequence_model("lstm"), "lstm", sentence)
    turn = int(np.argmax(np.abs(np.diff(trace.sentiment, prepend=0.0))))
    return f"{turn + 1}: {trace.tokens[turn]}"


def test_the_words_to_choose_from_read_as_typed_in_the_drop_down_and_the_radio() -> None:
    long = "**bold** it was great . * _ not bad at all [link](http://x)"  # 24 words: a drop-down
    at = open_page(TOUR, {"step": "4"})
    at.session_state["shared_text"] = long
    at.run()
    tokens = trace_text(load_sequence_model("lstm"), "lstm", long).tokens
    numbered = [f"{t + 1}: {token}" for t, token in enumerate(tokens)]
    assert len(numbered) > ui.tour.tour.MAX_RADIO_CHOICES
    assert at.selectbox(key="tour_guess_4").options == numbered  # "1: *", not "1: \\*"
    assert {"1: *", "9: .", "20: <url>"} <= set(numbered), numbered

    at.session_state["shared_text"] = "it was great . * bad"
    at.run()
    radio = at.radio(key="tour_guess_4")  # a radio's options are markdown: escaped, once
    assert radio.options == [
        "1\\: it",
        "2\\: was",
        "3\\: great",
        "4\\: \\.",
        "5\\: \\*",
        "6\\: bad",
    ]


def test_a_typed_sentence_travels_in_the_tour_address() -> None:
    sentence = "I loved it. Then it was dull."
    default = example_sentences()[0]
    assert lstm_turn(sentence) != lstm_turn(default)  # so the link must carry the sentence

    at = open_page(TOUR, {"step": "4"})
    assert dict(at.query_params) == {"step": "4"}  # the default sentence is not written
    at.text_input(key="tour_text").set_value(sentence).run()
    assert dict(at.query_params) == {"step": "4", "text": sentence}

    opened = open_page(TOUR, dict(at.query_params))  # the link, in another browser
    assert opened.text_input(key="tour_text").value == sentence
    assert revealed_answer(opened, 4) == lstm_turn(sentence)


def test_a_sample_photo_travels_in_the_tour_address_and_an_upload_says_it_cannot() -> None:
    at = open_page(CNN, {"sample": "coffee"})  # the visitor's photo
    at.query_params.clear()  # another page's address (AppTest keeps it; a browser does not)
    at.switch_page(TOUR.script).run()
    at.session_state["tour_step"] = "2"
    at.run()
    assert dict(at.query_params) == {"step": "2", "sample": "coffee"}
    assert ui.common.state.LINK_NOTE not in texts(at)

    opened = open_page(TOUR, dict(at.query_params))
    assert revealed_answer(opened, 2) == "middle centre"  # coffee's; the cat's is bottom left
    assert revealed_answer(open_page(TOUR, {"step": "2"}), 2) == "bottom left"

    uploaded = upload(
        open_cnn_page(), "mine.jpg", (SAMPLES / "coffee.jpg").read_bytes(), "image/jpeg"
    )
    uploaded.switch_page(TOUR.script).run()
    assert ui.common.state.LINK_NOTE in texts(uploaded)  # said where the photo is shown
    assert "sample" not in uploaded.query_params


def open_closing_step(sample: str, sentence: str):
    """The closing step for a visitor who chose `sample` on the CNN page and typed `sentence`."""
    at = open_page(CNN, {"sample": sample})
    at.switch_page(TOUR.script).run()
    at.session_state["tour_step"] = "11"
    at.session_state["shared_text"] = sentence
    return at.run()


def test_the_closing_answer_is_this_sessions_photo_and_sentence_measured() -> None:
    model, lstm = load_cnn("squeezenet1_1"), load_sequence_model("lstm")
    seen = set()
    for sample, sentence in (("chelsea", "not good"), ("rocket", "a dull start but a fine end")):
        at = open_closing_step(sample, sentence)
        assert not at.success and not at.warning  # asked before it answers
        text = answer(reveal(at, 11))
        trace = trace_image(
            model, "squeezenet1_1", load_photo(SAMPLES.joinpath(f"{sample}.jpg").read_bytes()).image
        )
        first, last = trace.stages[0], trace.stages[-1]
        label = class_names()[trace.top(1)[0][0]]
        field = CNN_MODELS["squeezenet1_1"].receptive_fields()[last.name].size
        words = len(trace_text(lstm, "lstm", sentence).tokens)
        assert f"called it *{unescape(label)}*" in unescape(text), (sample, text)
        assert f"Through its {len(trace.stages)} stages" in text
        assert f"shrank from {first.shape[1]}×{first.shape[2]} to {last.shape[1]}×" in text
        assert f"channels grew from {first.shape[0]:,} to {last.shape[0]:,}" in text
        assert f"{last.name}, sees {field}×{field} pixels" in text
        assert f"Your sentence's {words} words take the LSTM {words} steps in a row" in text
        seen.add((label, words))
    assert len(seen) == 2, seen  # another photo and sentence, other numbers


def test_the_closing_answer_follows_the_measurements() -> None:
    at = open_closing_step("chelsea", "not good")
    right = revealed_answer(at, 11)
    assert right == lessons.CLOSING_CHOICES[0]  # maps shrink, a "not" is carried further
    table = {name: dict(effects) for name, effects in negation_table().items()}
    table["cnn1d"][ui.tour.compare_steps.NOT_GAP] = 1.0  # the window hears it loudest
    with (
        patch.object(ui.tour.closing_steps, "negation_table", return_value=table),
        patch.object(ui.tour.compare_steps, "negation_table", return_value=table),
    ):
        assert (
            revealed_answer(open_closing_step("chelsea", "not good"), 11)
            == (lessons.CLOSING_CHOICES[-1])
        )


def test_steps_5_and_6_say_why_the_lstm_and_the_gru_both_lead() -> None:
    effects, gradients = negation_table(), corpus_gradients()
    far = len(gradients["gru"][1]) - 1
    gru_kept = gradients["gru"][1][far] / gradients["gru"][1][0] * 100
    assert lessons.loudest_at(effects, ui.tour.compare_steps.NOT_GAP) == "lstm"
    for step in (5, 6):
        text = revealed_answer_text(step)
        assert "The LSTM hears a *not* longest" in text, text
        assert f"the GRU keeps its gradient best ({gru_kept:.2g}% left" in text, text
        assert "both are true, because they measure different things" in text
        assert "the LSTM's gates learned to hold that one signal" in text


def revealed_answer_text(step: int) -> str:
    return answer(reveal(open_page(TOUR, {"step": str(step)}), step))
