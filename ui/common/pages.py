"""Every page of the app: its script, title, icon and address. The only place they are written;
`app.py`, the pages' links, the tour and the tests read them from here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    script: str  # relative to the app's folder, as st.Page and st.switch_page take it
    title: str
    icon: str
    url_path: str | None  # None: the default page, at the site's root

    @property
    def file_name(self) -> str:
        return self.script.rsplit("/", 1)[-1]


HOME = Page("app_pages/home.py", "Home", "🔬", None)
TOUR = Page("app_pages/tour.py", "Guided tour", "🧭", "tour")
CNN = Page("app_pages/1_CNN_feature_maps.py", "CNN feature maps", "🧱", "CNN_feature_maps")
LSTM = Page("app_pages/2_LSTM_hidden_states.py", "LSTM hidden states", "🔁", "LSTM_hidden_states")
COMPARE = Page("app_pages/3_CNN_vs_RNN.py", "CNN vs RNN, measured", "⚖️", "CNN_vs_RNN")
DIGITS = Page("app_pages/4_Digits.py", "Digits: one picture, two readers", "✍️", "digits")

ALL_PAGES = (HOME, TOUR, CNN, LSTM, COMPARE, DIGITS)
