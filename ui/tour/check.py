"""The check before and after the tour: six questions on one screen, a Submit, and at the end
the learner's two scores with the answers.

The questions come from ui/cache/checks.py (the same six ideas, each on another example after
the tour than before it) and their wording from models/checks.py. Nothing is revealed before
the check after the tour is submitted. In a class every answer is recorded under
`check.<idea>`, phase "before" or "after"; alone, a learner may take the checks or skip them.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from models.checks import PHASES, Check, score
from ui.cache.checks import CheckSet, check_set
from ui.common.classroom import answer_name, in_class, kept_choices, record_answer
from ui.common.focus import request_focus
from ui.common.text import escape_markdown

CHECK_STEPS = PHASES  # the check's phases are also its steps' names in the tour's address
SUBMITTED_KEY = "check_submitted"  # phase -> {idea: choice}, once submitted (kept in the session)
TITLES = {"before": "Before we start", "after": "After the tour"}
INTROS = {
    "before": "Six questions on what the tour is about, before you take it. Answer each as "
    "best you can: nobody expects you to know yet. Nothing is revealed now; after the tour, "
    "six more questions ask the same ideas on other examples, and then you see both scores "
    "and every answer.",
    "after": "The same six ideas as before the tour, each on another example: another "
    "network, photo, sentence or length. Answer all six, then submit to see how you did.",
}


def submitted(phase: str) -> dict[str, str] | None:
    """The choices submitted in `phase` (idea -> choice), or None: this session's, or in a
    class, what this browser answered before a reload or in another tab (the class keeps it)."""
    mine = st.session_state.get(SUBMITTED_KEY, {}).get(phase)
    if mine is not None:
        return mine
    kept = kept_choices(phase)
    if not kept:
        return None
    asked = check_set(phase).checks
    found = {
        check.idea: choice
        for check in asked
        for index, choice in enumerate(check.choices)
        if kept.get(check.name) == answer_name(choice, index)
    }
    return found if len(found) == len(asked) else None


def submit(phase: str, asked: CheckSet, chosen: dict[str, str]) -> None:
    """Keep the phase's choices for this session, and in a class record each answer."""
    st.session_state.setdefault(SUBMITTED_KEY, {})[phase] = dict(chosen)
    for check in asked.checks:
        choice = chosen[check.idea]
        record_answer(
            check.name,
            phase,
            answer_name(choice, check.choices.index(choice)),
            choice == check.answer,
            question_text=check.question,
            choice_text=choice,
        )


def show_question(phase: str, number: int, check: Check, asked: CheckSet, kept: str | None):
    """One question: its terms explained, a picture if it has one, the choices. A submitted
    one is shown with the choice it was given, which can no longer change."""
    st.markdown(f"**{number}.** {check.intro}")
    if check.idea in asked.pictures:
        picture, alt = asked.pictures[check.idea]
        st.image(picture, width=220, alt=alt)
    return st.radio(
        check.question,
        check.choices,
        index=None if kept is None else check.choices.index(kept),
        key=f"check_{phase}_{check.idea}" + ("_kept" if kept is not None else ""),
        horizontal=len(check.choices) > 4,
        format_func=escape_markdown,
        disabled=kept is not None,
    )


def show_check(phase: str, go: Callable[[int], None], last_step: int) -> None:
    """The check of `phase` ("before" or "after"); `go(n)` goes to the tour's step n (1 to
    `last_step`). Once the check after is submitted, the scores come first and every question
    is followed by its answer."""
    st.header(TITLES[phase])
    asked = check_set(phase)
    kept = submitted(phase)
    scored = kept is not None and phase == CHECK_STEPS[1]
    if scored:
        show_scores(asked, kept)
        # focused after the submit: it brings the scores into view
        st.button(f"← Back to step {last_step}", on_click=go, args=(last_step,), key="check_go")
    else:
        st.markdown(INTROS[phase])
    if kept is None:
        ask(phase, asked)
        return
    for number, check in enumerate(asked.checks, 1):
        with st.container(border=True):
            answer = show_question(phase, number, check, asked, kept.get(check.idea))
            if scored:
                show_answer(check, answer)
    if phase == CHECK_STEPS[0]:
        st.success(
            "Thank you: your answers are kept. The tour now shows you each idea on your own "
            "photo and sentence; the check after it tells you how you did."
        )
        st.button("Start the tour →", type="primary", on_click=go, args=(1,), key="check_go")
        return
    before = check_set(CHECK_STEPS[0])
    with st.expander("The questions before the tour, answered"):
        for number, check in enumerate(before.checks, 1):
            st.markdown(f"**{number}.** {check.question}")
            show_answer(check, (submitted(CHECK_STEPS[0]) or {}).get(check.idea))


def ask(phase: str, asked: CheckSet) -> None:
    """The six questions as one form: choosing runs nothing on the server, Submit sends all
    six at once (in a class of thirty, a rerun per click would be the server's main work)."""
    with st.form(f"check_form_{phase}", border=False, enter_to_submit=False):
        answers = {}
        for number, check in enumerate(asked.checks, 1):
            with st.container(border=True):
                answers[check.idea] = show_question(phase, number, check, asked, None)
        pressed = st.form_submit_button(
            "Submit my answers", type="primary", key=f"check_submit_{phase}"
        )
    chosen = {idea: answer for idea, answer in answers.items() if answer is not None}
    missing = len(asked.checks) - len(chosen)
    if pressed and not missing:
        submit(phase, asked, chosen)
        request_focus(".st-key-check_go button")
        st.rerun()
    if pressed:
        unanswered = [str(n) for n, check in enumerate(asked.checks, 1) if check.idea not in chosen]
        listed = (
            unanswered[0] if missing == 1 else f"{', '.join(unanswered[:-1])} and {unanswered[-1]}"
        )
        st.warning(
            f"{'Question' if missing == 1 else 'Questions'} {listed} of {len(asked.checks)} "
            f"{'has' if missing == 1 else 'have'} no answer yet: choose one for each, then "
            "submit again (what you chose stays chosen)."
        )
    if not in_class() and phase == CHECK_STEPS[0]:
        st.caption("On your own, the check is up to you: Next skips it.")


def show_scores(after: CheckSet, kept_after: dict[str, str]) -> None:
    """The learner's scores before and after the tour."""
    kept_before = submitted(CHECK_STEPS[0])
    out_of = len(after.checks)
    left, right = st.columns(2)
    if kept_before is None:
        left.metric("Before the tour", "–", help="You did not take the check before the tour.")
    else:
        before = check_set(CHECK_STEPS[0])
        left.metric("Before the tour", f"{score(before.checks, kept_before)} of {out_of}")
    right.metric("After the tour", f"{score(after.checks, kept_after)} of {out_of}")
    st.markdown("Below, every question with the models' answer and the numbers behind it.")


def show_answer(check: Check, chosen: str | None) -> None:
    answer = escape_markdown(check.answer)
    if chosen == check.answer:
        st.success(f"✓ Right: **{answer}**. {check.why}")
    elif chosen is None:
        st.info(f"The answer is **{answer}**. {check.why}")
    else:
        st.warning(f"You chose {escape_markdown(chosen)}; the answer is **{answer}**. {check.why}")
