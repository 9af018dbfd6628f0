"""Entry point: names every page for the sidebar and serves the one asked for.

The page scripts live in app_pages/, not pages/: with a folder named pages/ beside this file,
Streamlit still lists the pages by file name ("app", "home") for a first visitor who opens a
page's address directly.
"""

# Imported before any session runs: plotly imports pandas lazily, and two sessions whose first
# charts are drawn at the same moment could see it half-imported ("partially initialized
# module 'pandas'"), which failed one of eight tabs opened at once on a fresh server.
import pandas  # noqa: F401
import streamlit as st

from ui.chrome import page_chrome
from ui.rebuilt_session import replay_sent_widget_values

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon="🔬", default=True),
    st.Page("app_pages/tour.py", title="Guided tour", icon="🧭", url_path="tour"),
    st.Page(
        "app_pages/1_CNN_feature_maps.py",
        title="CNN feature maps",
        icon="🧱",
        url_path="CNN_feature_maps",
    ),
    st.Page(
        "app_pages/2_LSTM_hidden_states.py",
        title="LSTM hidden states",
        icon="🔁",
        url_path="LSTM_hidden_states",
    ),
    st.Page(
        "app_pages/3_CNN_vs_RNN.py", title="CNN vs RNN, measured", icon="⚖️", url_path="CNN_vs_RNN"
    ),
    st.Page(
        "app_pages/4_Digits.py",
        title="Digits: one picture, two readers",
        icon="✍️",
        url_path="digits",
    ),
]

page_chrome()
st.navigation(PAGES).run()
replay_sent_widget_values()  # a session just rebuilt from its address: the browser's values win
