"""The teacher's view: start a class, show its link, and what the class answered, live.

The teacher's key (the secret that opens this view) stays in the teacher's session and is
shown only on request, never in the address: a projected address bar would hand it to the
class. The view refreshes itself every few seconds, and every refresh also deletes the answers
of classes past their retention (the store does it).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import streamlit as st

from serving.classes import codes, reports
from serving.classes.store import ClassInfo
from ui.cache.classes import class_store
from ui.common.pages import TOUR

TEACHER_KEY = "class_teacher_key"
REFRESH = timedelta(seconds=5)
CHECK_QUESTIONS = 6  # the check before and after the tour (not asked yet: a later step)


def student_link(code: str) -> str:
    """The tour's address for this class, on the server the teacher is using."""
    address = f"/{TOUR.url_path}?class={code}"
    here = urlsplit(st.context.url or "")
    return f"{here.scheme}://{here.netloc}{address}" if here.netloc else address


def show_teacher_page() -> None:
    key = st.session_state.get(TEACHER_KEY)
    info = class_store().info(key) if key else None
    if info is None:
        start_or_reopen()
        return
    show_class(key, info)
    live_answers(key)


def start_or_reopen() -> None:
    st.markdown(
        "Start a class and give your students its link: they take the guided tour, and you see "
        "here, as they answer, how many predicted what and what the models did. Nothing "
        "identifies a student: a random number per browser, no names."
    )
    if st.button("Start a class", type="primary", key="class_start"):
        st.session_state[TEACHER_KEY] = class_store().create_class().teacher_key
        st.rerun()
    typed = st.text_input(
        "Or reopen your class with its teacher key", type="password", key="class_reopen"
    )
    if typed:
        if class_store().info(typed) is None:
            st.info("No class opens with that key: check it (it is not the students' code).")
        else:
            st.session_state[TEACHER_KEY] = codes.parse(typed)
            st.rerun()


def show_class(key: str, info: ClassInfo) -> None:
    st.subheader(f"Class {codes.shown(info.code)}")
    if info.purged_at is not None:
        st.info(f"This class was closed; its answers were deleted on {info.purged_at:%Y-%m-%d}.")
    elif info.closed_at is not None:
        deleted = info.closed_at + timedelta(days=info.retention_days)
        st.info(
            f"This class is closed: students can no longer answer. Its answers are deleted on "
            f"{deleted:%Y-%m-%d} ({info.retention_days} days after closing)."
        )
    else:
        st.markdown("Your students open this link (or type the code on the tour's address):")
        st.code(student_link(info.code), language=None)
    with st.expander("Your teacher key: it reopens this view (keep it to yourself)"):
        st.code(key, language=None)
    left, right = st.columns(2)
    if info.closed_at is None and left.button("Close the class", key="class_close"):
        class_store().close(key)
        st.rerun()
    if right.button("Leave this class's view", key="class_leave"):
        st.session_state.pop(TEACHER_KEY, None)
        st.rerun()


@st.fragment(run_every=REFRESH)
def live_answers(key: str) -> None:
    """The class's answers, as counts, scores and a CSV; redrawn every REFRESH."""
    info = class_store().info(key)
    if info is None:
        return
    answers = class_store().answers(key)
    students, answered = st.columns(2)
    students.metric("Students", info.students)
    answered.metric("Answers", len(answers))
    counts = reports.question_counts(answers)
    if counts:
        st.dataframe(
            [
                {
                    "question": count.question.removeprefix("tour.").replace("-", " "),
                    "answered": count.answered,
                    "predicted": " · ".join(f"{c} {n}" for c, n in count.choices.items()),
                    "the model": count.model or "(no one right yet)",
                }
                for count in counts
            ],
            hide_index=True,
            key="class_counts",
        )
    else:
        st.caption("No answers yet: they appear here as your students reveal each step.")
    scores = reports.scores(answers, CHECK_QUESTIONS)
    if scores.students:
        before, after, gain = st.columns(3)
        before.metric("Before", f"{scores.before:.1f} / {scores.out_of}")
        after.metric("After", f"{scores.after:.1f} / {scores.out_of}")
        gain.metric("Normalised gain", "–" if scores.gain is None else f"{scores.gain:.2f}")
    st.download_button(
        "Download the anonymous answers (CSV)",
        reports.answers_csv(answers),
        file_name=f"class-{info.code}.csv",
        mime="text/csv",
        key="class_csv",
    )
