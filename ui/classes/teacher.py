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

from models.checks import IDEAS, PHASES
from serving.classes import codes, reports, settings
from serving.classes.store import Answer, ClassInfo, Wording
from ui.cache.checks import check_set
from ui.cache.classes import class_store
from ui.common.classroom import answer_name
from ui.common.pages import TOUR
from ui.common.text import escape_markdown

TEACHER_KEY = "class_teacher_key"
REFRESH = timedelta(seconds=5)
CHECK_QUESTIONS = len(IDEAS)  # the check before and after the tour: one question per idea
CLOSING = "class_closing"  # True once "Close the class" was pressed, until confirmed or kept
CLOSE_WARNING = (
    "Closing stops every answer for good: students can no longer answer, and the class's "
    "answers are deleted {days} days later. It cannot be reopened."
)
RANDOMISE = "Randomise: half the class sees each answer before being asked"
PHASE_HEADINGS = {
    "tour": "The tour's predictions",
    "before": "The check before the tour",
    "after": "The check after the tour",
}
GAIN_HELP = (
    "Normalised gain = (after − before) / (maximum − before): the share of what the class "
    "did not know before the tour that it knew after. 1 means everything, 0 nothing, below 0 "
    "the class did worse. It is computed on the class's mean scores, for the students who did "
    "both checks."
)


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
        "This page runs a class through the guided tour. Start a class and give your students "
        "its link: each of them predicts every step's answer before the models show it, and "
        "does a short check before and after the tour. Here you see, live, how many predicted "
        "what and what the models did, the class's scores before and after, and a CSV of the "
        "answers. Nothing identifies a student (a random number per browser, no names), and a "
        f"class's answers are deleted {settings.retention_days()} days after it closes."
    )
    randomise = st.toggle(
        RANDOMISE,
        key="class_randomise",
        help="Each student is, at random, either asked first or shown the answer first at every "
        "step; the scores then come per group, so you see what asking first does in your class.",
    )
    if st.button("Start a class", type="primary", key="class_start"):
        made = class_store().create_class(randomise=randomise)
        st.session_state[TEACHER_KEY] = made.teacher_key
        # The class's first screen is the check: the teacher waits for its questions once
        # (a fresh server measures the readers for them), so the students do not.
        for phase in PHASES:
            check_set(phase)
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
        closes = info.created + timedelta(days=class_store().max_open_days)
        st.caption(f"Unless you close it sooner, the class closes by itself on {closes:%Y-%m-%d}.")
    if info.randomise:
        st.caption(
            "Randomised: about half the class is asked before each answer is shown, the other "
            "half sees the answer first; the scores below come per group."
        )
    with st.expander("Your teacher key: it reopens this view (keep it to yourself)"):
        st.code(key, language=None)
    left, right = st.columns(2)
    if info.closed_at is None and left.button("Close the class", key="class_close"):
        st.session_state[CLOSING] = True
    if right.button("Leave this class's view", key="class_leave"):
        st.session_state.pop(TEACHER_KEY, None)
        st.session_state.pop(CLOSING, None)
        st.rerun()
    if info.closed_at is None and st.session_state.get(CLOSING):
        confirm_closing(key, info)


def confirm_closing(key: str, info: ClassInfo) -> None:
    """Closing cannot be undone, so it takes a second, explicit click."""
    st.warning(CLOSE_WARNING.format(days=info.retention_days))
    yes, keep = st.columns(2)
    if yes.button("Yes, close it for good", key="class_close_confirm", type="primary"):
        class_store().close(key)
        st.session_state.pop(CLOSING, None)
        st.rerun()
    if keep.button("Keep it open", key="class_close_keep"):
        st.session_state.pop(CLOSING, None)
        st.rerun()


@st.fragment(run_every=REFRESH)
def live_answers(key: str) -> None:
    """The class's answers, as counts, scores and a CSV; redrawn every REFRESH."""
    info = class_store().info(key)
    if info is None:
        return
    answers = class_store().answers(key)
    wording = class_store().wording(key)
    students, answered = st.columns(2)
    students.metric("Students", info.students)
    answered.metric("Answers", len(answers))
    if not answers:
        st.caption("No answers yet: they appear here as your students reveal each step.")
    for phase, heading in PHASE_HEADINGS.items():
        question_table(answers, wording, phase, heading)
    show_scores(answers, info.randomise)
    st.download_button(
        "Download the anonymous answers (CSV)",
        reports.answers_csv(answers, wording, randomised=info.randomise),
        file_name=f"class-{info.code}.csv",
        mime="text/csv",
        key="class_csv",
    )


def question_table(answers: list[Answer], wording: Wording, phase: str, heading: str) -> None:
    """Per question of `phase`, in the words the students read: how many answered, the most
    chosen against the models' answer, every count. A static table, so long words wrap and
    follow the page's font (presentation mode, print); st.table reads its cells as markdown,
    and a choice can be a visitor's own words, so every text cell is escaped."""
    truth, wording = checks_truth(phase, wording)
    counts = reports.question_counts(answers, phase, truth=truth, wording=wording)
    if not counts:
        return
    st.markdown(f"**{heading}**")
    st.table(
        [
            {
                "question": escape_markdown(count.words),
                "answered": count.answered,
                "the class and the model": escape_markdown(count.summary()),
                "every choice": escape_markdown(count.counted()),
            }
            for count in counts
        ],
        hide_index=True,
        hide_header=False,
    )


def checks_truth(phase: str, wording: Wording) -> tuple[dict[str, str], Wording]:
    """For a check's phase, the models' answer to each question and its words, known even
    before anyone chose it (a tour step's answer depends on each student's photo or sentence:
    it is known once someone is right)."""
    if phase == "tour":
        return {}, wording
    truth: dict[str, str] = {}
    words = dict(wording.choices)
    for check in check_set(phase).checks:
        name = answer_name(check.answer, check.choices.index(check.answer))
        truth[check.name] = name
        words.setdefault((phase, check.name, name), check.answer)
    return truth, Wording(wording.questions, words)


def show_scores(answers: list[Answer], randomise: bool) -> None:
    """The check's scores before and after and the normalised gain; per group if randomised."""
    scores = reports.scores(answers, CHECK_QUESTIONS)
    if not scores.students:
        return
    before, after, gain = st.columns(3)
    before.metric("Before", f"{scores.before:.1f} / {scores.out_of}")
    after.metric("After", f"{scores.after:.1f} / {scores.out_of}")
    gain.metric("Normalised gain", _gain(scores.gain), help=GAIN_HELP)
    st.caption(
        f"Mean scores of the {scores.students} students who did both checks. Normalised gain: "
        "the share of what they did not know before that they knew after (1: all of it)."
    )
    if randomise:
        st.dataframe(
            [
                {
                    "group": name,
                    "students": group.students,
                    "before": f"{group.before:.1f} / {group.out_of}" if group.students else "–",
                    "after": f"{group.after:.1f} / {group.out_of}" if group.students else "–",
                    "normalised gain": _gain(group.gain),
                }
                for name, group in reports.scores_by_group(answers, CHECK_QUESTIONS).items()
            ],
            hide_index=True,
            key="class_groups",
            column_config={"normalised gain": st.column_config.TextColumn(help=GAIN_HELP)},
        )


def _gain(gain: float | None) -> str:
    return "–" if gain is None else f"{gain:.2f}"
