"""One visitor's photo and sentence, shared by every page, and the address that reopens a view.

The photo (a sample, an upload or a camera picture) and the sentence live in the session under
keys of their own, so they survive a visit to another page: Streamlit forgets a widget's value
when a run does not draw it. A page seeds its widgets from them and writes back what the
visitor chose.

The address: each page names the choices that define its view (`Param`), reads them from the
address when it is opened or changed from outside (a link, a bookmark, a reload), and writes
them back after every run, so the address bar always holds a link to what is shown. A value
the page does not know falls back to the default, with a short notice; never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from models.cnn.images import LoadedPhoto
from ui.cache.cnn import decoded_photo, samples
from ui.cache.sequence import example_sentences
from ui.common.text import inline_code, plain

PHOTO_KEY = "shared_photo"
TEXT_KEY = "shared_text"
NOTICES_KEY = "address_notices"
VISIT_KEY = "page_visit"  # (the page of the last run, how many page visits so far)
TEXT_LIMIT = 5000  # characters: the text boxes' limit, and what an address can carry
ADDRESS_KEY = "page_address"  # (page, its Params) as the page's run read them
CUT_KEY = "text_cut"  # the length of a text just cut to TEXT_LIMIT, for one notice


@dataclass(frozen=True)
class ChosenPhoto:
    """The photo a visitor is looking at, on every page."""

    kind: str  # "sample", "upload" or "camera"
    source_key: str  # identifies the bytes: "sample:chelsea.jpg" or a content hash
    description: str  # markdown-safe: a sample's credit or an upload's escaped file name
    sample: str | None = None  # a sample's file name
    photo: LoadedPhoto | None = None  # an upload or camera picture, decoded

    @property
    def travels_in_links(self) -> bool:
        """Only a sample can be named in an address; an upload stays with its session."""
        return self.kind == "sample"


def sample_photo(file_name: str) -> ChosenPhoto:
    sample = next(s for s in samples() if s.path.name == file_name)
    return ChosenPhoto(
        "sample", f"sample:{sample.path.name}", f"{sample.title}: {sample.credit}", file_name
    )


def shared_photo() -> ChosenPhoto:
    """The visitor's photo; the first sample until they choose one."""
    if PHOTO_KEY not in st.session_state:
        st.session_state[PHOTO_KEY] = sample_photo(samples()[0].path.name)
    return st.session_state[PHOTO_KEY]


def set_shared_photo(photo: ChosenPhoto) -> None:
    st.session_state[PHOTO_KEY] = photo


def shared_text() -> str:
    """The visitor's sentence; the first example until they type one."""
    if TEXT_KEY not in st.session_state:
        st.session_state[TEXT_KEY] = example_sentences()[0]
    return st.session_state[TEXT_KEY]


def set_shared_text(text: str) -> None:
    """Control and direction-changing characters are dropped: the model reads what is shown."""
    st.session_state[TEXT_KEY] = plain(text)


def read_text(text: str) -> bool:
    """A sentence from the address becomes the shared one (any text will do); one too long is
    cut, and the text box says so."""
    set_shared_text(text[:TEXT_LIMIT])
    if len(text) > TEXT_LIMIT:
        st.session_state[CUT_KEY] = len(text)
    return True


def text_box(label: str, key: str) -> str:
    """A text box showing the shared sentence; what is typed in it becomes the shared one.

    The box has no `max_chars`: with one, the browser drops a longer paste whole and says
    nothing. A longer text is cut here instead, and the page says so.
    """

    def typed() -> None:
        text = st.session_state[key]
        set_shared_text(text[:TEXT_LIMIT])
        if len(text) > TEXT_LIMIT:
            st.session_state[CUT_KEY] = len(text)

    st.session_state[key] = shared_text()
    text = st.text_input(label, key=key, on_change=typed)
    if pasted := st.session_state.pop(CUT_KEY, None):
        st.info(cut_note(pasted))
    return text


def cut_note(length: int) -> str:
    return (
        f"Your text has {length:,} characters: only its first {TEXT_LIMIT:,} were kept "
        "(a link can carry no more)."
    )


@dataclass(frozen=True)
class Param:
    """One choice of a page's view, as it appears in the address."""

    name: str  # the query parameter
    what: str  # in words, for the notice about a bad value: "model", "sample photo"
    read: Callable[[str], bool]  # applies a value from the address; False when it is unknown
    current: Callable[[], str | None]  # the value shown now (None: nothing to write)
    default: str | None = None  # not written to the address
    forget: Callable[[], None] | None = None  # back to the default, for one with no fixed default


def choice(
    name: str, what: str, key: str, options: Sequence[str], default: str | None = None
) -> Param:
    """A Param for a value kept under a session key and drawn from fixed options."""

    def read(value: str) -> bool:
        if value not in options:
            return False
        st.session_state[key] = value
        return True

    return Param(name, what, read, lambda: st.session_state.get(key), default)


def lazy_choice(
    name: str,
    what: str,
    key: Callable[[], str],
    options: Callable[[], Sequence[str]],
    default: Callable[[], str | None] = lambda: None,
) -> Param:
    """A Param whose session key and options depend on earlier choices (the model, the layer):
    both are looked up when the address is read or written, after the params before it."""

    def read(value: str) -> bool:
        if value not in options():
            return False
        st.session_state[key()] = value
        return True

    def current() -> str | None:
        value = st.session_state.get(key())
        return None if value is None or value == default() else str(value)

    return Param(name, what, read, current, forget=lambda: st.session_state.pop(key(), None))


def switch(name: str, what: str, key: str) -> Param:
    """A Param for an on/off choice kept under a session key (an expander open, a toggle on):
    "on" in the address, or nothing."""

    def read(value: str) -> bool:
        if value != "on":
            return False
        st.session_state[key] = True
        return True

    return Param(
        name,
        what,
        read,
        lambda: "on" if st.session_state.get(key) else None,
        forget=lambda: st.session_state.pop(key, None),
    )


def number_param(name: str, what: str, key: Callable[[], str]) -> Param:
    """A Param for a whole number kept under a session key. Its range is known only when the
    page has the model's result, so `kept_value` checks it where the number's box is drawn."""

    def read(value: str) -> bool:
        if not (value.isdigit() and len(value) <= 6):
            return False
        st.session_state[key()] = int(value)
        return True

    def current() -> str | None:
        value = st.session_state.get(key())
        return None if value is None else str(value)

    return Param(name, what, read, current, forget=lambda: st.session_state.pop(key(), None))


def kept_value(
    box: str,
    kept: str,
    default: Any,
    allowed: Container[Any],
    what: str,
    as_written: Callable[[Any], str] = str,
) -> None:
    """Seed a widget from its kept value (or `default`) before it is drawn; `keep` keeps what
    the visitor sets in it.

    The value lives in a plain session key, copied into the widget each run: a widget's own
    state is dropped after a run that does not draw it. A kept value not `allowed` (only an
    address can bring one: a channel the layer does not have) falls back to the default, with
    a notice quoting it as the address wrote it (`as_written`).
    """
    value = st.session_state.get(kept, default)
    if value not in allowed:
        show_bad_value(what, as_written(value))
        st.session_state.pop(kept, None)
        value = default
    st.session_state[box] = value


def show_bad_value(what: str, value: str) -> None:
    """The notice for a value the address asked for that this view does not have."""
    st.info(
        f"The address asked for {what} {inline_code(value)}, which is not here. "
        "Showing the default instead.",
        icon=":material/link_off:",
    )


def keep(box: str, kept: str) -> Callable[[], None]:
    """An on_change callback that keeps a box's new value under its kept key."""
    return lambda: st.session_state.update({kept: st.session_state[box]})


def visit() -> int:
    """Which visit to a page this run belongs to: it grows each time the visitor opens another
    page, so a page can tell "back from elsewhere" from "still here"."""
    return st.session_state.get(VISIT_KEY, (None, 0))[1]


def read_address(page: str, params: Sequence[Param]) -> None:
    """Apply the address's values when it changed since this page last wrote it: opened from a
    link or edited by hand. Unknown values are dropped and named in a notice."""
    st.session_state[ADDRESS_KEY] = (page, params)
    last_page, visits = st.session_state.get(VISIT_KEY, (None, 0))
    if last_page != page:
        st.session_state[VISIT_KEY] = (page, visits + 1)
    found = {p.name: st.query_params.get(p.name) or None for p in params}  # "?x=" names nothing
    if st.session_state.get(f"address_{page}") == found:
        return
    read_walked_address(params)
    for param in params:
        value = found[param.name]
        if value is not None and not param.read(value):
            # The value is the visitor's (or a link's author's): quoted as code, never markdown.
            notice = f"The address asked for {param.what} {inline_code(value)}, which is not here."
            st.session_state.setdefault(NOTICES_KEY, []).append(notice)


def show_address_notices() -> None:
    """The notices about values the address asked for and the page could not show, once."""
    for notice in st.session_state.pop(NOTICES_KEY, []):
        st.info(notice + " Showing the default instead.", icon=":material/link_off:")


def write_address(page: str, params: Sequence[Param]) -> None:
    """Put the view's current choices in the address (defaults left out, to keep it short).

    The address is sent even when this run's copy already matches: that copy came with the
    run's request, and the browser's may have changed since (an earlier run that ended after
    the request left wrote its own). An unchanged address adds no history entry.
    """
    written: dict[str, str | None] = {}
    for param in params:
        value = param.current()
        written[param.name] = None if value is None or value == param.default else value
    # One change of the address, so one entry in the browser's history: Streamlit sends (and
    # the browser pushes) every change of st.query_params on its own, and a value removed
    # before another was set left a view no one saw for Back to land on.
    others = {
        name: st.query_params.get_all(name) for name in st.query_params if name not in written
    }
    st.query_params.from_dict(
        others | {name: value for name, value in written.items() if value is not None}
    )
    st.session_state[f"address_{page}"] = written


def rewrite_address() -> None:
    """Write the address of the page this run read it for: a fragment that reruns alone (the
    layer explorer, a unit, a token) calls this at its end, so its choice reaches the address.

    In a run of the whole page it does nothing: the page writes its address at its end, and
    every write reaches the browser as a history update (a few ms of its main thread each).
    """
    ctx = get_script_run_ctx()
    if ctx is not None and not ctx.fragment_ids_this_run:
        return
    if ADDRESS_KEY in st.session_state:
        write_address(*st.session_state[ADDRESS_KEY])


def loaded_photo(chosen: ChosenPhoto) -> LoadedPhoto:
    """The chosen photo, decoded: a sample from the assets (decoded once per server)."""
    if chosen.photo is not None:
        return chosen.photo
    sample = next(s for s in samples() if s.path.name == chosen.sample)
    return decoded_photo(chosen.source_key, sample.path.read_bytes())


LINK_NOTE = (
    "The address in your browser reopens this view. An uploaded photo cannot travel in a link: "
    "whoever opens it sees the first sample photo instead."
)


def read_sample(stem: str) -> bool:
    """A sample photo named in an address (its file name without the extension) becomes the
    shared photo."""
    files = {sample.path.stem: sample.path.name for sample in samples()}
    if stem not in files:
        return False
    set_shared_photo(sample_photo(files[stem]))
    return True


def current_sample() -> str | None:
    """The shared photo as an address names it: a sample's stem, or None for an upload."""
    photo = shared_photo()
    return photo.sample.rsplit(".", 1)[0] if photo.sample else None


def history_navigation() -> bool:
    """Whether this run comes from the browser's Back or Forward button.

    The browser sends a flag with that rerun, which Streamlit 1.67 keeps on the run's context;
    read inside a guard: if a later version moves it, Back just leaves out-of-address values be.
    """
    return bool(getattr(get_script_run_ctx(), "is_history_navigation", False))


def read_walked_address(params: Sequence[Param]) -> None:
    """After Back or Forward, the address is the whole view: each choice it leaves out goes
    back to its default (read_address applies only the values an address names).

    Without this, Back to an address without a value (a default, not written) kept the value
    of the view the visitor left, and the next write replaced that history entry with it.
    """
    if not history_navigation():
        return
    for param in params:
        if param.name in st.query_params:
            continue
        if param.forget is not None:
            param.forget()
        elif param.default is not None:
            param.read(param.default)
