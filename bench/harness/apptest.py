"""Opening the app's pages in streamlit's AppTest, and uploading a file to the CNN page."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from bench.harness.paths import ROOT
from ui.common.pages import CNN, Page


def open_app(timeout: float = 60) -> AppTest:
    """The app's first run (its home page), with `timeout` seconds for each run."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout).run()
    assert not at.exception
    return at


def open_cnn_page(section: str | None = None) -> AppTest:
    """The app, switched to the CNN page (its default sample analysed); with `section`, opened
    from a link naming that "Look deeper" section (none is built until one is asked for)."""
    at = open_app()
    if section is not None:
        at.query_params["section"] = section
    at.switch_page(CNN.script).run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str, data: bytes, mime: str = "image/png") -> AppTest:
    """Switch the CNN page to Upload and send one file."""
    at.radio(key="cnn_source").set_value("Upload").run()
    at.file_uploader[0].upload(name, data, mime).run()
    return at


def open_page(
    page: Page, address: dict[str, str] | None = None, session: dict[str, object] | None = None
) -> AppTest:
    """The app opened on one page, as a link with `address` would (in a session already
    holding `session`, e.g. what a browser's cookie gives it)."""
    at = open_app(timeout=90)
    for name, value in (address or {}).items():
        at.query_params[name] = value
    for name, value in (session or {}).items():
        at.session_state[name] = value
    at.switch_page(page.script).run()
    assert not at.exception
    return at
