"""Class mode under a class of 30: the teacher's live view, and the answers one process takes.

1. Answers per second: one process recording a class of STUDENTS students, each answering every
   question (the tour's steps and the check before and after), through ClassStore.record in a
   loop, on SQLite (a file) and on a throwaway PostgreSQL (Debian's server, as the tests start
   it). The teacher's reads of that class (info, answers, wording) and the reports built from
   them are timed too, in this process.
2. The teacher's refresh: the app served with the timing hook in bench/perf_hook, two teachers'
   views open in headless chromium, one on a class of STUDENTS and one on a class of 1 (the
   same refreshes, alternating by themselves every 5 s: the ratio of the two does not depend
   on the machine's pace). Each round adds one answer to each class; the server time of each
   refresh (the fragment's run plus Streamlit's clean-up after it) comes from the hook's log,
   and the browser's time from the refresh's start (the app's script state turning "running")
   to the new count on the page and to the run's end (back to "notRunning"), from a
   MutationObserver in the page.

Usage: python bench/class_view.py [--rounds N] [--report FILE]
With --report (make bench: docs/bench.md), adds its section there. Nothing is asserted. Other
processes on the machine change the times: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402
from streamlit.logger import get_logger  # noqa: E402

# ui's cached functions, imported outside a server, each warn that there is no runtime
get_logger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)

from bench.harness.browser import CHROMIUM, CHROMIUM_ARGS, EXPECT_TIMEOUT_MS  # noqa: E402
from bench.harness.page_waits import wait_until_settled  # noqa: E402
from bench.harness.postgres import fresh_database, run_postgres, server_binaries  # noqa: E402
from bench.harness.server import free_port, start_app, wait_healthy  # noqa: E402
from bench.report import add_section  # noqa: E402
from serving.classes import reports  # noqa: E402
from serving.classes.store import ClassStore, NewClass, utcnow  # noqa: E402
from ui.classes.teacher import CHECK_QUESTIONS  # noqa: E402
from ui.common.classroom import question_name  # noqa: E402
from ui.common.pages import TEACH  # noqa: E402
from ui.tour.tour import STEPS  # noqa: E402

HEADING = "## Class mode with 30 students (`bench/class_view.py`)"
STUDENTS = 30
CHOICES = 4
SPACING = timedelta(seconds=0.6)  # one browser's answers: under the flood guard's 20 in 10 s


def questions() -> list[tuple[str, str, str]]:
    """(phase, name, words) of every question a student answers: the tour's and the check's."""
    tour = [
        ("tour", question_name(step.title), f"{step.title}: what do you expect the model did?")
        for step in STEPS
    ]
    check = [
        (
            phase,
            f"check.idea-{i}",
            f"Check question {i + 1} ({phase} the tour), on a model's own example",
        )
        for phase in ("before", "after")
        for i in range(CHECK_QUESTIONS)
    ]
    return tour + check


def browser_id(n: int) -> str:
    return f"bench-student-{n:04d}-xxxxxxxx"


def answer(
    store: ClassStore, code: str, student: int, index: int, question, when=None, words=True
) -> None:
    phase, name, asked = question
    pick = (student + index) % CHOICES  # a spread of choices, choice 0 the model's
    store.record(
        code,
        browser_id(student),
        name,
        phase,
        f"choice-{pick}",
        pick == 0,
        when,
        question_text=asked if words else None,
        choice_text=f"The words of choice {pick + 1}, as a student reads them" if words else None,
    )


def fill(
    store: ClassStore, made: NewClass, students: int, held: int = 0
) -> tuple[int, list[tuple[int, int]]]:
    """Every student answers every question but the last `held`: (how many answers were
    recorded, the (student, question index) pairs held back, to be answered later)."""
    every = questions()
    start = utcnow()
    count = 0
    for index, question in enumerate(every[: len(every) - held]):
        for student in range(students):
            answer(store, made.code, student, index, question, start + index * SPACING)
            count += 1
    later = [(s, i) for i in range(len(every) - held, len(every)) for s in range(students)]
    return count, later


def median_range(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"


def median_ms(work: Callable[[], object], repeats: int = 9) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def store_rates(url: str) -> tuple[int, float, float, float, float]:
    """(answers, answers per second, the same without the words, the teacher's reads ms, the
    reports ms) on one database. Two classes fill side by side, question by question, one
    with the words students saw and one without (what keeping them costs, as a ratio)."""
    store = ClassStore(url)
    try:
        made, bare = store.create_class(), store.create_class()
        spent = {True: 0.0, False: 0.0}
        start = utcnow()
        count = 0
        for index, question in enumerate(questions()):
            for words, code in ((True, made.code), (False, bare.code)):
                started = time.perf_counter()
                for student in range(STUDENTS):
                    when = start + index * SPACING
                    answer(store, code, student, index, question, when, words=words)
                spent[words] += time.perf_counter() - started
            count += STUDENTS
        key = made.teacher_key

        def reads():
            return store.info(key), store.answers(key), store.wording(key)

        _, kept, wording = reads()

        def built():
            for phase in ("tour", "before", "after"):
                for count_ in reports.question_counts(kept, phase, wording=wording):
                    count_.summary(), count_.counted()
            reports.scores(kept, CHECK_QUESTIONS)
            reports.answers_csv(kept, wording)

        return count, count / spent[True], count / spent[False], median_ms(reads), median_ms(built)
    finally:
        store.dispose()


# Before the page loads: every message the page sends to the server (a refresh is the frontend's
# timer asking for the fragment's rerun), with performance.now().
SENDS_JS = """
window.__classSends = [];
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  window.__classSends.push(performance.now());
  return send.call(this, data);
};
"""
# Pushed by the page itself: every change of the app's script state, and every change of the
# "Answers" count, with performance.now(); read back by polling window.__classRuns.
OBSERVE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const answers = () => {
    for (const metric of document.querySelectorAll('[data-testid="stMetric"]')) {
      if (metric.textContent.startsWith("Answers")) {
        return metric.querySelector('[data-testid="stMetricValue"]')?.textContent ?? null;
      }
    }
    return null;
  };
  window.__classRuns = [];
  let shown = answers();
  new MutationObserver(() => {
    window.__classRuns.push({kind: "state", value: app.dataset.testScriptState,
                             t: performance.now()});
  }).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
  new MutationObserver(() => {
    const now = answers();
    if (now !== shown) {
      shown = now;
      window.__classRuns.push({kind: "answers", value: now, t: performance.now()});
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def open_teacher(page: Page, url: str, key: str) -> None:
    page.add_init_script(SENDS_JS)
    page.goto(f"{url}/{TEACH.url_path}")
    reopen = page.get_by_label("Or reopen your class with its teacher key")
    expect(reopen).to_be_visible(timeout=EXPECT_TIMEOUT_MS)
    reopen.fill(key)
    reopen.press("Enter")
    expect(page.get_by_text("Download the anonymous answers (CSV)")).to_be_visible(
        timeout=EXPECT_TIMEOUT_MS
    )
    wait_until_settled(page)
    page.evaluate(OBSERVE_JS)


def browser_time(page: Page, expected: int, seen: int) -> tuple[float, float, int]:
    """Wait for the page to show `expected` answers and finish that run: (ms from the refresh's
    start, the page asking for it, to the new count; to the run's end or the count, whichever
    is later; events read so far)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        events = page.evaluate("() => window.__classRuns")
        shown = [
            e["t"] for e in events[seen:] if e["kind"] == "answers" and e["value"] == str(expected)
        ]
        if shown:
            sends = page.evaluate("() => window.__classSends")
            starts = [t for t in sends if t < shown[0]]
            following = [t for t in sends if t > shown[0]] + [float("inf")]
            ends = [
                e["t"]
                for e in events
                if e["kind"] == "state"
                and e["value"] == "notRunning"
                and starts[-1] < e["t"] < following[0]
            ]
            end = max([shown[0], *ends[:1]])  # a run too quick to show its state: the count
            return shown[0] - starts[-1], end - starts[-1], len(events)
        time.sleep(0.05)
    raise RuntimeError(f"the teacher's view never showed {expected} answers")


def sessions_in(log: Path) -> set[str]:
    if not log.exists():
        return set()
    return {json.loads(line)["session"] for line in log.read_text().splitlines() if line}


def refresh_costs(log: Path, session: str) -> tuple[list[float], list[float]]:
    """Wall and CPU ms of every fragment refresh of `session`: its run and the clean-up after
    (the hook's `fragment` flag is not set in this streamlit: the clean-up's event names it)."""
    records = [json.loads(line) for line in log.read_text().splitlines() if line]
    walls, cpus = [], []
    for i, record in enumerate(records):
        if record["what"] != "exec" or record["session"] != session:
            continue
        after = next(
            (r for r in records[i + 1 :] if r["what"] == "finish" and r["session"] == session),
            None,
        )
        if after is not None and "FRAGMENT" in after["event"]:
            walls.append(record["ms"] + after["ms"])
            cpus.append(record["cpu_ms"] + after["cpu_ms"])
    return walls, cpus


def teacher_refreshes(rounds: int) -> tuple[dict[str, dict], tuple[float, ...]]:
    """Per class size, the server's and the browser's times of its view's refreshes."""
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        data, log = Path(folder) / "data", Path(folder) / "runs.jsonl"
        store = ClassStore(f"sqlite:///{data / 'classes.db'}")
        big, small = f"{STUDENTS} students", "1 student"
        classes = {big: store.create_class(), small: store.create_class()}
        # each round adds one answer to each class: the last question of the next of the 30,
        # and the next of the one student's last `rounds` questions
        counts, pending = {}, {}
        counts[big], pending[big] = fill(store, classes[big], STUDENTS, held=1)
        counts[small], pending[small] = fill(store, classes[small], 1, held=rounds)
        port = free_port()
        server = start_app(
            port,
            {
                "PYTHONPATH": os.pathsep.join([str(ROOT / "bench" / "perf_hook"), str(ROOT)]),
                "PERF_HOOK_LOG": str(log),
                "CLASS_DATA_DIR": str(data),
                "DATABASE_URL": "",
            },
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                pages, sessions = {}, {}
                for name, made in classes.items():
                    before = sessions_in(log)
                    pages[name] = browser.new_context(
                        viewport={"width": 1400, "height": 1000}
                    ).new_page()
                    open_teacher(pages[name], url, made.teacher_key)
                    (sessions[name],) = sessions_in(log) - before
                    results[name] = {"to_count": [], "to_end": [], "seen": 0}
                load = [os.getloadavg()[0]]
                refreshes_before = {
                    name: len(refresh_costs(log, s)[0]) for name, s in sessions.items()
                }
                for round_ in range(rounds):
                    for name, made in classes.items():
                        student, index = pending[name][round_]
                        answer(store, made.code, student, index, questions()[index])
                        counts[name] += 1
                    for name in classes:
                        result = results[name]
                        to_count, to_end, result["seen"] = browser_time(
                            pages[name], counts[name], result["seen"]
                        )
                        result["to_count"].append(to_count)
                        result["to_end"].append(to_end)
                    load.append(os.getloadavg()[0])
                    ends = [f"{n} {results[n]['to_end'][-1]:.0f} ms" for n in classes]
                    print(f"round {round_ + 1}, in the browser: {', '.join(ends)}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
            store.dispose()
        for name, session in sessions.items():
            walls, cpus = refresh_costs(log, session)
            results[name]["server"] = walls[refreshes_before[name] :]
            results[name]["cpu"] = cpus[refreshes_before[name] :]
            results[name]["answers"] = counts[name]
    return results, (min(load), max(load))


def section(rates: dict[str, tuple], views: dict[str, dict], load: tuple[float, ...]) -> str:
    lines = [
        HEADING,
        "",
        f"A class of {STUDENTS} students, each answering all {len(questions())} questions (the "
        f"tour's {len(STEPS)} steps, the check's {CHECK_QUESTIONS} before and {CHECK_QUESTIONS} "
        "after) through `ClassStore.record` in one thread of one process; then the teacher's "
        "reads of that class (info, answers, wording: median of 9) and the reports built from "
        "them (every table's sentences and counts, the scores, the CSV).",
        "",
        "A second class filled alongside, question by question, without the words: the "
        "answers per second it took, against those with them.",
        "",
        "| database | answers | answers per second | without the words | teacher's reads ms "
        "| reports ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, (count, rate, bare, reads, built) in rates.items():
        lines.append(f"| {name} | {count} | {rate:.0f} | {bare:.0f} | {reads:.1f} | {built:.1f} |")
    lines += [
        "",
        "The teacher's view refreshing itself (every 5 s) in headless chromium, one view on a "
        f"class of {STUDENTS} and one on a class of 1, open side by side (the same server, SQLite; "
        "their refreshes alternate). Each round adds one answer to each class. Server: the "
        "fragment's run plus Streamlit's clean-up after it, per refresh (the timing hook). "
        "Browser: from the refresh's start (the page sending its rerun request) to the new "
        "answer count on the page, and to the run's end (`notRunning`) or the count, whichever "
        "is later. Milliseconds: median (range).",
        "",
        "| view | answers | refreshes | server ms | server CPU ms | browser ms to the new "
        "count | browser ms to the run's end |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, result in views.items():
        lines.append(
            f"| {name} | {result['answers']} | {len(result['server'])} | "
            f"{median_range(result['server'])} | {median_range(result['cpu'])} | "
            f"{median_range(result['to_count'])} | {median_range(result['to_end'])} |"
        )
    names = list(views)
    ratio = statistics.median(views[names[0]]["server"]) / statistics.median(
        views[names[1]]["server"]
    )
    lines += [
        "",
        f"Server time per refresh, {names[0]} against {names[1]}: {ratio:.2f}×. The machine's "
        f"load average (1 min) during the refreshes: {load[0]:.1f}–{load[1]:.1f} on "
        f"{os.cpu_count()} cores; other processes' work lengthens every time above.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="refreshes with a new answer")
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    rounds = max(2, min(args.rounds, len(questions())))
    with tempfile.TemporaryDirectory() as folder:
        rates = {"SQLite": store_rates(f"sqlite:///{Path(folder) / 'classes.db'}")}
    if server_binaries() is not None:
        with run_postgres() as server:
            rates["PostgreSQL"] = store_rates(fresh_database(server))
    else:
        print("PostgreSQL is not installed (make postgres): SQLite only")
    for name, (count, rate, bare, *_) in rates.items():
        print(f"{name}: {count} answers, {rate:.0f} a second ({bare:.0f} without the words)")
    views, load = teacher_refreshes(rounds)
    text = section(rates, views, load)
    print(text)
    if args.report:
        print(f"added to {add_section(args.report, HEADING, text)}")


if __name__ == "__main__":
    main()
