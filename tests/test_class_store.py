"""Class mode's database, on SQLite and on a real PostgreSQL (each test runs on both).

A class's round trip, one answer per student per question, the student cap, the flood guard,
closing and purging after the retention (time passed in as `now`), hostile codes and ids.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from serving.classes import limits
from serving.classes.schema import answers, students
from serving.classes.store import Answer, ClassStore

T0 = datetime(2026, 3, 2, 9, 0, 0)
FIXED_BROWSER = "Qm9va3MgYXJlIGdvb2Qu"  # parameters must be the same in every xdist worker


@pytest.fixture
def store(class_db_url: str) -> Iterator[ClassStore]:
    made = ClassStore(class_db_url, now=T0)
    yield made
    made.dispose()


def browser() -> str:
    return secrets.token_urlsafe(16)


def _rows(store: ClassStore, table) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_class_round_trip(store: ClassStore) -> None:
    made = store.create_class(now=T0)
    anna, ben = browser(), browser()
    assert store.join(made.code, anna, now=T0).number == 1
    store.record(made.code, anna, "q1", "before", "b", False, now=T0)
    store.record(made.code, ben, "tour.rnn", "tour", "lstm", True, now=T0 + timedelta(seconds=1))
    store.record(made.code, anna, "q1", "after", "a", True, now=T0 + timedelta(seconds=2))
    assert store.join(made.code, ben, now=T0).number == 2  # joined by answering: kept its number
    # what each browser has answered in, so a reload does not ask its check again
    assert store.join(made.code, anna, now=T0).answered == {"before", "after"}
    assert store.join(made.code, anna, now=T0).choices == {
        ("before", "q1"): "b",
        ("after", "q1"): "a",
    }
    assert store.join(made.code, ben, now=T0).answered == {"tour"}
    assert store.answers(made.teacher_key) == [
        Answer(1, "q1", "before", "b", False, T0),
        Answer(1, "q1", "after", "a", True, T0 + timedelta(seconds=2)),
        Answer(2, "tour.rnn", "tour", "lstm", True, T0 + timedelta(seconds=1)),
    ]
    info = store.info(made.teacher_key, now=T0)
    assert (info.code, info.students, info.closed_at, info.retention_days) == (
        made.code,
        2,
        None,
        30,
    )
    assert store.join(made.code, browser(), now=T0).answered == frozenset()  # a new student
    # the students' code does not open the teacher's view; another class sees none of this
    assert store.info(made.code) is None and store.answers(made.code) == []
    other = store.create_class(now=T0)
    assert store.answers(other.teacher_key) == []


def test_one_answer_per_student_per_question_a_change_replaces_it(store: ClassStore) -> None:
    made = store.create_class(now=T0)
    anna, ben = browser(), browser()
    for second, choice in enumerate(["gru", "rnn", "lstm"]):
        store.record(
            made.code,
            anna,
            "q1",
            "tour",
            choice,
            choice == "lstm",
            now=T0 + timedelta(seconds=second),
        )
    store.record(made.code, anna, "q1", "before", "rnn", False, now=T0)  # another phase: its own
    store.record(made.code, ben, "q1", "tour", "gru", False, now=T0)
    assert _rows(store, answers) == 3
    assert [(a.student, a.phase, a.choice, a.correct) for a in store.answers(made.teacher_key)] == [
        (1, "before", "rnn", False),
        (1, "tour", "lstm", True),
        (2, "tour", "gru", False),
    ]


def test_a_full_class_refuses_a_new_browser_politely(
    store: ClassStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_STUDENTS", 3)
    made = store.create_class(now=T0)
    inside = [browser() for _ in range(3)]
    for one in inside:
        store.join(made.code, one, now=T0)
    with pytest.raises(limits.Refused) as refused:
        store.record(made.code, browser(), "q1", "tour", "a", True, now=T0)
    assert refused.value.message == limits.FULL
    store.record(made.code, inside[0], "q1", "tour", "a", True, now=T0)  # those inside still answer
    assert _rows(store, students) == 3
    assert store.info(made.teacher_key, now=T0).students == 3


def test_a_flood_from_one_browser_is_refused_until_it_slows_down(store: ClassStore) -> None:
    made = store.create_class(now=T0)
    flooder, calm = browser(), browser()
    for i in range(limits.FLOOD_ANSWERS):
        store.record(
            made.code,
            flooder,
            f"q{i % 3}",
            "tour",
            f"c{i}",
            False,
            now=T0 + timedelta(milliseconds=i),
        )
    with pytest.raises(limits.Refused) as refused:
        store.record(made.code, flooder, "q9", "tour", "a", True, now=T0 + timedelta(seconds=5))
    assert refused.value.message == limits.FLOOD
    store.record(made.code, calm, "q9", "tour", "a", True, now=T0 + timedelta(seconds=5))
    store.record(made.code, flooder, "q9", "tour", "b", True, now=T0 + limits.FLOOD_WINDOW)
    assert {(a.student, a.question, a.choice) for a in store.answers(made.teacher_key)} == {
        (1, "q0", "c18"),
        (1, "q1", "c19"),
        (1, "q2", "c17"),
        (2, "q9", "a"),
        (1, "q9", "b"),
    }


def test_a_browser_cannot_keep_more_answers_than_the_class_asks(
    store: ClassStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_ANSWERS_PER_STUDENT", 4)
    made = store.create_class(now=T0)
    one = browser()
    for i in range(4):
        store.record(made.code, one, f"q{i}", "tour", "a", True, now=T0 + timedelta(seconds=i))
    with pytest.raises(limits.Refused) as refused:
        store.record(made.code, one, "q4", "tour", "a", True, now=T0 + timedelta(seconds=5))
    assert refused.value.message == limits.TOO_MANY
    store.record(
        made.code, one, "q0", "tour", "b", False, now=T0 + timedelta(seconds=6)
    )  # a change
    assert _rows(store, answers) == 4


def test_closing_stops_answers_and_the_retention_deletes_them(store: ClassStore) -> None:
    closed = store.create_class(retention_days=30, now=T0)
    still_open = store.create_class(now=T0)
    one = browser()
    for made in (closed, still_open):
        store.record(made.code, one, "q1", "tour", "a", True, now=T0)
    assert store.close(closed.teacher_key, now=T0 + timedelta(hours=1))
    with pytest.raises(limits.Refused) as refused:
        store.record(closed.code, one, "q2", "tour", "a", True, now=T0 + timedelta(hours=2))
    assert refused.value.message == limits.CLOSED
    day_before = T0 + timedelta(hours=1, days=30) - timedelta(seconds=1)
    assert store.info(closed.teacher_key, now=day_before).purged_at is None
    assert len(store.answers(closed.teacher_key)) == 1
    due = T0 + timedelta(hours=1, days=30)
    info = store.info(closed.teacher_key, now=due)  # the teacher's view purges
    assert (info.purged_at, info.students) == (due, 0)
    assert store.answers(closed.teacher_key) == []
    assert len(store.answers(still_open.teacher_key)) == 1
    assert _rows(store, answers) == 1 and _rows(store, students) == 1


def test_a_store_starting_up_purges_what_is_due(class_db_url: str) -> None:
    first = ClassStore(class_db_url, now=T0)
    made = first.create_class(retention_days=0, now=T0)
    first.record(made.code, browser(), "q1", "tour", "a", True, now=T0)
    first.close(made.teacher_key, now=T0)
    first.dispose()
    second = ClassStore(class_db_url, now=T0 + timedelta(seconds=1))
    try:
        assert _rows(second, answers) == 0 and _rows(second, students) == 0
    finally:
        second.dispose()


@pytest.mark.parametrize(
    "code", ["", "k7f2q9", "'; DROP TABLE answers; --", "x" * 5000, "k7f2-q9m3-b8d1-c\u0000"]
)
def test_a_hostile_class_code_is_an_unknown_class(store: ClassStore, code: str) -> None:
    store.create_class(now=T0)
    with pytest.raises(limits.Refused) as refused:
        store.record(code, browser(), "q1", "tour", "a", True, now=T0)
    assert refused.value.message == limits.UNKNOWN
    assert store.info(code) is None and store.answers(code) == [] and not store.close(code)


@pytest.mark.parametrize(
    ("browser_id", "question", "choice"),
    [
        ("short", "q1", "a"),
        ("x" * 22 + "<b>", "q1", "a"),
        (FIXED_BROWSER, "Q1 <script>", "a"),
        (FIXED_BROWSER, "q1", "x" * 65),
        (FIXED_BROWSER, "q1", ""),
    ],
)
def test_values_the_app_never_makes_are_refused(
    store: ClassStore, browser_id: str, question: str, choice: str
) -> None:
    made = store.create_class(now=T0)
    with pytest.raises(ValueError):
        store.record(made.code, browser_id, question, "tour", choice, True, now=T0)
    with pytest.raises(ValueError):
        store.record(made.code, secrets.token_urlsafe(16), "q1", "during", "a", True, now=T0)
    assert _rows(store, answers) == 0


def test_the_database_keeps_no_browser_id(store: ClassStore) -> None:
    made = store.create_class(now=T0)
    one = browser()
    store.record(made.code, one, "q1", "tour", "a", True, now=T0)
    with store.engine.connect() as connection:
        kept = [str(value) for row in connection.execute(select(students)) for value in row]
    assert one not in " ".join(kept)


def test_the_words_students_saw_are_kept_bounded_and_per_phase(store: ClassStore) -> None:
    made = store.create_class(now=T0)
    anna, ben = browser(), browser()
    asked = "After the last stage, how big is the map?"
    store.record(
        made.code,
        anna,
        "tour.size",
        "tour",
        "much-smaller",
        True,
        now=T0,
        question_text=asked,
        choice_text="Much smaller",
    )
    store.record(
        made.code,
        ben,
        "tour.size",
        "tour",
        "bigger",
        False,
        now=T0,
        question_text=f"  {asked}\n",  # the same words, however they were laid out
        choice_text="x" * 500,
    )
    store.record(
        made.code,
        anna,
        "tour.size",
        "before",
        "bigger",
        False,
        now=T0,
        question_text="Another photo: how big is its map?",
        choice_text="Bigger",
    )
    other = store.create_class(now=T0)
    store.record(
        other.code, anna, "tour.size", "tour", "bigger", True, now=T0, question_text="Elsewhere"
    )
    words = store.wording(made.teacher_key)
    assert words.questions == {
        ("tour", "tour.size"): asked,
        ("before", "tour.size"): "Another photo: how big is its map?",
    }
    cut = words.choices[("tour", "tour.size", "bigger")]
    assert len(cut) == limits.CHOICE_WORDS and cut == "x" * (limits.CHOICE_WORDS - 1) + "…"
    assert words.choices[("tour", "tour.size", "much-smaller")] == "Much smaller"
    assert words.choices[("before", "tour.size", "bigger")] == "Bigger"
    assert store.wording(other.teacher_key).questions == {("tour", "tour.size"): "Elsewhere"}
    assert store.wording("not a key").questions == {}
    with pytest.raises(ValueError):
        store.record(made.code, anna, "tour.size", "tour", "a", True, now=T0, question_text=3)


def test_a_class_left_open_closes_itself_and_its_retention_runs_from_then(
    class_db_url: str,
) -> None:
    store = ClassStore(class_db_url, now=T0, max_open_days=7)
    try:
        forgotten = store.create_class(retention_days=30, now=T0)
        later = store.create_class(retention_days=30, now=T0 + timedelta(days=5))
        for made in (forgotten, later):
            store.record(made.code, browser(), "q1", "tour", "a", True, now=T0, question_text="Q?")
        week = T0 + timedelta(days=7)
        assert store.info(forgotten.teacher_key, now=week - timedelta(seconds=1)).closed_at is None
        # the purge runs a day late: the class still closed when its week ended
        info = store.info(forgotten.teacher_key, now=week + timedelta(days=1))
        assert (info.closed_at, info.purged_at, info.students) == (week, None, 1)
        assert store.info(later.teacher_key, now=week + timedelta(days=1)).closed_at is None
        with pytest.raises(limits.Refused) as refused:
            store.record(forgotten.code, browser(), "q2", "tour", "a", True, now=week)
        assert refused.value.message == limits.CLOSED
        due = week + timedelta(days=30)
        assert store.info(forgotten.teacher_key, now=due - timedelta(seconds=1)).purged_at is None
        assert store.info(forgotten.teacher_key, now=due).purged_at == due
        assert store.answers(forgotten.teacher_key) == []
        assert store.wording(forgotten.teacher_key).questions == {}
        assert len(store.answers(later.teacher_key)) == 1  # closed on day 12, kept until day 42
        assert store.info(later.teacher_key, now=due).closed_at == T0 + timedelta(days=12)
    finally:
        store.dispose()


def test_each_answer_carries_its_students_group(store: ClassStore) -> None:
    randomised = store.create_class(randomise=True, now=T0)
    plain = store.create_class(now=T0)
    groups: dict[int, bool] = {}
    for _ in range(16):
        one = browser()
        groups[store.join(randomised.code, one, now=T0).number] = store.join(
            randomised.code, one, now=T0
        ).asks_first
        store.record(randomised.code, one, "q1", "before", "a", True, now=T0)
        store.record(plain.code, one, "q1", "before", "a", True, now=T0)
    kept = store.answers(randomised.teacher_key)
    assert {a.student: a.asks_first for a in kept} == groups
    assert set(groups.values()) == {True, False}  # 16 browsers: both halves (1 in 32768 not)
    assert all(a.asks_first for a in store.answers(plain.teacher_key))
