"""Shared fixtures: a real streamlit server and Debian chromium for the browser tests.

The helpers these use, and the tests import, live in tests/helpers/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# The helpers' asserts report their values like the tests' own (registered before the import).
pytest.register_assert_rewrite("tests.helpers")

# Importing the browser helpers also sets playwright's `expect` timeout for every browser test.
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS_ENV  # noqa: E402
from tests.helpers.server import serve_app  # noqa: E402


@pytest.fixture(scope="session")
def app_server() -> Iterator[str]:
    """Serve app.py on a free loopback port for the whole session; yield its base URL."""
    with serve_app() as url:
        yield url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Drive Debian's chromium (playwright cannot download its own browser here), offline."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get(SCREENSHOTS_ENV)
    if not chosen:
        return tmp_path_factory.mktemp("screenshots")
    path = Path(chosen)
    path.mkdir(parents=True, exist_ok=True)
    return path
