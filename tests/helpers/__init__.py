"""Helpers for the tests; the fixtures stay in conftest.py, one folder up.

What the bench shares with the tests (paths, servers, the browser, page waits, opening pages in
AppTest) lives in bench/harness/: tests may import bench, bench never imports tests.

- `apptest`: reading pages in streamlit's AppTest (texts, charts, top guesses).
- `plotly_arrays`: plotly's JSON arrays (plain lists or typed `bdata`) as numpy arrays.
- `pictures`: pictures as pixels: PNG data URIs, and those `st.image` sends in AppTest.
- `bad_inputs`: the corpus of odd files and texts a person might send, and what should happen.
- `frozen`: a shared model's snapshot, and the check that using it left it as it was.
"""
