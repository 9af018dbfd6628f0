"""Real browser: a server started with MODELS_DIR shows the operator's digit CNN on the CNN page."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.harness.browser import full_screenshot, open_cnn_upload_mode
from bench.harness.page_waits import expect_pictures_loaded, wait_until_settled
from bench.harness.server import serve_app
from serving.own_models import MODELS_DIR_VARIABLE
from tests.helpers.held_out import held_out_png

pytestmark = pytest.mark.browser
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "own_model"
DIGIT = 1  # a held-out 0; the default sample photo reads as an 8


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of its own, its operator's folder holding the example digit reader alone."""
    folder = tmp_path_factory.mktemp("models")
    for name in ("resdigits.toml", "resdigits.py", "resdigits.pt", "digits.txt"):
        shutil.copy(EXAMPLES / name, folder / name)
    with serve_app({MODELS_DIR_VARIABLE: str(folder)}) as url:
        yield url


def test_the_operators_cnn_reads_a_held_out_digit(
    page: Page, own_server: str, tmp_path: Path, screenshot_dir: Path
) -> None:
    data, label = held_out_png(DIGIT)
    digit = tmp_path / "digit.png"
    digit.write_bytes(data)
    uploader = open_cnn_upload_mode(
        page, own_server, path="CNN_feature_maps?model=resdigits&section=class"
    )
    chosen = page.locator('[data-testid="stSidebar"] label[data-testid="stRadioOption"]')
    expect(chosen.filter(has_text="Residual digit reader")).to_have_attribute(
        "data-selected", "true"
    )
    uploader.set_input_files(digit)
    expect(page.get_by_test_id("stFileChip")).to_contain_text("digit.png")
    expect(page.get_by_text(re.compile(rf"^Top guess: {label}$"))).to_be_visible()
    wait_until_settled(page)
    expect_pictures_loaded(page, "cnn_overview", 5)  # features.0 to .3 and the pool
    expect_pictures_loaded(page, "cnn_grid", 8)  # the 8 channels of features.1
    expect(page.get_by_text("features.2 · 16×14×14 · sees 25 px")).to_be_visible()
    expect_pictures_loaded(page, "cnn_evidence", 1)
    assert page.locator('[data-testid="stException"]').count() == 0
    full_screenshot(page, screenshot_dir / "screenshot-own-cnn.png")
