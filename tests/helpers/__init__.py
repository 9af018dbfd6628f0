"""Helpers shared by the tests and the bench; the fixtures stay in conftest.py, one folder up.

- `paths`: the repository's root and its sample photos.
- `server`: starting streamlit servers of app.py on free loopback ports.
- `browser`: Debian's chromium and its arguments, screenshots, and browser steps on the pages.
- `page_waits`: waiting in the browser until a page has settled or its pictures have loaded.
- `apptest`: opening and reading pages in streamlit's AppTest (texts, charts, top guesses).
- `plotly_arrays`: plotly's JSON arrays (plain lists or typed `bdata`) as numpy arrays.
- `pictures`: pictures as pixels: PNG data URIs, and those `st.image` sends in AppTest.
- `bad_inputs`: the corpus of odd files and texts a person might send, and what should happen.
"""
