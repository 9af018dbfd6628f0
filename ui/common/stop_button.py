"""The Stop button of a visitor's own training run, for every page that trains in the queue.

It sits outside the page's two-second fragment: a click there reruns the whole page at once
(in the fragment it waited behind a page run, and a Train pressed just after it once trained
nothing new). It stops in its callback, which streamlit runs before the script even when a
newer click cuts that run short, and it is given the visitor's id, because a run cut short by
a newer click (runner.fastReruns) reads an empty session state from then on. The page is
drawn again whenever the run's state changes, so the label follows it.
"""

from __future__ import annotations

import streamlit as st

from serving.training import Run
from ui.cache.training import training_runs


def show_stop_button(run: Run | None, me: str, key: str) -> None:
    """Stop (or take out of the queue) `run`, shown only to its owner `me` while it is live."""
    if run is not None and run.owner == me and run.live:
        label = "Stop my run" if run.state == "training" else "Take my run out of the queue"
        st.button(label, key=key, on_click=stop_now, args=(run, me))


def stop_now(run: Run, me: str) -> None:
    training_runs().stop(me, run)
