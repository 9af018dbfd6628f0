"""What the teacher sees: per-question counts, before and after scores, the gain, a CSV.

All from the store's anonymous answers (student numbers, never browser ids), in the words the
students saw (the store's Wording; a name without words is shown as a readable name). The
model's own answer to a question is the choice its correct answers gave; `truth` can name it
when nobody in the class got it right yet. In a randomising class the scores also come split by
group: the students asked before each answer, and those shown it first.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from serving.classes.store import Answer, Wording

ASKS_FIRST = "asks first"
REVEALS_FIRST = "reveals first"
_NO_WORDS = Wording({}, {})
NOBODY_RIGHT = "nobody right yet (it depends on each student's photo or sentence)"


def readable(name: str) -> str:
    """A question's or choice's name when its words were not kept: `tour.how-big` -> how big."""
    return name.split(".", 1)[-1].replace("-", " ")


@dataclass(frozen=True)
class QuestionCount:
    question: str
    choices: dict[str, int]  # choice -> how many students chose it, most chosen first
    model: str | None  # what the model did (the right choice), if known
    answered: int
    words: str = ""  # the question as the students read it
    labels: dict[str, str] = field(default_factory=dict)  # choice -> its words
    phase: str = "tour"

    def label(self, choice: str) -> str:
        return self.labels.get(choice) or readable(choice)

    def summary(self) -> str:
        """'12 of 20 expected 'much smaller'; the model: 'much smaller''; a tie names every
        choice: 'a tie, 1 of 3 each: 'a', 'b' and 'c'; the model: ...'."""
        most = max(self.choices.values())
        top = [f"'{self.label(c)}'" for c, n in self.choices.items() if n == most]
        verb = "expected" if self.phase == "tour" else "chose"
        if len(top) == 1:
            said = f"{most} of {self.answered} {verb} {top[0]}"
        else:
            said = f"a tie, {most} of {self.answered} each: {', '.join(top[:-1])} and {top[-1]}"
        return f"{said}; the model: {self.model_said()}"

    def model_said(self) -> str:
        """The model's answer, or why it is not known yet: a tour step's answer depends on each
        student's own photo or sentence, so it shows once a student is right."""
        if self.model is not None:
            return f"'{self.label(self.model)}'"
        if self.phase == "tour":
            return NOBODY_RIGHT
        return "not known"

    def counted(self) -> str:
        """Every choice, quoted, with its count, most chosen first: `'much smaller': 12 ·
        'bigger': 8` (a choice's own numbers and dots never run into its count)."""
        return " · ".join(f"'{self.label(c)}': {n}" for c, n in self.choices.items())


@dataclass(frozen=True)
class Scores:
    students: int  # students who answered both the check before and the check after
    before: float  # their mean score before, out of `out_of`
    after: float
    out_of: int
    gain: float | None  # normalised: (after − before) / (out_of − before); None if before = max


def question_counts(
    answers: Iterable[Answer],
    phase: str = "tour",
    truth: Mapping[str, str] | None = None,
    wording: Wording = _NO_WORDS,
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
        QuestionCount(
            question,
            dict(counts.most_common()),
            right.get(question),
            counts.total(),
            wording.questions.get((phase, question)) or readable(question),
            {
                choice: wording.choices[(phase, question, choice)]
                for choice in {*counts, right.get(question)}
                if (phase, question, choice) in wording.choices
            },
            phase,
        )
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


def group(answer: Answer) -> str:
    return ASKS_FIRST if answer.asks_first else REVEALS_FIRST


def scores_by_group(answers: Iterable[Answer], out_of: int) -> dict[str, Scores]:
    """A randomising class's scores and gain for each group: asked first, shown first."""
    kept = list(answers)
    return {
        name: scores([a for a in kept if group(a) == name], out_of)
        for name in (ASKS_FIRST, REVEALS_FIRST)
    }


CSV_COLUMNS = (
    "student",
    "phase",
    "question",
    "choice",
    "correct",
    "answered_at_utc",
    "group",
    "question_words",
    "choice_words",
)


def answers_csv(
    answers: Iterable[Answer], wording: Wording = _NO_WORDS, randomised: bool = True
) -> str:
    """The anonymous answers as CSV: a per-class student number and its group (asks first or
    reveals first; empty in a class that does not randomise, where there are no groups),
    never more of a student; and the words each question and choice had."""
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
                group(answer).replace(" ", "-") if randomised else "",
                wording.questions.get((answer.phase, answer.question), ""),
                wording.choices.get((answer.phase, answer.question, answer.choice), ""),
            )
        )
    return out.getvalue()
