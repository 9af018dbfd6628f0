"""Teach a class, in AppTest: a teacher starts a class and sees its link; a student's tour under
`?class=CODE` records the prediction the teacher then counts; a closed class refuses politely;
a value in the address that is not a class code changes nothing but a notice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.harness.apptest import open_page
from serving.classes import codes, limits
from serving.classes.reports import NOBODY_RIGHT
from serving.classes.store import ClassStore
from tests.helpers.apptest import texts
from ui.cache.checks import check_set
from ui.classes.teacher import CLOSE_WARNING, GAIN_HELP, RANDOMISE, TEACHER_KEY
from ui.common.classroom import answer_name
from ui.common.pages import TEACH, TOUR
from ui.common.text import escape_markdown, inline_code, markdown_words

FIRST_QUESTION = "tour.maps-shrink-channels-grow"
FIXED_BROWSER = "Qm9va3MgYXJlIGdvb2Qu"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite folder for the app's class store (the store is cached per database)."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CLASS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def reveal_first_step(at) -> tuple[str, bool]:
    """Guess the first step's first option and reveal: (the guess, whether it was right)."""
    question = at.radio(key="tour_guess_1")
    guess = question.options[0]
    question.set_value(guess).run()
    at.button(key="tour_reveal_1").click().run()
    assert not at.exception
    return guess, len(at.success) == 1


def test_a_class_from_the_teachers_start_to_the_students_answer(data_dir: Path) -> None:
    teacher = open_page(TEACH)
    teacher.button(key="class_start").click().run()
    assert not teacher.exception
    key = teacher.session_state[TEACHER_KEY]
    (link,) = [block.value for block in teacher.code if "?class=" in block.value]
    code = link.rsplit("?class=", 1)[1]
    assert link.startswith(f"/{TOUR.url_path}?class=") and codes.parse(code) == code
    assert key not in link and key != code

    student = open_page(TOUR, {"class": code, "step": "1"})  # past the check before the tour
    assert any(f"class {codes.shown(code)}" in text for text in texts(student))
    guess, right = reveal_first_step(student)

    store = ClassStore(f"sqlite:///{data_dir / 'classes.db'}")
    try:
        (kept,) = store.answers(key)
        assert (kept.student, kept.question, kept.phase, kept.correct) == (
            1,
            FIRST_QUESTION,
            "tour",
            right,
        )
        assert kept.choice == answer_name(
            re.sub(r"\\(.)", r"\1", guess), 0
        )  # as the radio shows it
    finally:
        store.dispose()

    teacher.run()  # the teacher's view, refreshed
    assert not teacher.exception
    (row,) = shown_rows(teacher, "question")
    asked = markdown_words(student.radio(key="tour_guess_1").label)  # the words the student read
    assert row["question"] == asked and row["answered"] == 1
    chose = re.sub(r"\\(.)", r"\1", guess)
    model = f"'{chose}'" if right else NOBODY_RIGHT
    assert row["the class and the model"] == f"1 of 1 expected '{chose}'; the model: {model}"
    assert row["every choice"] == f"'{chose}': 1"
    assert [m.value for m in teacher.metric[:2]] == ["1", "1"]

    teacher.button(key="class_close").click().run()
    assert not teacher.exception
    assert not any("This class is closed" in text for text in texts(teacher))
    teacher.button(key="class_close_confirm").click().run()
    assert not teacher.exception
    assert any("This class is closed" in text for text in texts(teacher))
    assert not [b for b in teacher.button if b.key in ("class_close", "class_close_confirm")]


def test_closing_a_class_asks_first_and_can_be_kept_open(data_dir: Path) -> None:
    store = ClassStore(f"sqlite:///{data_dir / 'classes.db'}")
    try:
        made = store.create_class()
        teacher = teacher_of(store, made.teacher_key)
        teacher.button(key="class_close").click().run()
        assert not teacher.exception
        (warning,) = [w.value for w in teacher.warning]
        assert warning == CLOSE_WARNING.format(days=30)
        assert teacher.button(key="class_close_confirm").label == "Yes, close it for good"
        assert store.info(made.teacher_key).closed_at is None  # one click closes nothing
        teacher.button(key="class_close_keep").click().run()
        assert not teacher.warning and store.info(made.teacher_key).closed_at is None
        assert not [b for b in teacher.button if b.key == "class_close_confirm"]
        teacher.button(key="class_close").click().run()
        teacher.button(key="class_close_confirm").click().run()
        assert not teacher.exception
        assert store.info(made.teacher_key).closed_at is not None
    finally:
        store.dispose()


def test_a_closed_class_refuses_a_students_answer_politely(data_dir: Path) -> None:
    store = ClassStore(f"sqlite:///{data_dir / 'classes.db'}")
    try:
        made = store.create_class()
        student = open_page(TOUR, {"class": made.code, "step": "1"})
        store.close(made.teacher_key)
        reveal_first_step(student)
        assert limits.CLOSED in texts(student)
        assert store.answers(made.teacher_key) == []
    finally:
        store.dispose()


@pytest.mark.parametrize("value", ["k7f2q9", "<b>bold</b>](javascript:x)"])
def test_an_address_that_names_no_class_changes_only_a_notice(data_dir: Path, value: str) -> None:
    student = open_page(TOUR, {"class": value})
    notices = [text for text in texts(student) if "No class has the code" in text]
    assert len(notices) == 1 and inline_code(value) in notices[0]  # quoted as code, not markup
    reveal_first_step(student)
    assert not data_dir.exists()  # no class, no database: nothing was written anywhere


def table_with(at, column: str) -> list[dict]:
    """The rows of the one data frame on the page with this column."""
    (found,) = [frame.value for frame in at.dataframe if column in frame.value.columns]
    return found.to_dict("records")


def shown_rows(at, column: str) -> list[dict]:
    """The rows of the one static table (st.table, whose cells are markdown) with this column,
    each text cell as a reader sees it: its backslash escapes undone. A cell that is not
    escaped fails here, so a visitor's words can never reach the page as markup."""
    (found,) = [table.value for table in at.table if column in table.value.columns]
    rows = found.to_dict("records")
    for row in rows:
        for name, cell in row.items():
            if isinstance(cell, str):
                assert cell == escape_markdown(re.sub(r"\\(.)", r"\1", cell)), cell
                row[name] = re.sub(r"\\(.)", r"\1", cell)
    return rows


def teacher_of(store: ClassStore, key: str):
    """The teacher's page opened on the class this key opens."""
    teacher = open_page(TEACH)
    teacher.session_state[TEACHER_KEY] = key
    teacher.run()
    assert not teacher.exception
    return teacher


def test_the_first_screen_says_what_the_page_does(data_dir: Path) -> None:
    teacher = open_page(TEACH)
    (intro,) = [text for text in texts(teacher) if text.startswith("This page runs a class")]
    assert "before and after" in intro and "30 days after it closes" in intro
    assert teacher.toggle(key="class_randomise").label == RANDOMISE
    assert teacher.toggle(key="class_randomise").value is False


def test_a_randomised_class_shows_each_groups_scores(data_dir: Path) -> None:
    teacher = open_page(TEACH)
    teacher.toggle(key="class_randomise").set_value(True).run()
    teacher.button(key="class_start").click().run()
    assert not teacher.exception
    key = teacher.session_state[TEACHER_KEY]
    assert any(text.startswith("Randomised: about half") for text in texts(teacher))
    store = ClassStore(f"sqlite:///{data_dir / 'classes.db'}")
    try:
        info = store.info(key)
        assert info.randomise
        groups: dict[bool, list[int]] = {True: [], False: []}
        n = 0
        while min(len(g) for g in groups.values()) < 2:  # two students in each group
            one = f"browser-{n:04d}-xxxxxxxxxxxx"
            n += 1
            asks_first = store.join(info.code, one).asks_first
            if len(groups[asks_first]) == 2:
                continue
            groups[asks_first].append(n)
            right_after = 6 if asks_first else 3  # asked first: everything right after
            for i in range(6):
                store.record(info.code, one, f"check.q{i}", "before", "a", i < 2)
                store.record(info.code, one, f"check.q{i}", "after", "a", i < right_after)
    finally:
        store.dispose()
    teacher.run()
    assert not teacher.exception
    gain = [m for m in teacher.metric if m.label == "Normalised gain"]
    assert len(gain) == 1 and gain[0].proto.help == GAIN_HELP
    # both groups from 2 of 6: asked first 6 (gain 1.00), revealed first 3 (gain 0.25)
    assert gain[0].value == f"{(4.5 - 2) / (6 - 2):.2f}"
    table = table_with(teacher, "group")
    assert [
        (r["group"], r["students"], r["before"], r["after"], r["normalised gain"]) for r in table
    ] == [
        ("asks first", 2, "2.0 / 6", "6.0 / 6", "1.00"),
        ("reveals first", 2, "2.0 / 6", "3.0 / 6", "0.25"),
    ]


def test_a_class_that_does_not_randomise_shows_no_groups(data_dir: Path) -> None:
    store = ClassStore(f"sqlite:///{data_dir / 'classes.db'}")
    try:
        made = store.create_class()
        for phase in ("before", "after"):
            store.record(made.code, FIXED_BROWSER, "check.q0", phase, "a", phase == "after")
        teacher = teacher_of(store, made.teacher_key)
    finally:
        store.dispose()
    assert [m.value for m in teacher.metric if m.label == "Normalised gain"] == ["0.17"]
    assert not [frame for frame in teacher.dataframe if "group" in frame.value.columns]
    assert not any(text.startswith("Randomised") for text in texts(teacher))


def test_the_words_are_shown_as_text_never_markup(data_dir: Path) -> None:
    store = ClassStore(f"sqlite:///{data_dir / 'classes.db'}")
    marked = "**Which** <b>reader</b> [keeps](javascript:x) it?"
    try:
        made = store.create_class()
        store.record(
            made.code,
            FIXED_BROWSER,
            "tour.keeps",
            "tour",
            "lstm",
            True,
            question_text=marked,
            choice_text="<i>LSTM</i>",
        )
        teacher = teacher_of(store, made.teacher_key)
    finally:
        store.dispose()
    (row,) = shown_rows(teacher, "question")
    assert row["question"] == marked
    assert (
        row["the class and the model"] == "1 of 1 expected '<i>LSTM</i>'; the model: '<i>LSTM</i>'"
    )
    assert not any("<b>" in text or "<i>" in text for text in texts(teacher))


def test_the_checks_answers_are_named_even_when_nobody_chose_them(data_dir: Path) -> None:
    """A check's answer comes from the models, so the teacher sees it before anyone is right
    (a tour step's depends on each student's photo or sentence)."""
    asked = check_set("before").checks
    store = ClassStore(f"sqlite:///{data_dir / 'classes.db'}")
    try:
        made = store.create_class()
        for check in asked:
            wrong = next(c for c in check.choices if c != check.answer)
            name = answer_name(wrong, check.choices.index(wrong))
            store.record(
                made.code,
                FIXED_BROWSER,
                check.name,
                "before",
                name,
                False,
                question_text=markdown_words(check.question),
                choice_text=wrong,
            )
        teacher = teacher_of(store, made.teacher_key)
    finally:
        store.dispose()
    rows = shown_rows(teacher, "the class and the model")
    assert [row["question"] for row in rows] == [markdown_words(c.question) for c in asked]
    for row, check in zip(rows, asked, strict=True):
        assert row["the class and the model"].endswith(f"the model: '{check.answer}'"), row
