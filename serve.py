"""`make run`'s entry point: app.py served by Streamlit, its scripts and styles gzipped.

`streamlit run serve.py` finds the ASGI app below and serves app.py through it, with every
Streamlit option as for `streamlit run app.py`. See serving/static_gzip.py for why.
"""

import streamlit as st
from starlette.middleware import Middleware

from serving.static_gzip import StaticGzip

app = st.App("app.py", middleware=[Middleware(StaticGzip)])
