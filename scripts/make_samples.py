"""Regenerate assets/samples/*.jpg from the photos that ship inside scikit-image and scikit-learn.

Usage: python scripts/make_samples.py [--wheels DIR]
Without --wheels, the two wheels are fetched with `pip download --no-deps` into a temp dir.
Credits and licences are in assets/samples.tsv and assets/CREDITS.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
WHEELS = ["scikit-image==0.26.0", "scikit-learn==1.9.1"]
SOURCES = {
    "chelsea": "skimage/data/chelsea.png",
    "coffee": "skimage/data/coffee.png",
    "astronaut": "skimage/data/astronaut.png",
    "rocket": "skimage/data/rocket.jpg",
    "brick": "skimage/data/brick.png",
    "china": "sklearn/datasets/images/china.jpg",
    "flower": "sklearn/datasets/images/flower.jpg",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, help="folder holding the two wheels")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        wheels_dir = args.wheels or Path(scratch)
        if args.wheels is None:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "-q",
                    "--no-deps",
                    "-d",
                    scratch,
                    *WHEELS,
                ],
                check=True,
            )
        members: dict[str, tuple[Path, str]] = {}
        for wheel in wheels_dir.glob("*.whl"):
            with zipfile.ZipFile(wheel) as archive:
                for name in archive.namelist():
                    members[name] = (wheel, name)
        out = ROOT / "assets" / "samples"
        out.mkdir(parents=True, exist_ok=True)
        for stem, member in SOURCES.items():
            wheel, name = members[member]
            with zipfile.ZipFile(wheel) as archive, archive.open(name) as handle:
                image = Image.open(handle)
                image = image if image.mode in ("RGB", "L") else image.convert("RGB")
                image.save(out / f"{stem}.jpg", quality=92)
            print(f"{stem}.jpg  {image.size[0]}x{image.size[1]}  {image.mode}")


if __name__ == "__main__":
    main()
