"""The teacher's numbers: counts equal what was answered, the gain formula, a CSV without ids;
and two processes answering into one class see each other's answers (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import random
import secrets
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta

import pytest

from serving.classes import reports
from serving.classes.store import Answer, ClassStore, Wording

T0 = datetime(2026, 3, 2, 9, 0, 0)
RIGHT = {"rnn.not": "lstm", "cnn.size": "shrinks", "gru.grad": "gru"}
CHOICES = {
    "rnn.not": ["rnn", "lstm", "gru"],
    "cnn.size": ["shrinks", "grows"],
    "gru.grad": ["rnn", "gru"],
}


def test_gain_on_known_numbers() -> None:
    assert reports.normalised_gain(2, 4, 6) == 0.5
    assert reports.normalised_gain(3, 6, 6) == 1.0
    assert reports.normalised_gain(4, 3, 6) == -0.5
    assert reports.normalised_gain(6, 6, 6) is None


def _check(student: int, phase: str, right: int, out_of: int = 3) -> list[Answer]:
    return [
        Answer(student, f"check{i}", phase, "a" if i < right else "b", i < right, T0)
        for i in range(out_of)
    ]


def test_scores_use_matched_students_and_class_means() -> None:
    answers = [
        *_check(1, "before", 1),
        *_check(1, "after", 3),
        *_check(2, "before", 0),
        *_check(2, "after", 2),
        *_check(3, "before", 3),  # never did the check after: left out
    ]
    got = reports.scores(answers, out_of=3)
    assert (got.students, got.before, got.after, got.out_of) == (2, 0.5, 2.5, 3)
    assert got.gain == pytest.approx((2.5 - 0.5) / (3 - 0.5))
    assert reports.scores(_check(1, "before", 2), out_of=3).gain is None


def test_counts_equal_what_the_class_answered(class_db_url: str) -> None:
    store = ClassStore(class_db_url, now=T0)
    try:
        made = store.create_class(now=T0)
        rng = random.Random(32)
        final: dict[tuple[str, str], str] = {}
        browsers = [secrets.token_urlsafe(16) for _ in range(14)]
        for step in range(60):  # answers and changed minds, in a random order
            who = rng.choice(browsers)
            question = rng.choice(sorted(RIGHT))
            choice = rng.choice(CHOICES[question])
            when = T0 + timedelta(seconds=step)
            store.record(made.code, who, question, "tour", choice, choice == RIGHT[question], when)
            final[(who, question)] = choice
        counted = reports.question_counts(store.answers(made.teacher_key))
    finally:
        store.dispose()
    expected = {
        question: Counter(c for (_, q), c in final.items() if q == question) for question in RIGHT
    }
    assert {count.question: Counter(count.choices) for count in counted} == expected
    for count in counted:
        assert count.answered == sum(expected[count.question].values())
        assert list(count.choices.values()) == sorted(count.choices.values(), reverse=True)
        if RIGHT[count.question] in count.choices:
            assert count.model == RIGHT[count.question]


def test_the_model_answer_can_be_named_before_anyone_gets_it() -> None:
    answers = [Answer(1, "rnn.not", "tour", "rnn", False, T0)]
    assert reports.question_counts(answers)[0].model is None
    named = reports.question_counts(answers, truth={"rnn.not": "lstm"})
    assert (named[0].choices, named[0].model) == ({"rnn": 1}, "lstm")


def test_the_csv_carries_student_numbers_and_no_browser_ids(class_db_url: str) -> None:
    store = ClassStore(class_db_url, now=T0)
    try:
        made = store.create_class(now=T0)
        browsers = [secrets.token_urlsafe(16) for _ in range(3)]
        for number, who in enumerate(browsers):
            store.record(
                made.code, who, "rnn.not", "tour", "lstm", True, T0 + timedelta(seconds=number)
            )
            store.record(
                made.code, who, "check0", "before", "b", False, T0 + timedelta(seconds=number)
            )
        text = reports.answers_csv(store.answers(made.teacher_key))
        with store.engine.connect() as connection:
            digests = [
                row[0] for row in connection.exec_driver_sql("SELECT browser_digest FROM students")
            ]
    finally:
        store.dispose()
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == reports.CSV_COLUMNS
    assert [row[:5] for row in rows[1:]] == [
        [str(n), phase, question, choice, correct]
        for n in (1, 2, 3)
        for phase, question, choice, correct in (
            ("tour", "rnn.not", "lstm", "1"),
            ("before", "check0", "b", "0"),
        )
    ]
    assert len(digests) == 3
    for secret in [*browsers, *digests, made.code, made.teacher_key]:
        assert secret not in text


WRITER = """
import sys
from serving.classes.store import ClassStore
url, code, tag = sys.argv[1:4]
store = ClassStore(url)
for n in range(8):
    browser = f"{tag}-browser-{n:02d}-xxxxxxxx"
    for question in ("rnn.not", "cnn.size", "gru.grad"):
        store.record(code, browser, question, "tour", tag, True)
    # the same browser in both processes: still one student, one answer per question
    store.record(code, "shared-browser-xxxxxxxx", f"q{n}", "tour", tag, True)
store.dispose()
"""


def test_two_processes_share_one_class(class_db_url: str) -> None:
    store = ClassStore(class_db_url, now=T0)
    try:
        made = store.create_class()
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, class_db_url, made.code, tag],
                stderr=subprocess.PIPE,
                text=True,
            )
            for tag in ("one", "two")
        ]
        errors = [writer.communicate(timeout=120)[1] for writer in writers]
        assert [writer.returncode for writer in writers] == [0, 0], [e[-1500:] for e in errors]
        seen = store.answers(made.teacher_key)
        info = store.info(made.teacher_key)
    finally:
        store.dispose()
    assert info.students == 17
    assert sorted({answer.student for answer in seen}) == list(range(1, 18))
    counts = {count.question: count.choices for count in reports.question_counts(seen)}
    for question in ("rnn.not", "cnn.size", "gru.grad"):
        assert counts[question] == {"one": 8, "two": 8}
    shared = [answer for answer in seen if answer.question.startswith("q")]
    assert sorted(answer.question for answer in shared) == [f"q{n}" for n in range(8)]
    assert len({answer.student for answer in shared}) == 1


def test_the_teacher_reads_the_words_students_saw_with_the_model_answer(
    class_db_url: str,
) -> None:
    store = ClassStore(class_db_url, now=T0)
    try:
        made = store.create_class(now=T0)
        picks = ["much-smaller"] * 12 + ["bigger"] * 5 + ["the-same"] * 3
        words = {"much-smaller": "Much smaller", "bigger": "Bigger", "the-same": "The same"}
        for n, pick in enumerate(picks):
            store.record(
                made.code,
                secrets.token_urlsafe(16),
                "tour.size",
                "tour",
                pick,
                pick == "bigger",
                T0 + timedelta(seconds=n),
                question_text="How big is the map after the last stage?",
                choice_text=words[pick],
            )
        kept, wording = store.answers(made.teacher_key), store.wording(made.teacher_key)
        (count,) = reports.question_counts(kept, wording=wording)
    finally:
        store.dispose()
    rows = list(csv.DictReader(io.StringIO(reports.answers_csv(kept, wording))))
    assert {(row["choice"], row["choice_words"]) for row in rows} == set(words.items())
    assert {row["question_words"] for row in rows} == {"How big is the map after the last stage?"}
    assert count.words == "How big is the map after the last stage?"
    assert count.summary() == "12 of 20 expected 'Much smaller'; the model: 'Bigger'"
    assert count.counted() == "'Much smaller': 12 · 'Bigger': 5 · 'The same': 3"


def test_every_count_stands_apart_from_a_choice_with_numbers_and_dots() -> None:
    answers = [
        Answer(1, "tour.which-reader", "tour", "gru-2-cnn-50", False, T0),
        Answer(2, "tour.which-reader", "tour", "gru-50-cnn-2", False, T0),
    ]
    words = {
        ("tour", "tour.which-reader", "gru-2-cnn-50"): "GRU 2 · 1D CNN 50",
        ("tour", "tour.which-reader", "gru-50-cnn-2"): "GRU 50 · 1D CNN 2",
    }
    (count,) = reports.question_counts(answers, wording=Wording({}, words))
    assert count.counted() == "'GRU 2 · 1D CNN 50': 1 · 'GRU 50 · 1D CNN 2': 1"


def test_a_tie_names_every_most_chosen_and_a_name_without_words_reads_as_words() -> None:
    answers = [
        Answer(1, "check.receptive-field", "after", "whole-photo", True, T0),
        Answer(2, "check.receptive-field", "after", "a-corner", False, T0),
        Answer(3, "check.receptive-field", "after", "one-pixel", False, T0),
    ]
    (count,) = reports.question_counts(answers, phase="after")
    assert count.words == "receptive field"
    assert count.summary() == (
        "a tie, 1 of 3 each: 'whole photo', 'a corner' and 'one pixel'; the model: 'whole photo'"
    )
    (two,) = reports.question_counts(answers[:2], phase="after")
    assert two.summary().startswith("a tie, 1 of 2 each: 'whole photo' and 'a corner';")
    (unknown,) = reports.question_counts(answers[1:2], phase="after")
    assert unknown.summary() == "1 of 1 chose 'a corner'; the model: not known"


def test_a_tour_steps_answer_waits_for_someone_right_and_says_why() -> None:
    wrong = [Answer(1, "tour.how-big", "tour", "bigger", False, T0)]
    (count,) = reports.question_counts(wrong)
    assert count.summary() == (
        "1 of 1 expected 'bigger'; the model: nobody right yet "
        "(it depends on each student's photo or sentence)"
    )
    right = Answer(2, "tour.how-big", "tour", "much-smaller", True, T0)
    (count,) = reports.question_counts([*wrong, right])
    assert count.summary().endswith("the model: 'much smaller'")


def test_a_randomising_class_scores_each_group_apart() -> None:
    def check(student: int, phase: str, right: int, asks_first: bool) -> list[Answer]:
        return [
            Answer(student, f"check{i}", phase, "a", i < right, T0, asks_first) for i in range(3)
        ]

    answers = [
        *check(1, "before", 1, True),
        *check(1, "after", 3, True),
        *check(2, "before", 0, False),
        *check(2, "after", 1, False),
        *check(3, "before", 2, False),
        *check(3, "after", 2, False),
    ]
    groups = reports.scores_by_group(answers, out_of=3)
    asked, shown = groups[reports.ASKS_FIRST], groups[reports.REVEALS_FIRST]
    assert (asked.students, asked.before, asked.after, asked.gain) == (1, 1.0, 3.0, 1.0)
    assert (shown.students, shown.before, shown.after) == (2, 1.0, 1.5)
    assert shown.gain == pytest.approx(0.25)
    rows = list(csv.DictReader(io.StringIO(reports.answers_csv(answers))))
    assert {(row["student"], row["group"]) for row in rows} == {
        ("1", "asks-first"),
        ("2", "reveals-first"),
        ("3", "reveals-first"),
    }
    plain = csv.DictReader(io.StringIO(reports.answers_csv(answers, randomised=False)))
    assert {row["group"] for row in plain} == {""}  # no groups in a class that does not randomise
