"""plotly.js in the app's static folder: the plotly package's own file, copied once, whole."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from serving.static_files import PLOTLY_NAME, PLOTLY_SOURCE, PLOTLY_URL, ensure_static_files


def test_plotly_js_is_the_packages_own_file_and_a_second_call_keeps_it(tmp_path: Path) -> None:
    folder = tmp_path / "static"
    copied = ensure_static_files.__wrapped__(folder)
    assert copied == folder / PLOTLY_NAME and PLOTLY_URL.endswith(f"/app/static/{PLOTLY_NAME}")
    assert copied.read_bytes() == PLOTLY_SOURCE.read_bytes()
    assert [p.name for p in folder.iterdir()] == [PLOTLY_NAME]  # no partial copy left behind
    before = copied.stat().st_mtime_ns
    assert ensure_static_files.__wrapped__(folder) == copied
    assert copied.stat().st_mtime_ns == before  # already there: not copied again


def test_a_truncated_copy_is_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / PLOTLY_NAME).write_bytes(PLOTLY_SOURCE.read_bytes()[:1000])
    ensure_static_files.__wrapped__(folder)
    assert (folder / PLOTLY_NAME).read_bytes() == PLOTLY_SOURCE.read_bytes()


def test_the_app_serves_plotly_js_as_a_script(app_server: str) -> None:
    ensure_static_files()  # a visitor's first run does it (serving/process.py); none ran yet
    with urllib.request.urlopen(f"{app_server}/app/static/{PLOTLY_NAME}", timeout=30) as answer:
        assert answer.status == 200
        assert "javascript" in answer.headers["Content-Type"]
        assert answer.read() == PLOTLY_SOURCE.read_bytes()
