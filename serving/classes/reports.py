"""What the teacher sees: per-question counts, before and after scores, the gain, a CSV.

All from the store's anonymous answers (student numbers, never browser ids). The model's own
answer to a question is the choice its correct answers gave; `truth` can name it when nobody
in the class got it right yet.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from serving.classes.store import Answer


@dataclass(frozen=True)
class QuestionCount:
    question: str
    choices: dict[str, int]  # choice -> how many students chose it, most chosen first
    model: str | None  # what the model did (the right choice), if known
    answered: int


@dataclass(frozen=True)
class Scores:
    students: int  # students who answered both the check before and the check after
    before: float  # their mean score before, out of `out_of`
    after: float
    out_of: int
    gain: float | None  # normalised: (after − before) / (out_of − before); None if before = max


def question_counts(
    answers: Iterable[Answer], phase: str = "tour", truth: Mapping[str, str] | None = None
) -> list[QuestionCount]:
    """Per question of `phase`, in the order first answered: who chose what, and the model's."""
    chosen: dict[str, Counter[str]] = defaultdict(Counter)
    right: dict[str, str] = dict(truth or {})
    for answer in answers:
        if answer.phase != phase:
            continue
        chosen[answer.question][answer.choice] += 1
        if answer.correct:
            right.setdefault(answer.question, answer.choice)
    return [
        QuestionCount(question, dict(counts.most_common()), right.get(question), counts.total())
        for question, counts in chosen.items()
    ]


def normalised_gain(before: float, after: float, out_of: float) -> float | None:
    """Hake's gain of class means: (after − before) / (out_of − before); None if none possible."""
    if out_of - before <= 0:
        return None
    return (after - before) / (out_of - before)


def scores(answers: Iterable[Answer], out_of: int) -> Scores:
    """The class's before and after scores (matched students only) and its normalised gain."""
    right: dict[str, dict[int, int]] = {"before": defaultdict(int), "after": defaultdict(int)}
    seen: dict[str, set[int]] = {"before": set(), "after": set()}
    for answer in answers:
        if answer.phase in right:
            seen[answer.phase].add(answer.student)
            right[answer.phase][answer.student] += int(answer.correct)
    matched = seen["before"] & seen["after"]
    if not matched:
        return Scores(0, 0.0, 0.0, out_of, None)
    before = sum(right["before"][s] for s in matched) / len(matched)
    after = sum(right["after"][s] for s in matched) / len(matched)
    return Scores(len(matched), before, after, out_of, normalised_gain(before, after, out_of))


CSV_COLUMNS = ("student", "phase", "question", "choice", "correct", "answered_at_utc")


def answers_csv(answers: Iterable[Answer]) -> str:
    """The anonymous answers as CSV: a per-class student number, never more of a student."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for answer in answers:
        writer.writerow(
            (
                answer.student,
                answer.phase,
                answer.question,
                answer.choice,
                int(answer.correct),
                answer.at.isoformat(timespec="seconds"),
            )
        )
    return out.getvalue()
