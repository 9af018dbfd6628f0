"""Shared fixtures: a real streamlit server and Debian chromium for the browser tests.

The helpers these use, and the tests import, live in tests/helpers/ and bench/harness/ (what
the bench drives the app with too).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

# torch on one thread, in the tests' process as in the app's server (ui/__init__.py), and in the
# processes the tests start (the command line): two threads per process, on two cores shared
# with a server and chromium, spin and stall. Beside other work the quick profile took 269 s
# of wall time on two threads, 1.4 s on one for a small plan that took 22.5 s on two.
torch.set_num_threads(1)
os.environ["OMP_NUM_THREADS"] = "1"

# The helpers' asserts report their values like the tests' own (registered before the import).
pytest.register_assert_rewrite("tests.helpers", "bench.harness")

from playwright.sync_api import Browser, BrowserContext, expect  # noqa: E402

from bench.harness.browser import (  # noqa: E402
    CHROMIUM_ARGS,
    EXPECT_TIMEOUT_MS,
    HEADLESS_SHELL,
    PAGE_TIMEOUT_MS,
    SCREENSHOTS_ENV,
)
from bench.harness.server import MAKE_RUN, serve_app  # noqa: E402

# Every retrying expect() of every browser test, including those in contexts a test opens itself.
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the app as `make run` does (serve.py: app.py, its scripts gzipped) on a free
    loopback port for the whole session; yield its base URL. Its classes live in a SQLite file
    of the session's own (class mode's default database)."""
    data = tmp_path_factory.mktemp("class-data")
    with serve_app({"CLASS_DATA_DIR": str(data), "DATABASE_URL": ""}, MAKE_RUN) as url:
        yield url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Drive Debian's chromium headless shell (playwright cannot download its own browser here),
    offline."""
    return {
        **browser_type_launch_args,
        "executable_path": HEADLESS_SHELL,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture(scope="session")
def worker_context(browser: Browser, browser_context_args: dict) -> Iterator[BrowserContext]:
    """One browser context per worker, whose cache every test's `page` shares. Each new context
    starts with an empty cache and fetches and compiles the app's scripts again: the LSTM page
    took 3.2 s to draw in a new context and 1.4 s in a used one (medians of 4 here)."""
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def context(worker_context: BrowserContext) -> Iterator[BrowserContext]:
    """The worker's context, as a new one would be for the next test: its pages closed, and
    no cookie (a class's student id) or permission (the camera) left behind. The app keeps
    nothing in the browser's storage. Its pages wait PAGE_TIMEOUT_MS for their own calls."""
    yield worker_context
    for page in worker_context.pages:
        page.close()
    worker_context.clear_cookies()
    worker_context.clear_permissions()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get(SCREENSHOTS_ENV)
    if not chosen:
        return tmp_path_factory.mktemp("screenshots")
    path = Path(chosen)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL (Debian's) in a temporary folder for the session; yields its URL."""
    from bench.harness.postgres import run_postgres, server_binaries

    if server_binaries() is None:
        pytest.skip("PostgreSQL is not installed (make postgres)")
    with run_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def class_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database for class mode: a SQLite file (its folder not made yet), or PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'classes.db'}"
    from bench.harness.postgres import fresh_database

    return fresh_database(request.getfixturevalue("postgres_server"))


# The longest files first (measured with --durations=0, in worker-seconds), then the rest in
# collection order: two workers each take a whole file at a time (--dist loadfile), and a
# long file taken last would keep one worker busy while the other has nothing left to do.
LONGEST_FIRST = (
    "test_deploy.py",  # about 140 s: a cluster of nginx and two processes, kills and hangs
    "test_browser_teaching.py",
    "test_browser_class_run.py",
    "test_browser_own_models.py",
    "test_browser_lstm.py",
    "test_browser_cnn.py",
    "test_explain.py",
    "test_browser_compare.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run LONGEST_FIRST's files first (with -p xdist's --no-loadscope-reorder, the order the
    workers are handed files in)."""

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the tests of a file keep their order
