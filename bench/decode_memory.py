"""Peak memory of decoding uploads: three 64-megapixel PNGs at once, as three sessions would.

Each scenario runs in a fresh Python process that imports the app's decoder, decodes a small
photo once (so the libraries' own memory is counted before), resets the kernel's peak-RSS mark
(/proc/self/clear_refs) and then decodes: the figure is the process's peak RSS (VmHWM) minus
its RSS just before, in MB. Linux only.

Scenarios: `cnn` (load_photo, what the CNN page's decoded_photo does, in three threads at
once), `digits` (open_digit_picture and prepare_digit, the digits page's upload path, once).

Usage: python bench/decode_memory.py [--size 7990] [--threads 3] [--mode RGB]
Nothing is asserted here (tests/test_decode_memory.py asserts a generous bound).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.bad_inputs import big_digit_png  # noqa: E402


def status(field: str) -> int:
    """A /proc/self/status figure in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def measure(scenario: str, path: str, threads: int) -> float:
    """Run inside the child: peak RSS added by the decodes, in MB."""
    from models.cnn.images import load_photo
    from models.digits.prepare import open_digit_picture, prepare_digit

    data = Path(path).read_bytes()
    warm = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (64, 64), "white").save(warm, format="PNG")
    load_photo(warm.getvalue())
    open_digit_picture(warm.getvalue())
    Path("/proc/self/clear_refs").write_text("5")  # the peak mark starts again from now
    before = status("VmRSS")

    def work() -> None:
        if scenario == "cnn":
            load_photo(data)
        else:
            # "no digit" still decodes the picture, which is what is measured
            with contextlib.suppress(ValueError):
                prepare_digit(open_digit_picture(data))

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return (status("VmHWM") - before) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=7990)
    parser.add_argument("--threads", type=int, default=3)
    parser.add_argument("--mode", default="RGB")
    parser.add_argument("--child", nargs=3, metavar=("SCENARIO", "PATH", "THREADS"))
    args = parser.parse_args()
    if args.child:
        scenario, path, threads = args.child
        print(f"{measure(scenario, path, int(threads)):.0f}")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.png"
        path.write_bytes(big_digit_png(args.size, args.mode))
        kb = path.stat().st_size / 1024
        print(f"{args.size}×{args.size} {args.mode} PNG, {kb:.0f} kB")
        for scenario, threads in (("cnn", args.threads), ("cnn", 1), ("digits", 1)):
            out = subprocess.run(
                [sys.executable, __file__, "--child", scenario, str(path), str(threads)],
                capture_output=True,
                text=True,
                check=True,
            )
            print(f"{scenario:7} {threads} at once: peak +{out.stdout.strip()} MB RSS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
