"""Beyond one server: two app processes behind nginx as `make cluster` runs them (deploy/), the
Dockerfile's health check, and then a process that dies or hangs.

One cluster (tests/helpers/cluster.py) for the whole file: the tests that need both processes
as they started come first; a process is killed, then one hangs, in the last two. Browser
contexts are separate visitors with their own cookie jars; nginx's access log names, for every
request, the sticky key and the process that answered (the st_backend cookie names the process
that answered last).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import streamlit
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from bench.harness.browser import UPLOAD_INPUT
from bench.harness.page_waits import wait_until_settled
from bench.harness.paths import ROOT, SAMPLES
from bench.harness.postgres import fresh_database, server_binaries
from bench.harness.server import free_port
from deploy.cluster import NGINX
from deploy.nginx_conf import Timeouts
from serving.static_files import PLOTLY_NAME, PLOTLY_SOURCE, ensure_static_files
from tests.helpers.class_run import run_a_class
from tests.helpers.cluster import Cluster, running_cluster
from tests.helpers.websocket import assert_deflate_negotiated

COOKIE = "st_backend"  # names the process that answered last: it routes
VISITOR = "st_visitor"  # a random id per browser, only for following it in the access log
# nginx waits for an answer as long as it does when serving (10 s): a picture the process was
# slow to send under load (5 s here once, beside other tests) went to the other one, a 404.
TIMEOUTS = Timeouts(read="10s", fail="5s", websocket="45s")
HANG_AFTER = 8.0  # the hanging test's supervisor replaces a process silent this long (30 s else)
VISITOR_GAP = 1.0  # seconds between the new visitors that arrive while a process hangs
JS_TYPES = {"application/javascript", "text/javascript"}


def _fetch(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers, response.read()


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    if NGINX is None:
        pytest.skip("nginx is not installed (make nginx)")
    env = {}
    if server_binaries() is not None:  # class mode's answers: one database for both processes
        env["DATABASE_URL"] = fresh_database(request.getfixturevalue("postgres_server"))
    with running_cluster(env, TIMEOUTS) as found:
        yield found


def test_first_visit_downloads_are_gzipped(cluster: Cluster) -> None:
    _, page = _fetch(f"{cluster.proxy}/")
    assets = re.findall(
        r'(?:src|href)="\./(static/(?:js|css)/index\.[^"]+\.(?:js|css))"', page.decode()
    )
    # The main bundle, its stylesheet and what they load first.
    assert {Path(asset).suffix for asset in assets} == {".js", ".css"}, assets
    sizes = []
    for asset in assets:
        # Straight from streamlit: uncompressed even when asked (it leaves /static/ to a proxy).
        direct_headers, plain = _fetch(
            f"{cluster.backends[0]}/{asset}", {"Accept-Encoding": "gzip"}
        )
        assert direct_headers.get("Content-Encoding") is None
        headers, body = _fetch(f"{cluster.proxy}/{asset}", {"Accept-Encoding": "gzip"})
        assert headers.get("Content-Encoding") == "gzip"
        assert "Accept-Encoding" in headers.get("Vary", "")
        assert gzip.decompress(body) == plain
        sizes.append((len(plain), len(body)))
    plain_total, gzipped_total = map(sum, zip(*sizes, strict=True))
    print(f"{len(assets)} first assets: {plain_total:,} bytes, {gzipped_total:,} gzipped")
    assert gzipped_total < plain_total / 3


def test_plotly_js_is_gzipped_by_nginx_and_kept_a_year(cluster: Cluster) -> None:
    """The figures' plotly.js (the app's static folder): nginx asks a process for it plain and
    compresses it itself, and lets the browser keep it (its name carries plotly's version)."""
    ensure_static_files()  # a visitor's first run does it; none may have run on this cluster
    headers, body = _fetch(f"{cluster.proxy}/app/static/{PLOTLY_NAME}", {"Accept-Encoding": "gzip"})
    assert headers.get("Content-Encoding") == "gzip"
    assert "immutable" in headers.get("Cache-Control", "")
    assert gzip.decompress(body) == PLOTLY_SOURCE.read_bytes()
    assert len(body) < PLOTLY_SOURCE.stat().st_size / 2.5  # 3.0 at nginx's level 5


def test_the_largest_script_is_gzipped_only_for_a_browser_that_asks(cluster: Cluster) -> None:
    """Plotly's chunk (the largest of Streamlit's scripts, loaded once a page draws a chart) is
    served as application/javascript (both script types are in gzip_types): compressed when
    asked for, as it is when not."""
    scripts = Path(streamlit.__file__).parent / "static" / "static" / "js"
    largest = max(scripts.glob("*.js"), key=lambda path: path.stat().st_size)
    url = f"{cluster.proxy}/static/js/{largest.name}"
    headers, body = _fetch(url, {"Accept-Encoding": "gzip"})
    assert headers.get("Content-Type", "").split(";")[0] in JS_TYPES
    assert headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == largest.read_bytes()
    assert len(body) < largest.stat().st_size / 3
    plain_headers, plain = _fetch(url)
    assert plain_headers.get("Content-Encoding") is None
    assert plain == largest.read_bytes()


def test_the_websocket_is_compressed_through_nginx(cluster: Cluster) -> None:
    """A process of app.py answers the browser's offer of permessage-deflate (Streamlit
    compresses: server.enableWebsocketCompression in .streamlit/config.toml), and nginx passes
    the offer to the process and its answer back."""
    assert_deflate_negotiated(cluster.backends[0])
    assert_deflate_negotiated(cluster.proxy)


def test_a_new_visitor_gets_cookies_naming_the_process_that_answered(cluster: Cluster) -> None:
    headers, _ = _fetch(f"{cluster.proxy}/")
    cookies = {}
    for value in headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(value).items():
            cookies[name] = morsel
    assert {COOKIE, VISITOR} <= set(cookies)
    assert all(cookies[name]["httponly"] and cookies[name]["path"] == "/" for name in cookies)
    backend, key = cookies[COOKIE].value, cookies[VISITOR].value
    assert backend in cluster.upstreams
    jar = f"{COOKIE}={backend}; {VISITOR}={key}"
    for _ in range(3):
        headers, _ = _fetch(f"{cluster.proxy}/_stcore/health", {"Cookie": jar})
        assert not any(COOKIE in value for value in headers.get_all("Set-Cookie") or [])
    answered = {request.upstream for request in cluster.wait_for(key, "/", count=4)}
    assert answered == {backend}  # the first answer's process, then the one the cookie names


def test_nginx_runs_unprivileged(cluster: Cluster) -> None:
    master = int((cluster.prefix / "nginx.pid").read_text())
    status = Path(f"/proc/{master}/status").read_text()
    uids = re.search(r"^Uid:\s+(.*)$", status, re.MULTILINE)
    assert uids and "0" not in uids[1].split(), status


def _dockerfile_healthcheck() -> list[str]:
    dockerfile = (ROOT / "Dockerfile").read_text()
    found = re.search(r"^HEALTHCHECK .*\bCMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert found, "the Dockerfile has no HEALTHCHECK ... CMD [...] line"
    argv = json.loads(found[1])
    return [sys.executable if argv[0] == "python" else argv[0], *argv[1:]]


def test_the_dockerfile_health_check_passes_on_a_live_app_only(cluster: Cluster) -> None:
    argv = _dockerfile_healthcheck()
    for port, expected in ((urlsplit(cluster.backends[0]).port, 0), (free_port(), 1)):
        env = {**os.environ, "STREAMLIT_SERVER_PORT": str(port)}
        done = subprocess.run(argv, cwd=ROOT, env=env, timeout=30, check=False)
        assert done.returncode == expected, f"port {port}"


def test_the_dockerfile_serves_as_a_non_root_user_with_cpu_torch() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "download.pytorch.org/whl/cpu" in dockerfile
    assert re.search(r"^EXPOSE 8501$", dockerfile, re.MULTILINE)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git"} <= set(ignored)


def _big_photo(folder: Path) -> Path:
    """A 3000×2000 JPEG of about 1.6 MB: more than nginx's default 1 MB request body."""
    photo = Image.open(SAMPLES / "coffee.jpg").convert("RGB").resize((3000, 2000))
    grain = np.random.default_rng(0).integers(-12, 13, (2000, 3000, 3))
    pixels = np.clip(np.asarray(photo, dtype=np.int16) + grain, 0, 255).astype(np.uint8)
    path = folder / "coffee-big.jpg"
    Image.fromarray(pixels).save(path, quality=90)
    assert path.stat().st_size > 1_200_000
    return path


VISITORS = 3  # browser contexts, each its own cookie jar: at least one on each process


def _visitors(browser: Browser, context_args: dict, cluster: Cluster):
    """VISITORS new browser contexts, every process among them: [(context, key, upstream)].

    A context's first response gives it its cookie, and nginx's log says which process that
    cookie hashes to. A context for a process that already has its share is closed.
    """
    most = VISITORS - len(cluster.upstreams) + 1  # so that the others still get one each
    chosen: list[tuple[BrowserContext, str, str]] = []
    for _ in range(30):  # a fair coin: a miss in 30 throws once in about 100 million
        if len(chosen) == VISITORS:
            break
        context = browser.new_context(**context_args)
        assert context.request.get(f"{cluster.proxy}/_stcore/health").ok
        (key,) = [cookie["value"] for cookie in context.cookies() if cookie["name"] == VISITOR]
        upstream = cluster.wait_for(key, "/_stcore/health")[0].upstream
        if sum(upstream == taken for _, _, taken in chosen) < most:
            chosen.append((context, key, upstream))
        else:
            context.close()
    return chosen


@pytest.mark.browser
def test_visitors_stick_to_one_process_and_spread_over_both(
    cluster: Cluster, browser: Browser, browser_context_args: dict, tmp_path: Path
) -> None:
    visitors = _visitors(browser, browser_context_args, cluster)
    assert {upstream for _, _, upstream in visitors} == cluster.upstreams
    # The default sample is a cat: each visitor uploads something else and must see it named.
    photos = [(_big_photo(tmp_path), "espresso"), (SAMPLES / "china.jpg", "dome")]
    started = time.monotonic()
    uploads: list[list[int]] = [[] for _ in visitors]  # statuses of each visitor's PUTs
    try:
        pages: list[Page] = []
        for index, (context, _, _) in enumerate(visitors):  # every first load runs at once
            page = context.new_page()
            page.on(
                "response",
                lambda r, mine=uploads[index]: (
                    mine.append(r.status)
                    if r.request.method == "PUT" and "/_stcore/upload_file/" in r.url
                    else None
                ),
            )
            page.goto(f"{cluster.proxy}/CNN_feature_maps", wait_until="commit")
            pages.append(page)
        for page in pages:
            expect(page.get_by_text("Top guess:")).to_be_visible(timeout=60_000)
            wait_until_settled(page)
            page.get_by_text("Upload", exact=True).click()
        for index, page in enumerate(pages):
            dropzone = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
            expect(dropzone).to_be_attached()
            wait_until_settled(page)
            dropzone.set_input_files(photos[index % 2][0])
        for index, page in enumerate(pages):
            label = photos[index % 2][1]
            expect(page.get_by_text(f"Top guess: {label}")).to_be_visible()
            wait_until_settled(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            # The resized photo and other pictures come from the session's process, as /media/.
            page.wait_for_function(
                """() => {
                    const shown = [...document.querySelectorAll('[data-testid="stImage"] img')]
                        .filter(img => img.src.includes("/media/"));
                    return shown.length > 0
                        && shown.every(img => img.complete && img.naturalWidth > 0);
                }"""
            )
        took = time.monotonic() - started
        print(f"{len(pages)} visitors: first load, upload and result in {took:.1f} s")
    finally:
        for context, _, _ in visitors:
            context.close()  # closes the websockets, so nginx logs them
    # A PUT that reached a process without that session would get 400 and an error on the page.
    assert all(statuses and set(statuses) <= {200, 204} for statuses in uploads), uploads

    for _, key, upstream in visitors:
        for path in ("/_stcore/stream", "/_stcore/upload_file/", "/media/"):
            cluster.wait_for(key, path)
        # Everything but the scripts and styles (the same files everywhere, any process sends
        # them: Streamlit's and plotly.js) comes from the visitor's process.
        mine = [
            request
            for request in cluster.requests()
            if request.key == key and not request.path.startswith(("/static/", "/app/static/"))
        ]
        assert {request.upstream for request in mine} == {upstream}, mine
        assert [r.status for r in mine if r.path.startswith("/_stcore/stream")] == [101]
        puts = [r for r in mine if r.method == "PUT"]
        assert puts and all(r.status in (200, 204) for r in puts), puts
        # The frontend probes /CNN_feature_maps/_stcore/... for a base path: 404s by design.
        assert not [r for r in mine if r.status >= 500], mine
        for r in mine:
            assert r.status < 400 or r.path.startswith("/CNN_feature_maps/_stcore/"), r
    # No failed request between nginx and the processes (each would be retried elsewhere).
    errors = (cluster.prefix / "logs" / "error.log").read_text()
    assert not re.findall(r"^.* \[(?:error|crit|alert|emerg)\] .*$", errors, re.MULTILINE)


# Two students on each process: what this adds to the eight on SQLite (test_browser_class_run)
# is a database shared by two processes, which every student pinned to either shows. A student
# costs seconds of the machine's CPU: about 4 s of chromium's in a class on SQLite, for a
# browser context of its own and two page loads (docs/bench-history.md), more with the tour.
STUDENTS_PER_PROCESS = 2


@pytest.mark.browser
def test_a_class_on_two_processes_shares_one_database(
    cluster: Cluster, browser: Browser, browser_context_args: dict
) -> None:
    """A teacher and a class run end to end on PostgreSQL through nginx, the students pinned
    to both processes: the teacher, on either, counts every student and every answer."""
    if cluster.database is None:
        pytest.skip("PostgreSQL is not installed (make postgres)")
    students = []
    for port in cluster.ports:
        for _ in range(STUDENTS_PER_PROCESS):
            context = browser.new_context(**browser_context_args)
            context.add_cookies([cookie_for(cluster, port)])
            students.append((context, port))
    teacher = browser.new_context(**browser_context_args)
    try:
        run_a_class(teacher.new_page(), cluster.proxy, [context for context, _ in students])
        # every student's answers went through their own process (nginx keeps the cookie)
        assert [backend_of(context) for context, _ in students] == [p for _, p in students]
    finally:
        for context in (teacher, *(context for context, _ in students)):
            context.close()


RESTARTED = "The server restarted, so this page was rebuilt from its address."
# Notes in the page the moment (epoch ms) the notice first shows: polled every 50 ms from before
# the kill, so a measured delay does not depend on when the test gets round to looking.
WATCH_NOTICE = """(text) => {
  window.__noticeAt = null;
  const timer = setInterval(() => {
    const alerts = [...document.querySelectorAll('[data-testid="stAlert"]')];
    if (alerts.some((alert) => alert.textContent.includes(text))) {
      window.__noticeAt = Date.now();
      clearInterval(timer);
    }
  }, 50);
}"""
SENTENCE = "the plot was thin but I did not mind at all"
CHOSEN = '[data-testid="stRadioOption"][data-selected="true"]'


def watch_for_notice(page: Page) -> None:
    page.evaluate(WATCH_NOTICE, RESTARTED)


def notice_after(page: Page, killed_at: float) -> float:
    """Seconds from the kill (time.time()) to the notice, once the page shows it by itself:
    nothing is clicked or pressed."""
    expect(page.get_by_text(RESTARTED)).to_be_visible(timeout=30_000)
    return page.evaluate("window.__noticeAt") / 1000 - killed_at


def wait_for_restart(cluster: Cluster, restarts: int, seconds: float) -> None:
    """Until the supervisor starts a process again (beyond `restarts`), for `seconds` at most."""
    deadline = time.monotonic() + seconds
    while len(cluster.supervisor.restarts) == restarts and time.monotonic() < deadline:
        time.sleep(0.1)


def wait_restarted(cluster: Cluster, port: int, restarts: int) -> None:
    """Until the supervisor has started the killed process again and it answers."""
    wait_for_restart(cluster, restarts, 60)
    assert [(r.port, r.reason) for r in cluster.supervisor.restarts[restarts:]] == [
        (port, "exited")
    ]
    cluster.wait_up(port)


def chosen_model(page: Page) -> Locator:
    """The LSTM page's chosen model (its radio comes first in the sidebar)."""
    return page.locator(f'[data-testid="stSidebar"] label{CHOSEN}').first


def choose_model(page: Page, title: str) -> None:
    """From the GRU, which the tabs' addresses name, to the model called `title`."""
    expect(chosen_model(page)).to_contain_text("Sentiment GRU")
    options = page.locator('[data-testid="stSidebar"] label[data-testid="stRadioOption"]')
    options.filter(has_text=title).click()
    expect(chosen_model(page)).to_contain_text(title)


def cookie_for(cluster: Cluster, port: int) -> dict:
    """The sticky cookie that sends a browser to the process on `port`."""
    return {"name": "st_backend", "value": f"127.0.0.1:{port}", "url": cluster.proxy}


def backend_of(context: BrowserContext) -> int:
    (value,) = [c["value"] for c in context.cookies() if c["name"] == "st_backend"]
    return int(value.rsplit(":", 1)[1])


def settled_page(context: BrowserContext, url: str, ready: str) -> Page:
    page = context.new_page()
    page.goto(url)
    expect(page.get_by_text(ready).first).to_be_visible(timeout=90_000)
    wait_until_settled(page)
    return page


@dataclass
class Tab:
    name: str
    context: BrowserContext
    page: Page
    check: str  # text the page shows once its state is back
    puts: list[int]


def open_visitors(browser: Browser, cluster: Cluster, victim: int, survivor: int) -> list[Tab]:
    """Four visitors in four states: the sentence and the upload on `victim`, the process about
    to be killed, the sample and the tour on `survivor`, which has served pages before the tabs
    move to it (as in a running class: a process's first run also imports the models)."""
    sentence = f"LSTM_hidden_states?model=gru&text={SENTENCE}"
    plans = [
        ("sample", survivor, "CNN_feature_maps?sample=coffee", "Top guess", "Top guess: espresso"),
        ("sentence", victim, sentence, "What the model reads", "What the model reads: 11 words"),
        ("tour", survivor, "tour?step=3", "Step 3 of 11", "Step 3 of 11"),
        ("upload", victim, "CNN_feature_maps", "Top guess", "could not be kept"),
    ]  # fmt: skip
    visitors = []
    for name, port, path, ready, check in plans:
        context = browser.new_context()
        context.add_cookies([cookie_for(cluster, port)])
        puts: list[int] = []
        page = settled_page(context, f"{cluster.proxy}/{path}", ready)
        assert backend_of(context) == port, name
        page.on(
            "response",
            lambda r, mine=puts: mine.append(r.status) if r.request.method == "PUT" else None,
        )
        visitors.append(Tab(name, context, page, check, puts))
    upload = visitors[-1].page
    upload.get_by_text("Upload", exact=True).click()
    wait_until_settled(upload)
    upload.locator(UPLOAD_INPUT).set_input_files(SAMPLES / "china.jpg")
    expect(upload.get_by_text("cannot travel in a link")).to_be_visible()
    wait_until_settled(upload)
    return visitors


@pytest.mark.browser
def test_a_killed_process_loses_no_one_and_its_return_breaks_no_upload(
    browser: Browser, cluster: Cluster
) -> None:
    """Two tabs are on the process that is killed. Each shows the notice with nothing clicked
    and its state is back; the visitor's first action after the move (another model, another
    photo) is what the page shows; every session, moved or not, then uploads a photo."""
    victim, survivor = cluster.ports[1], cluster.ports[0]
    logged = len(cluster.log_lines())  # the tests before this one's requests are theirs
    visitors = open_visitors(browser, cluster, victim, survivor)
    moved = [v for v in visitors if backend_of(v.context) == victim]
    assert [v.name for v in moved] == ["sentence", "upload"]
    sockets: dict[str, list] = {v.name: [] for v in moved}  # websockets opened after the kill
    for visitor in moved:
        visitor.page.on("websocket", lambda socket, mine=sockets[visitor.name]: mine.append(socket))
    for visitor in moved:
        watch_for_notice(visitor.page)
    try:
        killed_at, killed = time.time(), cluster.pid(victim)
        os.kill(killed, signal.SIGKILL)
        notices = {}
        for visitor in moved:  # each reconnects and runs again by itself: nothing is clicked
            notices[visitor.name] = notice_after(visitor.page, killed_at)
            assert sockets[visitor.name]  # on a websocket opened after the kill
            expect(visitor.page.get_by_text(visitor.check).first).to_be_visible(timeout=60_000)
            wait_until_settled(visitor.page)
            # The session lives on in a live process: the other one, or (when the supervisor
            # brought the killed one back on its port before the reconnect) its replacement.
            serving = backend_of(visitor.context)
            assert serving != victim or cluster.pid(victim) != killed, serving
            assert visitor.page.locator('[data-testid="stException"]').count() == 0
        print("kill to notice (s):", {k: round(v, 2) for k, v in notices.items()})

        lstm = moved[0].page  # its first action after the move takes effect, and stays
        choose_model(lstm, "Sentiment LSTM")
        expect(lstm).not_to_have_url(re.compile("model=gru"))
        wait_until_settled(lstm)
        expect(chosen_model(lstm)).to_contain_text("Sentiment LSTM")

        # The supervisor started the killed process again; new visitors may go there.
        wait_restarted(cluster, victim, 0)

        for visitor in visitors:  # every session uploads a photo and sees it: no 400, no 404
            page = visitor.page
            page.locator('[data-testid="stSidebarNav"] a', has_text="CNN feature maps").click()
            expect(page.get_by_role("heading", name="CNN feature maps")).to_be_visible()
            expect(page.get_by_text("Upload", exact=True)).to_be_visible(timeout=60_000)
            wait_until_settled(page)
            page.get_by_text("Upload", exact=True).click()
            expect(page.locator(UPLOAD_INPUT)).to_be_attached()
            wait_until_settled(page)
            expect(page.locator(f"label{CHOSEN}").filter(has_text="Upload")).to_have_count(1)
            page.locator(UPLOAD_INPUT).set_input_files(SAMPLES / "coffee.jpg")
            expect(page.get_by_text("Top guess: espresso")).to_be_visible(timeout=60_000)
            wait_until_settled(page)
            page.wait_for_function(
                """() => [...document.querySelectorAll('[data-testid="stImage"] img')]
                        .every(img => img.complete && img.naturalWidth > 0)"""
            )
            assert visitor.puts and set(visitor.puts) <= {200, 204}, (visitor.name, visitor.puts)
    finally:
        for visitor in visitors:
            visitor.context.close()
    # The frontend probes /<page>/_stcore/... for a base path: 404s by design. A picture of a
    # run that was replaced may be asked for once more, and be gone (seen once, on a slow
    # spell, from the process the killed one's sessions moved to). What the pages show was
    # checked above: every picture loaded. Nothing else may fail.
    unexpected = [
        line
        for line in cluster.errors(since=logged)
        if "/_stcore/" not in line.split('"')[1]
        and not (" status=404 " in line and '"GET /media/' in line)
    ]
    assert not unexpected, unexpected[:5]


def new_visitor(newcomers: BrowserContext, cluster: Cluster, cookies: list | None = None) -> int:
    """A new visitor opens Home through nginx; returns the port of the process that answered.

    `newcomers` is one context for every new visitor of a test: its cookies are cleared first, so
    nginx sees a browser it does not know, and its cache keeps the app's scripts, which a new
    context would fetch and compile again (seconds of a busy machine's time per visitor)."""
    newcomers.clear_cookies()
    if cookies:
        newcomers.add_cookies(cookies)
    started = time.monotonic()
    page = newcomers.new_page()
    try:
        page.goto(f"{cluster.proxy}/", timeout=60_000)
        # A process just started loads the models on its first run: that can take a while.
        expect(page.get_by_text("Inside neural networks")).to_be_visible(timeout=60_000)
        print(f"a new visitor served in {time.monotonic() - started:.1f} s")
        return backend_of(newcomers)
    finally:
        page.close()


@pytest.mark.browser
def test_a_hanging_process_is_passed_over_then_replaced(browser: Browser, cluster: Cluster) -> None:
    hung = cluster.ports[0]
    cluster.supervisor.hang_after = HANG_AFTER
    stopped = cluster.supervisor.processes[hung]
    restarts = len(cluster.supervisor.restarts)
    context = browser.new_context()  # a tab on the process about to hang
    context.add_cookies([cookie_for(cluster, hung)])
    address = f"{cluster.proxy}/LSTM_hidden_states?model=gru&text={SENTENCE}"
    tab = settled_page(context, address, "What the model reads")
    assert backend_of(context) == hung
    newcomers = browser.new_context()
    stopped.send_signal(signal.SIGSTOP)
    try:
        # The visitor picks another model: the run it asks for waits on the stopped process,
        # and reaches the other one once the supervisor kills this one: the rebuilding run.
        choose_model(tab, "Sentiment LSTM")
        served = []  # new visitors keep coming while the supervisor waits HANG_AFTER
        deadline = time.monotonic() + HANG_AFTER + 60
        while len(cluster.supervisor.restarts) == restarts or len(served) < 2:
            assert time.monotonic() < deadline, "the supervisor did not replace the process"
            served.append(new_visitor(newcomers, cluster))
            # Never the stopped process; its replacement, on the same port, may serve them.
            assert served[-1] != hung or len(cluster.supervisor.restarts) > restarts
            # The next one comes after VISITOR_GAP, or as soon as the process is replaced: a
            # page load costs the machine a second of CPU, and a steady stream tells as much.
            wait_for_restart(cluster, restarts, VISITOR_GAP)
        (replaced,) = cluster.supervisor.restarts[restarts:]
        assert (replaced.port, replaced.reason) == (hung, "hung")
        assert stopped.poll() is not None  # killed, not left stopped beside its replacement
        expect(tab.get_by_text(RESTARTED)).to_be_visible(timeout=30_000)
        expect(tab).not_to_have_url(re.compile("model=gru"))  # the click took effect
        wait_until_settled(tab)
        expect(chosen_model(tab)).to_contain_text("Sentiment LSTM")  # and the radio shows it
        expect(tab.get_by_text(RESTARTED)).to_be_visible()
    finally:
        context.close()
        if stopped.poll() is None:
            stopped.send_signal(signal.SIGCONT)
    cluster.wait_up(hung)
    # A visitor whose cookie names the replaced process is served by it again, once nginx tries
    # it again: the moved tab's reconnect found it down, so it is left out for TIMEOUTS.fail.
    deadline = time.monotonic() + 30
    try:
        while new_visitor(newcomers, cluster, [cookie_for(cluster, hung)]) != hung:
            assert time.monotonic() < deadline, "the replaced process got no visitor back"
    finally:
        newcomers.close()
