"""A student's side of class mode: the class a link names (`?class=CODE`), this browser's
anonymous id, whether its tour asks first (the store's draw, in a randomising class), and
recording the student's answers into the class.

Only a valid, open class is joined; any other value in the address gets one plain notice and
the page works as without a class. The id is random, made by the server and kept in a cookie
of this site (so a reload is the same student); nothing else about the visitor is kept. A
refusal (a full class, too many answers too fast) is shown as the store words it, and the
page goes on.
"""

from __future__ import annotations

import re
import secrets

import streamlit as st

from serving.classes import codes, limits
from ui.cache.classes import class_store
from ui.common.text import inline_code, markdown_words

CLASS_PARAM = "class"
CODE_KEY = "class_code"  # the joined class's canonical code
BROWSER_KEY = "class_browser_id"
ASKS_FIRST_KEY = "class_asks_first"  # False: this student's tour reveals before it asks
KEPT_KEY = (
    "class_kept"  # what this browser had answered when it joined: (phase, question) -> choice
)
READ_KEY = "class_address_read"  # the address value already handled, so it is read once
NOTICE_KEY = "class_notice"  # a refusal, shown on the next run (recording is followed by a rerun)
COOKIE = "class_browser"
COOKIE_DAYS = 30
_SLUG = re.compile(r"[^a-z0-9]+")


def browser_id() -> str:
    """This browser's random id for class answers: its cookie's, or made for this session."""
    if BROWSER_KEY not in st.session_state:
        kept = st.context.cookies.get(COOKIE)
        fresh = kept if limits.valid_browser_id(kept) else secrets.token_urlsafe(16)
        st.session_state[BROWSER_KEY] = fresh
    return st.session_state[BROWSER_KEY]


def remember_browser() -> None:
    """Keep the id in a cookie of this site, so a reload or a new tab answers as the same
    student. Streamlit cannot set a cookie: the page does (the id is URL-safe letters only)."""
    current = browser_id()
    if st.context.cookies.get(COOKIE) != current:
        cookie = f"{COOKIE}={current}; path=/; max-age={COOKIE_DAYS * 86400}; SameSite=Strict"
        st.html(f"<script>document.cookie = '{cookie}';</script>", unsafe_allow_javascript=True)


def joined_class() -> str | None:
    """The class the address names, joined (None without one, or after a notice why not)."""
    value = st.query_params.get(CLASS_PARAM)
    if value and st.session_state.get(READ_KEY) != value:
        st.session_state[READ_KEY] = value
        st.session_state.pop(CODE_KEY, None)
        st.session_state.pop(ASKS_FIRST_KEY, None)
        code = codes.parse(value)
        if code is None:
            st.info(
                f"No class has the code {inline_code(value)}: check the link with your "
                f"teacher (a code has {codes.LENGTH} letters and digits). Until then, your "
                "answers stay with you.",
                icon=":material/link_off:",
            )
            return None
        try:
            student = class_store().join(code, browser_id())
        except limits.Refused as refused:
            st.info(refused.message, icon=":material/group_off:")
            return None
        st.session_state[CODE_KEY] = code
        st.session_state[ASKS_FIRST_KEY] = student.asks_first
        st.session_state[KEPT_KEY] = dict(student.choices)
    if st.session_state.get(CODE_KEY):
        remember_browser()
    return st.session_state.get(CODE_KEY)


def asks_first() -> bool:
    """Whether the tour asks before it reveals: always, but for the half of a randomising
    class whose students see each answer straight away (the class store draws the half)."""
    if not st.session_state.get(CODE_KEY):
        return True
    return bool(st.session_state.get(ASKS_FIRST_KEY, True))


def kept_choices(phase: str) -> dict[str, str]:
    """What this browser had answered in `phase` of its class when this session joined (a
    reload, or a new tab, of a student who answered before): question -> choice name."""
    kept = st.session_state.get(KEPT_KEY, {}) if st.session_state.get(CODE_KEY) else {}
    return {
        question: choice for (kept_phase, question), choice in kept.items() if kept_phase == phase
    }


def answered_before(phase: str) -> bool:
    """Whether this browser had answered in `phase` of its class when this session joined."""
    return bool(kept_choices(phase))


def in_class() -> bool:
    """Whether this session answers in a class (joined by `joined_class`)."""
    return bool(st.session_state.get(CODE_KEY))


def class_caption() -> None:
    """A line telling a student their answers go to a class, anonymously; and a refusal."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice, icon=":material/hourglass_top:")
    code = st.session_state.get(CODE_KEY)
    if code:
        st.caption(
            f"You are answering in class {codes.shown(code)}: your teacher sees how many chose "
            "what, never who.",
        )


def question_name(title: str) -> str:
    """A tour step's question as the class keeps it: `tour.` and its title, lower case."""
    return "tour." + answer_name(title, 0)[:50]


def answer_name(text: str, index: int) -> str:
    """A choice as the class keeps it: a short lower-case name (its position if none)."""
    slug = _SLUG.sub("-", text.lower()).strip("-")[:40]
    return slug if limits.valid_name(slug) else f"choice-{index + 1}"


def record_answer(
    question: str,
    phase: str,
    choice: str,
    correct: bool,
    *,
    question_text: str | None = None,
    choice_text: str | None = None,
) -> None:
    """Keep the student's answer in their class (if they are in one), with the words the
    student read (the question's, as the app's markdown, and the choice's, as plain text: the
    teacher sees these, not the names); a refusal is kept for `class_caption` to show."""
    code = st.session_state.get(CODE_KEY)
    if not code:
        return
    try:
        class_store().record(
            code,
            browser_id(),
            question,
            phase,
            choice,
            correct,
            question_text=None if question_text is None else markdown_words(question_text),
            choice_text=choice_text,
        )
    except limits.Refused as refused:
        st.session_state[NOTICE_KEY] = refused.message
