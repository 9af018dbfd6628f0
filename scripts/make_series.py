"""Convert three real series from statsmodels' wheel into the small files the app ships (run once).

Usage: python scripts/make_series.py [path/to/statsmodels-0.15.0-...whl]

statsmodels 0.15.0 (BSD-3) ships CSVs in `statsmodels/datasets/`. The wheel is only read (never
installed, never imported): without a path, `pip download --no-deps statsmodels==0.15.0` fetches
it into a temporary folder, and its sha256 must be the one recorded below. Each dataset's
title, source, description and copyright are read from its `data.py` (the module `__init__.py`
re-exports) as string constants, parsed with `ast` (never run).

- sunspots: yearly sunspot numbers 1700-2008, 309 values.
- co2: weekly Mauna Loa CO2, 1958-03-29 to 2001-12-29: 2,284 weeks of which 2,225 hold a value.
  The 59 empty weeks are filled by linear interpolation between the nearest measured weeks on
  either side (the metadata keeps which ones, so the page can say so).
- elnino: monthly Niño 1+2 sea-surface temperature 1950-2010, 61 years × 12 months = 732 values,
  read row by row (one row per year) into one monthly series.

Writes `assets/series/<name>.csv` (`date,value,filled`) and `assets/series/series.json`
(sources, licences, the wheel's and every CSV's sha256, counts); the sha256 of every file goes
into `assets/series/SHA256SUMS`.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from datetime import date
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.checkpoints import record_checksum  # noqa: E402

PACKAGE = "statsmodels==0.15.0"
# The cp311 manylinux wheel pip picks on this machine; its `datasets/` files are the same in
# every 0.15.0 wheel, so another platform's wheel is accepted if its CSVs have the digests below.
WHEEL_SHA256 = "b67886b66d9c7ca118526accedb5c6de7ffd74c015dc0492ea0b1690192b65da"
CSV_SHA256 = {  # the files read out of the wheel, checked before use
    "sunspots": "f67889b1d9002cd5227f0e0ef54e35b419cdd85a31279adef6f73fb41e5c0a9b",
    "co2": "16695fa2786e53414e5a6b54767a3fdf5de99cfbc68617f69d1362d92776a92f",
    "elnino": "b647be00e0fd264be9764e317e6b963f35030014ecca2b21b204521716e463ad",
}
OUT = ROOT / "assets" / "series"
FOLDER = "statsmodels/datasets"
FIELDS = ("TITLE", "SOURCE", "DESCRSHORT", "COPYRIGHT")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def constants(source: str) -> dict[str, str]:
    """The module-level string constants of a dataset's data.py (its docstring as TITLE when
    TITLE = __doc__), without running it."""
    tree = ast.parse(source)
    found: dict[str, str] = {}
    doc = ast.get_docstring(tree) or ""
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in FIELDS:
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value.strip()
                elif isinstance(node.value, ast.Name) and node.value.id == "__doc__":
                    found[target.id] = doc.strip()
                elif isinstance(node.value, ast.Name) and node.value.id in found:
                    found[target.id] = found[node.value.id]
    return found


def sunspots(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    rows = list(csv.DictReader(io.StringIO(text)))
    dates = [str(int(float(row["YEAR"]))) for row in rows]
    values = np.array([float(row["SUNACTIVITY"]) for row in rows])
    return dates, values, np.zeros(len(values), bool)


def co2(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    rows = list(csv.DictReader(io.StringIO(text)))
    days = [date(int(r["date"][:4]), int(r["date"][4:6]), int(r["date"][6:])) for r in rows]
    if any((b - a).days != 7 for a, b in pairwise(days)):
        raise ValueError("co2: expected one row per week, every week")
    values = np.array([float(r["co2"]) if r["co2"].strip() else np.nan for r in rows])
    missing = np.isnan(values)
    if missing[0] or missing[-1]:
        raise ValueError("co2: the first and last weeks should hold values")
    known = np.flatnonzero(~missing)
    values[missing] = np.interp(np.flatnonzero(missing), known, values[known])
    return [d.isoformat() for d in days], values, missing


def elnino(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    rows = list(csv.reader(io.StringIO(text)))
    dates, values = [], []
    for row in rows[1:]:
        year = int(float(row[0]))
        for month, cell in enumerate(row[1:13], start=1):
            dates.append(f"{year}-{month:02d}")
            values.append(float(cell))
    return dates, np.array(values), np.zeros(len(values), bool)


READERS = {"sunspots": sunspots, "co2": co2, "elnino": elnino}
CSV_NAMES = {"sunspots": "sunspots.csv", "co2": "co2.csv", "elnino": "elnino.csv"}


def download_wheel(folder: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", PACKAGE, "-d", str(folder)]
    subprocess.run(command, check=True)
    return next(folder.glob("statsmodels-0.15.0-*.whl"))


def write_series(name: str, dates: list[str], values: np.ndarray, filled: np.ndarray) -> Path:
    path = OUT / f"{name}.csv"
    lines = ["date,value,filled"]
    lines += [f"{d},{v:.6g},{int(f)}" for d, v, f in zip(dates, values, filled, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        wheel = Path(argv[0]) if argv else download_wheel(Path(folder))
        wheel_digest = sha256_bytes(wheel.read_bytes())
        with zipfile.ZipFile(wheel) as archive:
            members = {
                name: (
                    archive.read(f"{FOLDER}/{name}/{CSV_NAMES[name]}"),
                    archive.read(f"{FOLDER}/{name}/data.py").decode("utf-8"),
                )
                for name in READERS
            }
    if wheel_digest != WHEEL_SHA256:
        print(f"note: wheel sha256 {wheel_digest[:16]}… is not the recorded one", file=sys.stderr)
    OUT.mkdir(parents=True, exist_ok=True)
    meta: dict = {
        "package": PACKAGE,
        "package_licence": "BSD-3-Clause (statsmodels)",
        "wheel": wheel.name,
        "wheel_sha256": wheel_digest,
        "series": {},
    }
    for name, (raw, module) in members.items():
        digest = sha256_bytes(raw)
        if CSV_SHA256[name] and digest != CSV_SHA256[name]:
            raise ValueError(f"{name}: {CSV_NAMES[name]} sha256 {digest} is not the recorded one")
        dates, values, filled = READERS[name](raw.decode("ascii"))
        path = write_series(name, dates, values, filled)
        record_checksum(path)
        info = constants(module)
        meta["series"][name] = {
            "file": path.name,
            "member": f"{FOLDER}/{name}/{CSV_NAMES[name]}",
            "member_sha256": digest,
            "title": info.get("TITLE", name),
            "description": info.get("DESCRSHORT", ""),
            "source": info.get("SOURCE", ""),
            "licence": info.get("COPYRIGHT", ""),
            "values": len(values),
            "filled": int(filled.sum()),
            "filled_how": "linear interpolation between the nearest measured weeks"
            if filled.any()
            else "",
            "first": dates[0],
            "last": dates[-1],
        }
        print(f"{name}: {len(values)} values ({int(filled.sum())} filled), {path.name}")
    meta_path = OUT / "series.json"
    meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    record_checksum(meta_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
