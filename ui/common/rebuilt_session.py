"""A browser tab whose process died, rebuilt on another process from its address.

A tab whose process died (or hung, and was failed over behind nginx) reconnects to a process
that has never seen its session: everything the page kept (the shared photo and sentence) is
gone, but the tab still sends its widget values and its address. The page is rebuilt from the
address and says so; the widget values the tab sent are then replayed, so a choice the visitor
had just made wins. These parts read private fields of Streamlit 1.67, each inside a guard: if
a later version moves them, a rebuilt page just does not say so, or does not replay.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from streamlit.runtime.state.session_state import SessionState, WStates

KNOWN_KEY = "session_known"  # set in a session's first run on this process
RESTORED_KEY = "session_restored"  # the session came from another process: rebuilt here
REPLAY_KEY = "session_replay"  # the widget values a rebuilt session's first run set aside
RESTATE_KEY = "session_restate"  # the widgets whose replayed values the browser must be sent


def note_session_start() -> None:
    """Notice a browser tab whose session this process has never seen, though the tab has one.

    A new visitor's first run finds the session empty. A tab whose process died (or hung, and
    was failed over) reconnects here with the values of its widgets, but everything else the
    page kept (the shared photo and sentence) is gone: the page is rebuilt from its address,
    and says so. The widget values the tab sent are set aside for that run, which draws the
    page as its address describes it, and are then sent again in a run of their own
    (replay_sent_widget_values): a choice the visitor had just made (the run that reaches a new
    process is often the one their click asked for) wins over what the address had, and its
    on_change callbacks run, as they would have on the old process.
    """
    if KNOWN_KEY not in st.session_state:
        sent = take_sent_widget_values()
        st.session_state[KNOWN_KEY] = True
        if sent is not None:
            st.session_state[RESTORED_KEY] = True
            st.session_state[REPLAY_KEY] = sent
            show_restart_notice()
        return
    if REPLAY_KEY in st.session_state:  # the rebuilding run did not reach its end
        # A newer click cut it short: that click's values go through as they are. (The run
        # may also have stopped, with st.stop(); setting each later click aside again could
        # then keep every click from taking effect.) The page's own st.rerun() sends none:
        # the values set aside are replayed at the end of this run.
        if browser_sent_widget_values():
            del st.session_state[REPLAY_KEY]
        show_restart_notice()
    elif (restate := st.session_state.pop(RESTATE_KEY, None)) is not None:  # the replay's run
        # The rebuilding run set these widgets from the address and told the browser so: the
        # replayed values are set the same way, so that the browser shows them again.
        for key in restate:
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
        show_restart_notice()


def show_restart_notice() -> None:
    st.info(
        "The server restarted, so this page was rebuilt from its address.",
        icon=":material/restart_alt:",
    )


def restored_session() -> bool:
    """True in a session that came from another process (see note_session_start)."""
    return bool(st.session_state.get(RESTORED_KEY))


def browser_sent_widget_values() -> bool:
    """Whether this run's request carried widget values from the browser.

    `st.session_state` cannot tell: it only lists widgets this process has registered, and a
    new process has registered none. Streamlit 1.67 keeps what the browser sent in the session
    state's new widget state (a private field), read here inside a guard: if a later version
    moves it, the page just does not say that it was rebuilt.
    """
    try:
        return len(_internal_state()._new_widget_state) > 0
    except AttributeError:
        return False


def take_sent_widget_values() -> WidgetStates | None:
    """The widget values this run's request carried, taken out of the run (None: none came).

    The run then draws every widget as a first visit would, from the page's own values.
    """
    if not browser_sent_widget_values():
        return None
    try:
        sent = _internal_state()._new_widget_state
        values = WidgetStates(widgets=sent.as_widget_states())
        sent.clear()
    except AttributeError:
        return None
    return values


def replay_sent_widget_values() -> None:
    """At the end of a run that rebuilt a session from its address: run the page again with the
    widget values the browser had sent (see note_session_start), now that every widget drawn
    here is known and can take them. app.py calls this after the page has run.
    """
    sent = st.session_state.pop(REPLAY_KEY, None)
    context = get_script_run_ctx()
    if sent is None or context is None or context.script_requests is None:
        return
    if not sent_values_differ(sent):  # the address rebuilt just what the tab had: no replay
        return
    try:
        internal = _internal_state()
        keys = internal._key_id_mapper.id_key_mapping
        # The widgets this run set from the address or a default, rather than from the browser.
        st.session_state[RESTATE_KEY] = [
            keys[w.id] for w in sent.widgets if keys.get(w.id) in internal._new_session_state
        ]
    except AttributeError:
        return
    address = [(name, value) for name in st.query_params for value in st.query_params.get_all(name)]
    context.script_requests.request_rerun(
        RerunData(
            query_string=urlencode(address),
            widget_states=sent,
            page_script_hash=context.page_script_hash,
            cached_message_hashes=context.cached_message_hashes,
            context_info=context.context_info,
        )
    )


def sent_values_differ(sent: WidgetStates) -> bool:
    """Whether any widget drawn in this run shows another value than the browser sent.

    A tab that only reconnected sends what its address already says; replaying that would
    run the page a second time for nothing (and the images of the first run, replaced at
    once, would be asked for after they are gone). When in doubt: True.
    """
    try:
        internal = _internal_state()
        metadata = internal._new_widget_state.widget_metadata
        for widget in sent.widgets:
            meta = metadata.get(widget.id)
            if meta is None:  # not drawn in this run
                continue
            if "trigger" in (widget.WhichOneof("value") or ""):  # a click: always replayed
                return True
            probe = WStates()
            probe.set_widget_metadata(meta)
            probe.set_widget_from_proto(widget)
            if bool(probe[widget.id] != internal[widget.id]):
                return True
    except Exception:  # private parts of Streamlit 1.67, or values that do not compare
        return True
    return False


def _internal_state() -> SessionState:
    """This session's SessionState object behind st.session_state (Streamlit 1.67)."""
    return get_script_run_ctx().session_state._state
