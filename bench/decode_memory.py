"""Peak memory of decoding uploads: three 64-megapixel PNGs at once, as three sessions would.

Each scenario runs in a fresh Python process that imports the app's decoder, decodes a small
photo once (so the libraries' own memory is counted before), resets the kernel's peak-RSS mark
(/proc/self/clear_refs) and then decodes: the figure is the process's peak RSS (VmHWM) minus
its RSS just before, in MB. Linux only.

Scenarios: `cnn` (load_photo, what the CNN page's decoded_photo does, in three threads at
once), `digits` (open_digit_picture and prepare_digit, the digits page's upload path, once).

With --server, also the real thing: the app's server process (MALLOC_ARENA_MAX=2, as `make
run`) with three browser tabs on the CNN page, each sending the PNG, their reruns held until
all three have sent it and then let go together (server_bench's Gate), and one
tab sending it to the digits page; the figure is the server's peak RSS (its VmHWM, reset once
the tabs are open) minus its RSS then, read after every tab shows its result.

Usage: python bench/decode_memory.py [--size 7990] [--threads 3] [--mode RGB] [--server]
Nothing is asserted here (tests/test_decode_memory.py asserts a generous bound).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import struct
import subprocess
import sys
import tempfile
import threading
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness.heavy_pictures import big_digit_png  # noqa: E402


def status(field: str, pid: int | str = "self") -> int:
    """A /proc/PID/status figure in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
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


def server_peaks(path: Path, tabs: int) -> dict[str, str]:
    """Peak RSS (MB) the server added while `tabs` CNN tabs, then one digits tab, got `path`."""
    from playwright.sync_api import expect, sync_playwright

    from bench.harness.browser import CHROMIUM, CHROMIUM_ARGS, UPLOAD_INPUT, open_cnn_upload_mode
    from bench.harness.page_waits import wait_until_settled
    from bench.harness.server import free_port, start_app, wait_healthy
    from bench.server_bench import Gate

    port = free_port()
    server = start_app(port, {"MALLOC_ARENA_MAX": "2"})
    url = f"http://127.0.0.1:{port}"
    peaks = {}

    def reset() -> int:
        Path(f"/proc/{server.pid}/clear_refs").write_text("5")
        return status("VmRSS", server.pid)

    def added(before: int) -> str:
        peak = status("VmHWM", server.pid)
        return f"{(peak - before) / 1024:.0f} MB RSS ({before / 1024:.0f} to {peak / 1024:.0f} MB)"

    try:
        wait_healthy(url, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            gate = Gate()  # holds each tab's rerun until all have uploaded: they arrive at once
            pages = [browser.new_context().new_page() for _ in range(tabs)]
            for page in pages:
                gate.route(page)
            uploaders = [open_cnn_upload_mode(page, url) for page in pages]
            before = reset()
            gate.closed = True
            for number, uploader in enumerate(uploaders):  # three files: decoded_photo would
                copy = path.with_name(f"upload{number}.png")  # decode one file once for all
                copy.write_bytes(with_comment(path.read_bytes(), f"upload {number}"))
                uploader.set_input_files(str(copy))
            while gate.waiting() < tabs:
                pages[0].wait_for_timeout(20)  # lets Playwright deliver the pages' messages
            gate.open()
            for page in pages:
                expect(page.get_by_text(f"{args_size(path)}, mode")).to_be_visible(timeout=120_000)
                wait_until_settled(page)
            peaks[f"server, {tabs} CNN tabs at once"] = added(before)
            digits = browser.new_context().new_page()
            digits.goto(f"{url}/digits")
            expect(digits.get_by_text("Upload", exact=True)).to_be_visible(timeout=60_000)
            wait_until_settled(digits)
            digits.get_by_text("Upload", exact=True).click()
            expect(digits.locator(UPLOAD_INPUT)).to_be_attached(timeout=60_000)
            wait_until_settled(digits)
            before = reset()
            digits.locator(UPLOAD_INPUT).set_input_files(str(path))
            expect(digits.get_by_text("CNN: all at once")).to_be_visible(timeout=120_000)
            wait_until_settled(digits)
            peaks["server, 1 digits tab"] = added(before)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return peaks


def with_comment(png: bytes, comment: str) -> bytes:
    """The same PNG with a tEXt chunk added after its header: other bytes, the same picture."""
    body = b"Comment\0" + comment.encode()
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + body))
    header_end = 8 + 8 + 13 + 4  # signature, then IHDR's length, type, 13 bytes and checksum
    return png[:header_end] + chunk + png[header_end:]


def args_size(path: Path) -> str:
    """ "W×H" of a picture file, as the CNN page's caption writes it."""
    from PIL import Image

    with Image.open(path) as image:
        return f"{image.width}×{image.height}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=7990)
    parser.add_argument("--threads", type=int, default=3)
    parser.add_argument("--mode", default="RGB")
    parser.add_argument("--server", action="store_true", help="also measure the app's server")
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
        if args.server:
            for name, peak in server_peaks(path, args.threads).items():
                print(f"{name}: peak +{peak}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
