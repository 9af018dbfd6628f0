"""Every page of the app: its script, title, icon and address. The only place they are written;
`app.py`, the pages' links, the tour and the tests read them from here."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class Page:
    script: str  # relative to the app's folder, as st.Page and st.switch_page take it
    title: str
    icon: str
    url_path: str | None  # None: the default page, at the site's root
    heading: str = ""  # the page's title at its top and on the browser's tab, if not `title`

    @property
    def address_id(self) -> str:
        """The name the page's address is kept under in the session (ui/common/state.py)."""
        return self.url_path or "home"

    def begin(self) -> None:
        """The page's first lines: its tab's title and icon, a wide layout, its heading."""
        heading = self.heading or self.title
        st.set_page_config(page_title=heading, page_icon=self.icon, layout="wide")
        st.title(heading)


HOME = Page("app_pages/home.py", "Home", "🔬", None, heading="Inside neural networks")
TOUR = Page("app_pages/tour.py", "Guided tour", "🧭", "tour")
CNN = Page("app_pages/1_CNN_feature_maps.py", "CNN feature maps", "🧱", "CNN_feature_maps")
LSTM = Page("app_pages/2_LSTM_hidden_states.py", "LSTM hidden states", "🔁", "LSTM_hidden_states")
COMPARE = Page("app_pages/3_CNN_vs_RNN.py", "CNN vs RNN, measured", "⚖️", "CNN_vs_RNN")
DIGITS = Page(
    "app_pages/4_Digits.py",
    "Digits: one picture, two readers",
    "✍️",
    "digits",
    heading="One picture, two readers",
)

SERIES = Page(
    "app_pages/5_Time_series.py",
    "Time series: what comes next",
    "📈",
    "time_series",
    heading="Forecast the next value",
)

TEACH = Page("app_pages/6_Teach_a_class.py", "Teach a class", "🧑‍🏫", "teach")

ALL_PAGES = (HOME, TOUR, CNN, LSTM, COMPARE, DIGITS, SERIES, TEACH)
