"""The bounds on what a class may write, and the polite words for a refusal.

One answer per student per question and phase (the schema's unique key: a change replaces it);
at most MAX_STUDENTS browsers in a class; at most MAX_ANSWERS_PER_STUDENT distinct answers
each (the tour's questions and the check's, with room to spare); and a browser answering more
than FLOOD_ANSWERS times in FLOOD_WINDOW is asked to slow down. The window lives in the
database (students.window_*), so a browser that reaches another process is still counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_STUDENTS = 400
MAX_ANSWERS_PER_STUDENT = 80
FLOOD_WINDOW = timedelta(seconds=10)
FLOOD_ANSWERS = 20
PHASES = ("tour", "before", "after")
# The words of a question and of a choice as the student saw them (the app's own text), kept
# for the teacher: at most this many characters, longer ones cut with an ellipsis.
QUESTION_WORDS = 300
CHOICE_WORDS = 120
_NAME = re.compile(r"[a-z0-9][a-z0-9_.:-]{0,63}")  # question ids and choices: the app's own
_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")

FULL = "This class is full: ask your teacher for another link."
CLOSED = "This class has ended: your teacher closed it."
UNKNOWN = "There is no class under this link: check it with your teacher."
FLOOD = "That was a lot of answers very fast: wait a few seconds and answer again."
TOO_MANY = "This browser has answered every question this class can keep."


class Refused(Exception):
    """A write the class does not take; `message` is fit to show the visitor as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def valid_name(value: object) -> bool:
    """A question id or a choice: the app's own short lower-case names, nothing typed."""
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


def words(value: object, bound: int) -> str | None:
    """The app's words for a question or choice, on one line and at most `bound` characters
    (None for none); a value that is not text is not what the app asks."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"not words the app shows: {value!r}")
    line = " ".join(value.split())
    if not line:
        return None
    return line if len(line) <= bound else line[: bound - 1].rstrip() + "…"


def valid_browser_id(value: object) -> bool:
    """A random id a browser made up (e.g. secrets.token_urlsafe(16))."""
    return isinstance(value, str) and _BROWSER_ID.fullmatch(value) is not None


@dataclass(frozen=True)
class Window:
    """A browser's flood window: when it opened and how many answers it has taken."""

    start: datetime
    count: int

    def admit(self, now: datetime) -> Window | None:
        """The window after one more answer at `now`, or None if the answer is refused."""
        if now - self.start >= FLOOD_WINDOW or now < self.start:
            return Window(now, 1)
        if self.count >= FLOOD_ANSWERS:
            return None
        return Window(self.start, self.count + 1)
