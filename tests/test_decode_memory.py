"""Decoding is bounded: three 64-megapixel PNGs at once, and one on the digits page's path.

Each measurement runs bench/decode_memory.py's child in a fresh process: the process's peak RSS
(VmHWM, reset just before) minus its RSS before the decodes. The bounds are the issue's (three
at once under 600 MB) and, for one upload on the digits page, the old cost of one RGB decode
and its RGB copy (523 MB measured; now 252 MB). Measured with the old decoder: 1,536 MB for
three, 523 MB for one; with this one: 316 MB and 252 MB (docs in README, "Speed and memory").
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.harness.heavy_pictures import big_digit_png
from bench.harness.paths import ROOT

BENCH = ROOT / "bench" / "decode_memory.py"

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="needs Linux's peak-RSS reset"
)


def peak_mb(scenario: str, path: Path, threads: int) -> float:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--child", scenario, str(path), str(threads)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(result.stdout)


@pytest.fixture(scope="module")
def big_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 7,990×7,990 RGB PNG of about 200 kB, as in the issue."""
    path = tmp_path_factory.mktemp("decode") / "big.png"
    path.write_bytes(big_digit_png(7990, "RGB"))
    assert path.stat().st_size < 300_000
    return path


def test_three_64_megapixel_uploads_at_once_add_under_600_mb(big_png: Path) -> None:
    assert peak_mb("cnn", big_png, 3) < 600


def test_one_64_megapixel_upload_on_the_digits_page_adds_under_400_mb(big_png: Path) -> None:
    assert peak_mb("digits", big_png, 1) < 400
