"""The check before and after the tour, in AppTest: in a class the tour opens with it and ends
with it, the store keeps exactly the answers given with flags that match the models' answers,
and the student sees both scores. Half of a randomising class sees each step's answer without
being asked; alone, the checks are there but may be skipped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from bench.harness.apptest import open_page
from bench.harness.paths import SAMPLES
from models import lessons
from models.cnn.explain import class_activation_map_of
from models.cnn.imagenet import class_names
from models.cnn.images import load_photo
from models.cnn.registry import CNN_MODELS, load_cnn
from models.cnn.trace import trace_image
from models.sequence.registry import load_sequence_model, trace_text
from serving.classes.store import ClassStore
from tests.helpers.apptest import texts
from ui.cache.compare import corpus_gradients, negation_table
from ui.cache.sequence import example_sentences
from ui.common.classroom import BROWSER_KEY, answer_name
from ui.common.pages import TOUR
from ui.common.text import markdown_words

IDEAS = ("maps", "field", "evidence", "not", "gradient", "steps")
# What each phase asks about, written out here rather than read from the app: a check whose
# "after" used the "before" example would fail below.
ASKED = {
    "before": {"cnn": "squeezenet1_1", "stage": "fire7", "photo": "china", "gap": 2,
               "back": 30, "reader": "GRU", "words": 50},
    "after": {"cnn": "efficientnet_lite0", "stage": "block9", "photo": "brick", "gap": 4,
              "back": 70, "reader": "vanilla RNN", "words": 400},
}  # fmt: skip
RIGHT = {"before": {"maps", "evidence", "gradient"}, "after": set(IDEAS) - {"not"}}


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite folder for the app's class store (the store is cached per database)."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CLASS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path):
    """The app's class store, through a second handle of the test's own."""
    opened = ClassStore(f"sqlite:///{data_dir / 'classes.db'}")
    yield opened
    opened.dispose()


def models_answers(phase: str) -> tuple[dict[str, str], dict[str, str]]:
    """Each idea's answer for the phase's examples, from the models themselves; and a word
    each question must name (its example)."""
    asked = ASKED[phase]
    cnn = load_cnn(asked["cnn"])
    photo = load_photo((SAMPLES / "chelsea.jpg").read_bytes())
    last = trace_image(cnn, asked["cnn"], photo.image).stages[-1].shape[1]
    spec = CNN_MODELS[asked["cnn"]]
    field = spec.receptive_fields()[asked["stage"]]

    squeezenet = load_cnn("squeezenet1_1")  # the tour's CNN finds the evidence
    picture = load_photo((SAMPLES / f"{asked['photo']}.jpg").read_bytes())
    trace = trace_image(squeezenet, "squeezenet1_1", picture.image)
    best = trace.top(1)[0][0]
    with torch.inference_mode():
        peak = class_activation_map_of(trace, squeezenet, best).peak_input()

    heard = {name: effects[asked["gap"]] for name, effects in negation_table().items()}
    labels = {"lstm": "LSTM", "gru": "GRU", "rnn": "vanilla RNN", "cnn1d": "1D CNN"}
    gradients = {n: corpus_gradients()[n][1] for n in ("lstm", "gru", "rnn")}
    kept = {n: curve[asked["back"]] / curve[0] for n, curve in gradients.items()}
    layers = sum(isinstance(m, torch.nn.Conv1d) for m in load_sequence_model("cnn1d").modules())
    answers = {
        "maps": f"{last}×{last}",
        "field": lessons.field_share(field.size, field.map_size, spec.input_size),
        "evidence": lessons.region_of(*peak, trace.shown.shape[0]),
        "not": labels[max(heard, key=heard.get)],
        "gradient": labels[min(kept, key=kept.get)],
        "steps": f"{asked['reader']} {asked['words']:,} · 1D CNN {layers}",
    }
    named = {
        "maps": spec.title,
        "field": asked["stage"],
        "evidence": class_names()[best],
        "not": f"… {asked['gap']} neutral words …",
        "gradient": f"word {asked['back']} words before the end",
        "steps": f"a text of {asked['words']:,} words",
    }
    return answers, named


def answer_check(at, phase: str) -> dict[str, tuple[str, bool, str]]:
    """Answer the phase's six questions, right for RIGHT[phase] and wrong for the rest, and
    submit: what was chosen, whether it was right, and the question as asked, by idea."""
    answers, named = models_answers(phase)
    assert not at.success and not at.warning  # nothing revealed before the submit
    at.radio(key=f"check_{phase}_{IDEAS[0]}").set_value(
        at.radio(key=f"check_{phase}_{IDEAS[0]}").options[0]
    )
    at.button(key=f"check_submit_{phase}").click().run()  # one of six: not taken, kept
    (early,) = at.warning
    assert early.value.startswith("Questions 2, 3, 4, 5 and 6 of 6 have no answer yet"), early.value
    assert at.radio(key=f"check_{phase}_{IDEAS[0]}").value is not None
    chosen = {}
    for idea in IDEAS:
        radio = at.radio(key=f"check_{phase}_{idea}")
        assert named[idea] in radio.label, (idea, radio.label)
        right = answers[idea]
        assert right in radio.options, (idea, right, radio.options)
        choice = right if idea in RIGHT[phase] else next(o for o in radio.options if o != right)
        radio.set_value(choice)
        chosen[idea] = (choice, idea in RIGHT[phase], radio.label)
    at.button(key=f"check_submit_{phase}").click().run()
    assert not at.exception
    return chosen


def test_a_student_takes_the_check_before_and_after_the_tour(store: ClassStore) -> None:
    made = store.create_class()
    at = open_page(TOUR, {"class": made.code})
    assert at.header[0].value == "Before we start"
    assert at.query_params["step"] == "before"
    # in a class, the check comes first: no Previous or Next until it is submitted
    assert not [b for b in at.button if b.key in ("tour_back", "tour_next")]
    before = answer_check(at, "before")
    assert not at.warning  # still no answers shown

    at.button(key="check_go").click().run()
    for step in range(1, 12):
        assert any(f"Step {step} of 11" in bar.proto.text for bar in at.get("progress"))
        at.button(key="tour_next").click().run()
        assert not at.exception
    assert at.header[0].value == "After the tour"
    assert at.query_params["step"] == "after"
    after = answer_check(at, "after")

    assert [metric.value for metric in at.metric] == ["3 of 6", "5 of 6"]
    assert (len(at.success), len(at.warning)) == (5 + 3, 1 + 3)  # after, then before, revealed
    kept = {(a.phase, a.question): (a.choice, a.correct) for a in store.answers(made.teacher_key)}
    assert len(kept) == 12  # the twelve answers, nothing else (no step was revealed)
    words = store.wording(made.teacher_key)  # what the teacher reads: the student's words
    for phase, chosen in (("before", before), ("after", after)):
        for index, idea in enumerate(IDEAS):
            choice, right, asked = chosen[idea]
            name = answer_name(choice, index)
            assert kept[(phase, f"check.{idea}")] == (name, right), idea
            assert words.questions[(phase, f"check.{idea}")] == markdown_words(asked), idea
            assert words.choices[(phase, f"check.{idea}", name)] == choice, idea


def lstm_turn(sentence: str) -> str:
    """Step 4's answer, from the LSTM itself: the word after which its score moves most."""
    trace = trace_text(load_sequence_model("lstm"), "lstm", sentence)
    return trace.tokens[lessons.biggest_turn(trace.sentiment)]


def test_a_student_who_did_the_check_before_reopens_the_tour_at_its_first_step(
    store: ClassStore,
) -> None:
    """A reload (a new session, the same browser by its cookie) does not ask the check again."""
    made = store.create_class()
    browser = "student-browser-reloads"

    def reopen():
        return open_page(TOUR, {"class": made.code}, session={BROWSER_KEY: browser})

    at = reopen()
    assert at.header[0].value == "Before we start"  # a first visit: the check first
    answer_check(at, "before")
    at = reopen()
    assert any("Step 1 of 11" in bar.proto.text for bar in at.get("progress"))
    assert not at.button(key="tour_next").disabled
    assert not [b for b in at.button if b.key == "tour_check_first"]  # not offered again
    # the check after, in yet another session: the score before comes from the class's store
    at = open_page(TOUR, {"class": made.code, "step": "after"}, session={BROWSER_KEY: browser})
    answer_check(at, "after")
    assert [metric.value for metric in at.metric] == ["3 of 6", "5 of 6"]
    other = open_page(TOUR, {"class": made.code})  # another browser: still its check first
    assert other.header[0].value == "Before we start"


def test_half_of_a_randomising_class_sees_each_answer_without_being_asked(
    store: ClassStore,
) -> None:
    made = store.create_class(randomise=True)
    halves: dict[bool, tuple[int, str]] = {}
    for number in range(40):  # the store draws the half from each browser's digest
        browser = f"student-browser-{number:04d}"
        halves.setdefault(store.join(made.code, browser).asks_first, (number + 1, browser))
    assert set(halves) == {True, False}

    seen = {}
    for asks_first, (_, browser) in halves.items():
        at = open_page(TOUR, {"step": "4"})
        at.session_state[BROWSER_KEY] = browser  # this browser's id, before it joins
        at.query_params["class"] = made.code
        at.run()
        assert not at.exception
        seen[asks_first] = at
    asked, told = seen[True], seen[False]
    word = lstm_turn(example_sentences()[0])
    assert not told.radio and not [b for b in told.button if b.key == "tour_reveal_4"]
    (answer,) = told.info  # the answer, straight away
    assert not any("make a guess" in text for text in texts(told))  # and the page says so
    assert any("make a guess before you look" in text for text in texts(asked))
    assert f"After *{word}*" in answer.value, answer.value
    assert not asked.info and not asked.success and not asked.warning  # asked first
    first = re.sub(r"\\(.)", r"\1", asked.radio(key="tour_guess_4").options[0])  # unescaped
    asked.radio(key="tour_guess_4").set_value(first).run()
    asked.button(key="tour_reveal_4").click().run()
    (revealed,) = [*asked.success, *asked.warning]
    assert f"After *{word}*" in revealed.value

    recorded = store.answers(made.teacher_key)  # only the asked student's guess
    assert [(a.student, a.phase) for a in recorded] == [(halves[True][0], "tour")]


def test_alone_the_checks_are_offered_and_may_be_skipped(data_dir: Path) -> None:
    at = open_page(TOUR)
    assert any("Step 1 of 11" in bar.proto.text for bar in at.get("progress"))
    at.button(key="tour_check_first").click().run()
    assert at.header[0].value == "Before we start" and at.query_params["step"] == "before"
    assert any("Next skips it" in text for text in texts(at))
    at.button(key="tour_next").click().run()
    assert any("Step 1 of 11" in bar.proto.text for bar in at.get("progress"))

    at = open_page(TOUR, {"step": "after"})
    answer_check(at, "after")
    assert [metric.value for metric in at.metric] == ["–", "5 of 6"]  # no check before taken
    assert not data_dir.exists()  # no class: nothing was written anywhere
