"""What the LSTM page costs the browser, against an app that draws only its heatmap.

Servers of the app (as `make run` serves it, serve.py; and app.py bare, alone and behind the
project's nginx) and of bench/apps/heatmap_only.py (the page's heatmap by the page's own code),
one headless chromium. Bytes a fresh browser downloads to open each (CDP's encoded sizes of
every response, so compressed where it was sent so, and its websocket messages, which CDP
reports inflated). Then new 30-word
sentences typed into the `make run` page and the heatmap-only app in turn (alternating
samples): the browser main thread's CPU (CDP Performance.getMetrics TaskDuration), the time
from the Enter key to the heatmap's first draw, plotly draws per chart (its "plotly_afterplot"
events), websocket bytes, and the page's DOM nodes. Prints medians and the page's ratios to
the heatmap-only app. Then serve.py twice, with `server.enableWebsocketCompression` off and on,
each behind a relay that counts the bytes on the wire (bench/harness/wire.py): the websocket's
bytes for a cold open and for new sentences, and the server's CPU per sentence, alternating.

Usage: python bench/page_weight.py [--repeats N] [--report FILE] [--compression-only]
Nothing here is asserted: tests count draws and sections, this prints costs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from bench.harness.page_waits import SETTLE_POLL_MS, wait_until_settled  # noqa: E402
from bench.harness.plotly_draws import DRAWS_JS  # noqa: E402
from bench.harness.server import free_port, wait_healthy  # noqa: E402
from bench.harness.traffic import Traffic  # noqa: E402
from bench.harness.wire import wire_tap  # noqa: E402
from bench.server_bench import SENTENCES  # noqa: E402
from deploy.cluster import app_command, start_nginx  # noqa: E402

LSTM_PATH = "LSTM_hidden_states"
HEATMAP = "lstm_watch"  # the heatmap's element key on both pages
BOX = "Your text (press Enter to read it)"
QUIET_MS = 700  # no plotly draw for this long after the page settled: the action is done

QUIET_JS = """(quiet) => {
  const draws = window.__draws;
  const last = draws.length ? draws[draws.length - 1].t : 0;
  return performance.now() - last > quiet;
}"""


@dataclass
class Sample:
    cpu_ms: float  # the renderer's main thread, from Enter to the last draw
    first_heatmap_ms: float  # Enter to the heatmap's first draw
    draws: dict[str, int]  # plotly draws per chart key
    kb: float  # websocket bytes
    nodes: int  # DOM elements once done


@contextmanager
def serve_process(script: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """A Streamlit server of `script` on a free port (serve.py: as `make run` serves the app),
    with Streamlit's command-line `options` added; yields (its URL, its process)."""
    port = free_port()
    argv = [*app_command(port, script), *options]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MALLOC_ARENA_MAX": "2"}
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def serve(script: Path) -> Iterator[str]:
    with serve_process(script) as (url, _):
        yield url


@contextmanager
def behind_nginx(backend: str) -> Iterator[str | None]:
    """The project's nginx in front of `backend`, or None when nginx is not installed."""
    with tempfile.TemporaryDirectory(prefix="weight-nginx-") as folder:
        port = free_port()
        try:
            nginx = start_nginx(Path(folder), f"127.0.0.1:{port}", [backend.split("//")[1]])
        except RuntimeError:
            yield None
            return
        try:
            wait_healthy(f"http://127.0.0.1:{port}", nginx, timeout=30)
            yield f"http://127.0.0.1:{port}"
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)


def wait_drawn(page: Page, since: int) -> None:
    """Until the heatmap has been drawn after draw number `since`, the page has settled, and
    plotly has drawn nothing for QUIET_MS."""
    page.wait_for_function(
        "([since, key]) => window.__draws.slice(since).some((d) => d.key === key)",
        arg=[since, HEATMAP],
        polling=SETTLE_POLL_MS,
        timeout=120_000,
    )
    wait_until_settled(page)
    page.wait_for_function(QUIET_JS, arg=QUIET_MS, polling=SETTLE_POLL_MS, timeout=60_000)


def cold_open(browser: Browser, url: str) -> tuple[float, float, int]:
    """A fresh browser opens the page: (HTTP kB, websocket kB, requests) until its charts are
    drawn and the page is quiet."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.add_init_script(DRAWS_JS)
    received = Traffic()
    received.watch(page)
    requests: list[str] = []
    page.on("requestfinished", lambda request: requests.append(request.url))
    page.goto(url)
    wait_drawn(page, 0)
    context.close()
    return received.http / 1000, received.websocket / 1000, len(requests)


def main_thread_ms(page: Page, client) -> float:
    metrics = client.send("Performance.getMetrics")["metrics"]
    return 1000 * next(m["value"] for m in metrics if m["name"] == "TaskDuration")


def open_for_sentences(browser: Browser, url: str) -> tuple[Page, object, Traffic]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.add_init_script(DRAWS_JS)
    received = Traffic()
    received.watch(page)
    client = context.new_cdp_session(page)
    client.send("Performance.enable", {"timeDomain": "threadTicks"})
    page.goto(url)
    wait_drawn(page, 0)
    return page, client, received


def new_sentence(page: Page, client, received: Traffic, text: str) -> Sample:
    since = page.evaluate("window.__draws.length")
    websocket = received.websocket
    box = page.get_by_label(BOX)
    box.fill(text)
    before = main_thread_ms(page, client)
    box.press("Enter")
    wait_drawn(page, since)
    cpu = main_thread_ms(page, client) - before
    draws, enter = page.evaluate("[window.__draws, window.__enter]")
    new = draws[since:]
    first = min(d["t"] for d in new if d["key"] == HEATMAP) - enter
    counts: dict[str, int] = {}
    for draw in new:
        counts[draw["key"]] = counts.get(draw["key"], 0) + 1
    nodes = page.evaluate("document.getElementsByTagName('*').length")
    return Sample(cpu, first, counts, (received.websocket - websocket) / 1000, nodes)


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(page: list[Sample], alone: list[Sample], opens: dict[str, tuple]) -> list[str]:
    def row(what: str, get, unit: str, digits: int = 0) -> str:
        a, b = median([get(s) for s in page]), median([get(s) for s in alone])
        return f"| {what} | {a:,.{digits}f} {unit} | {b:,.{digits}f} {unit} | {a / b:.2f}x |"

    def draws_per_chart(sample: Sample) -> float:
        return sum(sample.draws.values()) / len(sample.draws)

    lines = [
        "| new 30-word sentence (median) | LSTM page | heatmap only | ratio |",
        "|---|---|---|---|",
        row("browser main-thread CPU", lambda s: s.cpu_ms, "ms"),
        row("Enter to the heatmap drawn", lambda s: s.first_heatmap_ms, "ms"),
        row("plotly draws per chart", draws_per_chart, "", 2),
        row("charts drawn", lambda s: len(s.draws), ""),
        row("websocket", lambda s: s.kb, "kB", 1),
        row("DOM elements", lambda s: s.nodes, ""),
        "",
        "| a fresh browser opens | HTTP | websocket | responses |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {what} | {http:,.0f} kB | {ws:,.1f} kB | {count} |"
        for what, (http, ws, count) in opens.items()
    ]
    lines.append("")
    lines.append(f"draws per chart, last page sample: {page[-1].draws}")
    return lines


COMPRESSION = "--server.enableWebsocketCompression"


def process_cpu_ms(process: subprocess.Popen) -> float:
    """The process's user and system CPU so far (Linux's /proc)."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def compression(browser: Browser, sentences: list[str]) -> list[str]:
    """serve.py with websocket compression off and on, each behind a WireTap: the websocket's
    bytes on the wire for a cold open of the LSTM page and for new sentences, and the server's
    CPU per sentence, the two servers' samples alternating."""
    script = ROOT / "serve.py"
    with (
        serve_process(script, COMPRESSION, "false") as (off, off_process),
        serve_process(script, COMPRESSION, "true") as (on, on_process),
        wire_tap(off) as (off_url, off_tap),
        wire_tap(on) as (on_url, on_tap),
    ):
        sides = [(off_url, off_tap, off_process), (on_url, on_tap, on_process)]
        for url, _, _ in sides:  # a first visit computes each server's caches: not counted
            cold_open(browser, f"{url}/{LSTM_PATH}")
        opens: list[list[float]] = [[], []]
        for n in range(2):
            for which in (0, 1) if n % 2 == 0 else (1, 0):
                url, tap, _ = sides[which]
                before = tap.websocket_bytes()
                cold_open(browser, f"{url}/{LSTM_PATH}")
                opens[which].append((tap.websocket_bytes() - before) / 1000)
        pages = [open_for_sentences(browser, f"{url}/{LSTM_PATH}") for url, _, _ in sides]
        wire: list[list[float]] = [[], []]
        inflated: list[list[float]] = [[], []]  # what the browser's DevTools count
        cpu: list[list[float]] = [[], []]
        for n, text in enumerate(sentences):
            for which in (0, 1) if n % 2 == 0 else (1, 0):
                _, tap, process = sides[which]
                before, started = tap.websocket_bytes(), process_cpu_ms(process)
                inflated[which].append(new_sentence(*pages[which], text).kb)
                wire[which].append((tap.websocket_bytes() - before) / 1000)
                cpu[which].append(process_cpu_ms(process) - started)
        for page, _, _ in pages:
            page.context.close()

    def row(what: str, values: list[list[float]], unit: str, digits: int) -> str:
        a, b = median(values[0]), median(values[1])
        return f"| {what} | {a:,.{digits}f} {unit} | {b:,.{digits}f} {unit} | {b / a:.2f}x |"

    return [
        "| `server.enableWebsocketCompression`, serve.py (median) | off | on | on/off |",
        "|---|---|---|---|",
        row("a cold open of the LSTM page: websocket bytes on the wire", opens, "kB", 1),
        row("a new 30-word sentence: websocket bytes on the wire", wire, "kB", 1),
        row("a new 30-word sentence: its messages as the browser reads them", inflated, "kB", 1),
        row("a new 30-word sentence: the server's CPU", cpu, "ms", 0),
        f"| the server's CPU over all {len(sentences)} sentences | {sum(cpu[0]):,.0f} ms "
        f"| {sum(cpu[1]):,.0f} ms | {sum(cpu[1]) / sum(cpu[0]):.2f}x |",
        "",
        "(bytes on the wire counted by a relay in front of each server, bench/harness/wire.py; "
        "the CPU from /proc in 10 ms ticks)",
    ]


def against_heatmap_only(browser: Browser, sentences: list[str]) -> list[str]:
    """Cold opens of every way the page is served, then new sentences on the `make run` page and
    the heatmap-only app in turn."""
    with (
        serve(ROOT / "serve.py") as app,
        serve(ROOT / "app.py") as bare,
        serve(ROOT / "bench" / "apps" / "heatmap_only.py") as alone,
        behind_nginx(bare) as proxy,
    ):
        # A first visit computes each server's caches: not counted.
        cold_open(browser, f"{app}/{LSTM_PATH}")
        cold_open(browser, f"{bare}/{LSTM_PATH}")
        opens = {
            "the LSTM page, `streamlit run app.py`": cold_open(browser, f"{bare}/{LSTM_PATH}"),
            "the LSTM page, `make run` (serve.py)": cold_open(browser, f"{app}/{LSTM_PATH}"),
        }
        if proxy:
            opens["the LSTM page, through nginx"] = cold_open(browser, f"{proxy}/{LSTM_PATH}")
        opens["the heatmap-only app, `streamlit run`"] = cold_open(browser, alone)
        pages = [
            open_for_sentences(browser, f"{app}/{LSTM_PATH}"),
            open_for_sentences(browser, alone),
        ]
        samples: list[list[Sample]] = [[], []]
        for n, text in enumerate(sentences):
            order = (0, 1) if n % 2 == 0 else (1, 0)
            for which in order:
                samples[which].append(new_sentence(*pages[which], text))
        for page, _, _ in pages:
            page.context.close()
    return report(samples[0], samples[1], opens)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="sentences per app")
    parser.add_argument("--report", type=Path, help="append the tables to this markdown file")
    parser.add_argument(
        "--compression-only", action="store_true", help="only websocket compression off and on"
    )
    args = parser.parse_args()
    load = os.getloadavg()
    sentences = (SENTENCES * (args.repeats // len(SENTENCES) + 1))[: args.repeats]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        lines = [] if args.compression_only else [*against_heatmap_only(browser, sentences), ""]
        lines += compression(browser, sentences)
        browser.close()
    machine = (
        f"{platform.node()}: {os.cpu_count()} CPUs; load average {load[0]:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end; {args.repeats} sentences per app, alternating"
    )
    print(machine)
    print("\n".join(lines))
    if args.report:
        with args.report.open("a") as out:
            out.write(f"\n## Page weight (bench/page_weight.py)\n\n{machine}\n\n")
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
