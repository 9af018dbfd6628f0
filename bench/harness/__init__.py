"""Driving the real app from outside, shared by the bench and the tests.

The tests import these (and the rest of bench/); nothing in bench/ imports tests/.

- `paths`: the repository's root and its sample photos.
- `server`: starting streamlit servers of app.py on free loopback ports.
- `browser`: Debian's chromium and its arguments, the timeouts, screenshots, steps on the pages.
- `page_waits`: waiting in the browser until a page has settled or its pictures have loaded.
- `apptest`: opening the app's pages in streamlit's AppTest and uploading to the CNN page.
- `heavy_pictures`: pictures encoded in memory, and a 64-megapixel PNG of about 80 kB.
"""
