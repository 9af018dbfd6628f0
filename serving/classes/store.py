"""ClassStore: create a class, let browsers join it and answer, and give its teacher the answers.

Every write is one short transaction: find the class and the student, apply the limits
(limits.py), then replace or insert the answer (and keep the words the student saw, per class
and question, for the teacher). The unique keys are the guard: two processes
inserting the same student or answer at once make one IntegrityError, and the loser simply
runs its transaction again (then it finds the row and replaces it). No SQL of one dialect here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Connection, Engine, Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from serving.classes import codes, limits, retention, settings
from serving.classes.engine import make_engine, writer
from serving.classes.migrations import migrate
from serving.classes.schema import answers, choices, classes, questions, students

T = TypeVar("T")
_RETRIES = 5


def utcnow() -> datetime:
    """Now, as the database keeps times: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class NewClass:
    code: str  # for the students' link (?class=CODE)
    teacher_key: str  # for the teacher's view; the database keeps only its digest


@dataclass(frozen=True)
class ClassInfo:
    code: str
    created: datetime
    closed_at: datetime | None
    purged_at: datetime | None
    retention_days: int
    randomise: bool
    students: int


@dataclass(frozen=True)
class Student:
    number: int  # 1, 2, ... within the class: all the teacher ever sees of a student
    asks_first: bool  # False only in a randomising class, for about half its students
    # what this browser has answered already: (phase, question) -> choice
    choices: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @property
    def answered(self) -> frozenset[str]:
        """The phases this browser has answered in already."""
        return frozenset(phase for phase, _ in self.choices)


@dataclass(frozen=True)
class Answer:
    student: int
    question: str
    phase: str
    choice: str
    correct: bool
    at: datetime
    asks_first: bool = True  # the student's group (False: reveals first, in a randomising class)


@dataclass(frozen=True)
class Wording:
    """The words students saw, by name: questions[(phase, question)] and
    choices[(phase, question, choice)]; a name without words is shown as it is."""

    questions: dict[tuple[str, str], str]
    choices: dict[tuple[str, str, str], str]


class ClassStore:
    """The classes' database (settings.database_url() unless `url` is given), migrated at start."""

    def __init__(
        self, url: str | None = None, now: datetime | None = None, max_open_days: int | None = None
    ) -> None:
        self.engine: Engine = make_engine(url or settings.database_url())
        self._writes = writer(self.engine)
        days = settings.max_open_days() if max_open_days is None else max_open_days
        self.max_open_days = max(1, days)
        self.version = migrate(self.engine)
        self.purge(now)

    def dispose(self) -> None:
        self.engine.dispose()

    def create_class(
        self, retention_days: int | None = None, randomise: bool = False, now=None
    ) -> NewClass:
        """A new open class with fresh codes (retention: settings.retention_days() by default)."""
        days = settings.retention_days() if retention_days is None else max(0, retention_days)
        made = NewClass(codes.new_code(), codes.new_code())
        with self._writes.begin() as connection:
            connection.execute(
                insert(classes).values(
                    code=made.code,
                    teacher_digest=codes.digest(made.teacher_key),
                    created=now or utcnow(),
                    retention_days=days,
                    randomise=randomise,
                )
            )
        return made

    def join(self, code: str, browser_id: str, now: datetime | None = None) -> Student:
        """The browser's student in the class (joining it if new); Refused if it cannot."""
        when = now or utcnow()
        return self._retrying(lambda c: self._student(c, _open_class(c, code), browser_id, when))

    def record(
        self,
        code: str,
        browser_id: str,
        question: str,
        phase: str,
        choice: str,
        correct: bool,
        now: datetime | None = None,
        *,
        question_text: str | None = None,
        choice_text: str | None = None,
    ) -> None:
        """Keep one answer (replacing the browser's earlier one) and the words the student saw
        (the question's and the choice's, if given); Refused if the class won't."""
        if phase not in limits.PHASES or not (
            limits.valid_name(question) and limits.valid_name(choice)
        ):
            raise ValueError(f"not an answer the app asks: {question!r} {phase!r} {choice!r}")
        asked = limits.words(question_text, limits.QUESTION_WORDS)
        chosen = limits.words(choice_text, limits.CHOICE_WORDS)
        when = now or utcnow()

        def write(connection: Connection) -> None:
            found = _open_class(connection, code)
            self._student(connection, found, browser_id, when)
            student = _student_row(connection, found.id, browser_id, lock=True)
            window = limits.Window(student.window_start, student.window_count).admit(when)
            if window is None:
                raise limits.Refused(limits.FLOOD)
            key = (
                (answers.c.class_id == found.id)
                & (answers.c.student_id == student.id)
                & (answers.c.question == question)
                & (answers.c.phase == phase)
            )
            values = {"choice": choice, "correct": bool(correct), "at": when}
            if connection.execute(select(answers.c.id).where(key)).first() is not None:
                connection.execute(update(answers).where(key).values(**values))
            else:
                kept = connection.execute(
                    select(func.count()).where(answers.c.student_id == student.id)
                ).scalar_one()
                if kept >= limits.MAX_ANSWERS_PER_STUDENT:
                    raise limits.Refused(limits.TOO_MANY)
                connection.execute(
                    insert(answers).values(
                        class_id=found.id,
                        student_id=student.id,
                        question=question,
                        phase=phase,
                        **values,
                    )
                )
            where = {"class_id": found.id, "phase": phase}
            if asked is not None:
                _keep_words(connection, questions, {**where, "name": question}, asked)
            if chosen is not None:
                _keep_words(
                    connection, choices, {**where, "question": question, "name": choice}, chosen
                )
            connection.execute(
                update(students)
                .where(students.c.id == student.id)
                .values(window_start=window.start, window_count=window.count)
            )

        self._retrying(write)

    def info(self, teacher_key: str, now: datetime | None = None) -> ClassInfo | None:
        """The class this teacher's key opens, or None (an unknown or malformed key).

        The teacher's view calls this first: it also purges every class past its retention.
        """
        key = codes.parse(teacher_key)
        if key is None:
            return None
        self.purge(now)
        with self.engine.connect() as connection:
            found = connection.execute(
                select(classes).where(classes.c.teacher_digest == codes.digest(key))
            ).first()
            if found is None:
                return None
            count = connection.execute(
                select(func.count()).where(students.c.class_id == found.id)
            ).scalar_one()
        return ClassInfo(
            found.code,
            found.created,
            found.closed_at,
            found.purged_at,
            found.retention_days,
            found.randomise,
            count,
        )

    def answers(self, teacher_key: str) -> list[Answer]:
        """Every answer of the teacher's class, by student number then time (none: [])."""
        key = codes.parse(teacher_key)
        if key is None:
            return []
        query = (
            select(
                students.c.number,
                answers.c.question,
                answers.c.phase,
                answers.c.choice,
                answers.c.correct,
                answers.c.at,
                students.c.browser_digest,
                classes.c.randomise,
            )
            .join(students, students.c.id == answers.c.student_id)
            .join(classes, classes.c.id == answers.c.class_id)
            .where(classes.c.teacher_digest == codes.digest(key))
            .order_by(students.c.number, answers.c.at, answers.c.id)
        )
        with self.engine.connect() as connection:
            return [
                Answer(*row[:6], asks_first=_asks_first(row.randomise, row.browser_digest))
                for row in connection.execute(query)
            ]

    def wording(self, teacher_key: str) -> Wording:
        """The words the teacher's class saw for its questions and choices (none: empty)."""
        key = codes.parse(teacher_key)
        found: Wording = Wording({}, {})
        if key is None:
            return found
        mine = select(classes.c.id).where(classes.c.teacher_digest == codes.digest(key))
        with self.engine.connect() as connection:
            for row in connection.execute(
                select(questions.c.phase, questions.c.name, questions.c.text).where(
                    questions.c.class_id.in_(mine.scalar_subquery())
                )
            ):
                found.questions[(row.phase, row.name)] = row.text
            for row in connection.execute(
                select(choices.c.phase, choices.c.question, choices.c.name, choices.c.text).where(
                    choices.c.class_id.in_(mine.scalar_subquery())
                )
            ):
                found.choices[(row.phase, row.question, row.name)] = row.text
        return found

    def close(self, teacher_key: str, now: datetime | None = None) -> bool:
        """Close the teacher's class (students can no longer answer); False if no such class."""
        key = codes.parse(teacher_key)
        if key is None:
            return False
        with self._writes.begin() as connection:
            return retention.close(connection, codes.digest(key), now or utcnow())

    def purge(self, now: datetime | None = None) -> int:
        """Close classes open longer than max_open_days, and delete the answers of classes
        closed longer than their retention; how many classes were purged."""
        with self._writes.begin() as connection:
            return retention.purge(connection, now or utcnow(), self.max_open_days)

    def _student(self, connection: Connection, found: Row, browser_id: str, when) -> Student:
        if not limits.valid_browser_id(browser_id):
            raise ValueError("not a browser id this app makes")
        student = _student_row(connection, found.id, browser_id)
        if student is None:
            count, highest = connection.execute(
                select(func.count(), func.coalesce(func.max(students.c.number), 0)).where(
                    students.c.class_id == found.id
                )
            ).one()
            if count >= limits.MAX_STUDENTS:
                raise limits.Refused(limits.FULL)
            connection.execute(
                insert(students).values(
                    class_id=found.id,
                    browser_digest=_browser_digest(found.id, browser_id),
                    number=highest + 1,
                    created=when,
                    window_start=when,
                    window_count=0,
                )
            )
            student = _student_row(connection, found.id, browser_id)
        kept = connection.execute(
            select(answers.c.phase, answers.c.question, answers.c.choice).where(
                answers.c.student_id == student.id
            )
        )
        return Student(
            student.number,
            _asks_first(found.randomise, student.browser_digest),
            {(row.phase, row.question): row.choice for row in kept},
        )

    def _retrying(self, work: Callable[[Connection], T]) -> T:
        for attempt in range(_RETRIES):
            try:
                with self._writes.begin() as connection:
                    return work(connection)
            except IntegrityError:
                if attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")


def _browser_digest(class_id: int, browser_id: str) -> str:
    # per class: the same browser in two classes cannot be linked through the database
    return hashlib.sha256(f"{class_id}:{browser_id}".encode()).hexdigest()


def _asks_first(randomise: bool, browser_digest: str) -> bool:
    # half of a randomising class (by its digest: the same browser, the same half) reveals first
    return not (randomise and int(browser_digest[-1], 16) % 2)


def _keep_words(connection: Connection, table, key: dict[str, object], text: str) -> None:
    """The words for `key` in `table` (a question's or a choice's): added, or replaced if the
    app has changed them since (a new version mid-class)."""
    where = [table.c[column] == value for column, value in key.items()]
    kept = connection.execute(select(table.c.id, table.c.text).where(*where)).first()
    if kept is None:
        connection.execute(insert(table).values(**key, text=text))
    elif kept.text != text:
        connection.execute(update(table).where(table.c.id == kept.id).values(text=text))


def _open_class(connection: Connection, code: str) -> Row:
    canonical = codes.parse(code)
    found = None
    if canonical is not None:
        found = connection.execute(select(classes).where(classes.c.code == canonical)).first()
    if found is None:
        raise limits.Refused(limits.UNKNOWN)
    if found.closed_at is not None:
        raise limits.Refused(limits.CLOSED)
    return found


def _student_row(connection: Connection, class_id: int, browser_id: str, lock: bool = False):
    query = select(students).where(
        (students.c.class_id == class_id)
        & (students.c.browser_digest == _browser_digest(class_id, browser_id))
    )
    return connection.execute(query.with_for_update() if lock else query).first()
