"""Which series the time-series page shows, and its address: a shipped series by name, a short
pasted one by value, the horizon and the held-out point. An uploaded file cannot travel."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

from models.series.data import SHIPPED, metadata, shipped_series
from models.series.forecast import Forecasters
from ui.cache.series import shipped
from ui.common.state import Param, choice, number_param
from ui.common.text import plain

OWN = "own"
CHOICE_KEY = "series_choice"
PASTE_KEY = "series_paste"  # the pasted numbers kept (the text box is drawn only for "own")
HOW_KEY = "series_own_how"
SECTION_KEY = "series_deeper"  # the "Look deeper" section open, if any
SECTION_NAMES = ("attribution", "states", "distant")  # the "Look deeper" sections, in order
PASTE, UPLOAD = "Paste numbers", "Upload a CSV file"
HORIZON_KEPT, POINT_KEPT = "series_horizon_kept", "series_point_kept"
LINK_VALUES = 500  # pasted values a link carries (about 4 kB of address); more are cut
CUT_KEY = "series_paste_cut"


@dataclass(frozen=True)
class Shown:
    """A series with forecasters to show: shipped, or a visitor's, trained live."""

    key: str  # names its cached results: a shipped series' name, or "run-<number>"
    title: str  # plain text
    fc: Forecasters
    labels: tuple[str, ...]
    unit: str
    filled: np.ndarray
    shipped: bool


def shipped_shown(name: str) -> Shown:
    series = shipped_series(name)
    return Shown(
        name,
        series_title(name),
        shipped(name),
        series.labels,
        series.unit,
        series.filled,
        True,
    )


TITLES = {
    "sunspots": "Sunspots (yearly)",
    "co2": "CO₂ at Mauna Loa (weekly)",
    "elnino": "El Niño sea temperature (monthly)",
    OWN: "Your own series",
}


def series_title(name: str) -> str:
    return TITLES.get(name, name)


def source_note(name: str) -> str:
    """Where a shipped series comes from, its span and what was filled in."""
    found = metadata()["series"][name]
    filled = found.get("filled", 0)
    how = f" ({found['filled_how']})" if filled and found.get("filled_how") else ""
    return (
        f"{found['title']}, {found['first']} to {found['last']}: {found['values']:,} values"
        + (f", {filled} of them filled in where the source had none{how}" if filled else "")
        + f". From the statsmodels 0.15.0 package's datasets. Licence: {found['licence']}"
    )


def cut_values(text: str) -> tuple[str, int | None]:
    """At most LINK_VALUES numbers of pasted text (the last ones: the recent past), and how many
    there were when some were cut."""
    tokens = [t for t in text.replace(",", " ").replace(";", " ").split() if t]
    if len(tokens) <= LINK_VALUES:
        return text, None
    return " ".join(tokens[-LINK_VALUES:]), len(tokens)


def keep_pasted(text: str) -> None:
    kept, total = cut_values(text)
    st.session_state[PASTE_KEY] = kept
    if total is not None:
        st.session_state[CUT_KEY] = total


def read_values(value: str) -> bool:
    """Pasted numbers from the address: the visitor's own series, pasted."""
    keep_pasted(value)
    st.session_state[CHOICE_KEY] = OWN
    st.session_state[HOW_KEY] = PASTE
    return True


def current_values() -> str | None:
    if st.session_state.get(CHOICE_KEY) != OWN or st.session_state.get(HOW_KEY) != PASTE:
        return None
    text = st.session_state.get(PASTE_KEY, "")
    return " ".join(text.replace(",", " ").replace(";", " ").split()) or None


def series_address() -> list[Param]:
    return [
        choice("series", "the series", CHOICE_KEY, (*SHIPPED, OWN), SHIPPED[0]),
        Param("values", "the pasted values", read_values, current_values),
        number_param("horizon", "the horizon", lambda: HORIZON_KEPT),
        number_param("point", "the held-out point", lambda: POINT_KEPT),
        replace(  # closed unless the address names one: Back to a view without it closes it
            choice("section", "the section", SECTION_KEY, SECTION_NAMES),
            forget=lambda: st.session_state.pop(SECTION_KEY, None),
        ),
    ]


def choose_series() -> str:
    """The radio of the three shipped series and the visitor's own."""
    if st.session_state.get(CHOICE_KEY) not in (*SHIPPED, OWN):
        st.session_state[CHOICE_KEY] = SHIPPED[0]
    return st.radio(
        "Which series?",
        (*SHIPPED, OWN),
        key=CHOICE_KEY,
        horizontal=True,
        format_func=lambda name: plain(series_title(name)),
        help="Three real series ship with the app, each with its four readers trained on its "
        "first 80%; or bring your own and train them live.",
    )
