"""Teach a class, in AppTest: a teacher starts a class and sees its link; a student's tour under
`?class=CODE` records the prediction the teacher then counts; a closed class refuses politely;
a value in the address that is not a class code changes nothing but a notice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.harness.apptest import open_page
from serving.classes import codes, limits
from serving.classes.store import ClassStore
from tests.helpers.apptest import texts
from ui.classes.teacher import TEACHER_KEY
from ui.common.classroom import answer_name
from ui.common.pages import TEACH, TOUR
from ui.common.text import inline_code

FIRST_QUESTION = "tour.maps-shrink-channels-grow"


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
    table = teacher.dataframe[0].value
    assert table.to_dict("records")[0]["question"] == "maps shrink channels grow"
    assert table.to_dict("records")[0]["answered"] == 1
    assert [m.value for m in teacher.metric[:2]] == ["1", "1"]

    teacher.button(key="class_close").click().run()
    assert not teacher.exception
    assert any("This class is closed" in text for text in texts(teacher))


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
    notices = [text for text in texts(student) if "not a class code" in text]
    assert len(notices) == 1 and inline_code(value) in notices[0]  # quoted as code, not markup
    reveal_first_step(student)
    assert not data_dir.exists()  # no class, no database: nothing was written anywhere
