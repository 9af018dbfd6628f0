"""The tour's LSTM step: where the running verdict turns on the visitor's sentence."""

from __future__ import annotations

from charts.compare import running_scores_figure
from models import lessons
from models.sequence.registry import DEFAULT_SEQUENCE
from models.sequence.trace import EmptyTextError
from ui.cache.compare import model_styles
from ui.common.figures import show_figure
from ui.common.pages import LSTM
from ui.common.text import escape_markdown
from ui.common.theme import current_theme
from ui.tour.lesson import Lesson, Step, show_sentence, text_link, text_trace


# 4 · The LSTM turns at a word.
def turn_lesson() -> Lesson:
    trace = text_trace()
    if trace is None:
        raise EmptyTextError()
    turn = lessons.biggest_turn(trace.sentiment)
    numbered = tuple(f"{t + 1}: {token}" for t, token in enumerate(trace.tokens))
    before = 0.0 if turn == 0 else float(trace.sentiment[turn - 1])
    return Lesson(
        question="The LSTM reads your sentence one word at a time and keeps a running "
        "sentiment score. After which word does that score change the most?",
        choices=numbered,
        answer=numbered[turn],
        why=f"After *{escape_markdown(trace.tokens[turn])}* the score moves from {before:+.2f} "
        f"to {float(trace.sentiment[turn]):+.2f}. Words such as *not* and *but* often turn it: "
        "the LSTM has learned what they do to the words around them.",
    )


def turn_view(lesson: Lesson) -> None:
    trace = text_trace()
    if trace is None:
        return
    scores = {DEFAULT_SEQUENCE: trace.sentiment}
    show_figure(
        running_scores_figure(trace.tokens, scores, model_styles(), current_theme()),
        key="tour_turn",
        alt=f"The LSTM's running sentiment over your sentence; the biggest change comes after "
        f"word {lesson.answer}",
    )


TURN = Step(
    "The LSTM turns at a word",
    "A recurrent network reads one word at a time, and after each word it updates its "
    "hidden state: the only thing it carries to the next word. Its verdict after every "
    "word is a running score from −1 (negative) to +1 (positive).",
    turn_lesson,
    show_sentence,
    turn_view,
    text_link(LSTM.script, "Watch it read on the LSTM page"),
)
