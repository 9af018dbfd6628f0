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

from serving.own_models import own_models
from serving.process import configure_process
from ui.common.chrome import page_chrome
from ui.common.pages import ALL_PAGES, HOME
from ui.common.rebuilt_session import replay_sent_widget_values

PAGES = [
    st.Page(p.script, title=p.title, icon=p.icon, url_path=p.url_path, default=p is HOME)
    for p in ALL_PAGES
]

configure_process()
own_models()  # the operator's models, loaded and captured once, before a page uses them
page_chrome()
st.navigation(PAGES).run()
replay_sent_widget_values()  # a session just rebuilt from its address: the browser's values win
