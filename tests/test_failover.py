"""A process dies or hangs behind nginx, and nobody loses their work without a word.

Two app processes and nginx as `make cluster` runs them (deploy/cluster.py: a shared cookie
secret, a supervisor that starts a dead process again). Browser contexts are visitors with
their own cookies; the st_backend cookie names the process that answered each one last.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from bench.harness.browser import UPLOAD_INPUT
from bench.harness.page_waits import wait_until_settled
from bench.harness.paths import SAMPLES
from bench.harness.server import free_port, wait_healthy
from deploy.cluster import NGINX, Supervisor, start_app, start_nginx
from deploy.nginx_conf import Timeouts

pytestmark = pytest.mark.browser
# nginx waits for an answer as long as it does when serving (10 s): a picture the process was
# slow to send under load (5 s here once, beside other tests) went to the other one, a 404.
TIMEOUTS = Timeouts(read="10s", fail="5s", websocket="45s")
HANG_AFTER = 8.0  # the supervisor replaces a process silent this long (30 s by default)
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


@dataclass
class Cluster:
    proxy: str
    ports: list[int]
    supervisor: Supervisor
    prefix: Path

    def pid(self, port: int) -> int:
        return self.supervisor.processes[port].pid

    def wait_up(self, port: int, timeout: float = 60.0) -> None:
        """Until the process answers, and the supervisor has seen it answer."""
        wait_healthy(f"http://127.0.0.1:{port}", self.supervisor.processes[port], timeout)
        deadline = time.monotonic() + timeout
        while self.supervisor.answered[port] is None:
            assert time.monotonic() < deadline, f"the supervisor never saw {port} answer"
            time.sleep(0.05)

    def errors(self) -> list[str]:
        text = (self.prefix / "logs" / "access.log").read_text()
        return [line for line in text.splitlines() if re.search(r" status=(400|404|5\d\d) ", line)]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if NGINX is None:
        pytest.skip("nginx is not installed (make nginx)")
    ports = sorted({free_port() for _ in range(2)})
    prefix = Path(tempfile.mkdtemp(prefix="failover-"))
    shared = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(16)}
    supervisor = Supervisor(ports, lambda port: start_app(port, shared), hang_after=HANG_AFTER)
    proxy_port = free_port()
    nginx = start_nginx(
        prefix, f"127.0.0.1:{proxy_port}", [f"127.0.0.1:{p}" for p in ports], TIMEOUTS
    )
    watcher = threading.Thread(target=supervisor.watch, args=(0.2,), daemon=True)
    watcher.start()
    found = Cluster(f"http://127.0.0.1:{proxy_port}", ports, supervisor, prefix)
    try:
        for port in ports:
            found.wait_up(port)
        wait_healthy(found.proxy, nginx, 30)
        yield found
    finally:
        supervisor.stop()
        nginx.terminate()
        nginx.wait(timeout=10)
        shutil.rmtree(prefix, ignore_errors=True)


def watch_for_notice(page: Page) -> None:
    page.evaluate(WATCH_NOTICE, RESTARTED)


def notice_after(page: Page, killed_at: float) -> float:
    """Seconds from the kill (time.time()) to the notice, once the page shows it by itself:
    nothing is clicked or pressed."""
    expect(page.get_by_text(RESTARTED)).to_be_visible(timeout=30_000)
    return page.evaluate("window.__noticeAt") / 1000 - killed_at


def wait_restarted(cluster: Cluster, port: int, restarts: int) -> None:
    """Until the supervisor has started the killed process again and it answers."""
    deadline = time.monotonic() + 60
    while len(cluster.supervisor.restarts) == restarts and time.monotonic() < deadline:
        time.sleep(0.1)
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
class Visitor:
    name: str
    context: BrowserContext
    page: Page
    check: str  # text the page shows once its state is back
    puts: list[int]


def open_visitors(browser: Browser, cluster: Cluster, victim: int, survivor: int) -> list[Visitor]:
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
        visitors.append(Visitor(name, context, page, check, puts))
    upload = visitors[-1].page
    upload.get_by_text("Upload", exact=True).click()
    wait_until_settled(upload)
    upload.locator(UPLOAD_INPUT).set_input_files(SAMPLES / "china.jpg")
    expect(upload.get_by_text("cannot travel in a link")).to_be_visible()
    wait_until_settled(upload)
    return visitors


def test_a_killed_process_loses_no_one_and_its_return_breaks_no_upload(
    browser: Browser, cluster: Cluster
) -> None:
    """Two tabs are on the process that is killed. Each shows the notice with nothing clicked
    and its state is back; the visitor's first action after the move (another model, another
    photo) is what the page shows; every session, moved or not, then uploads a photo."""
    victim, survivor = cluster.ports[1], cluster.ports[0]
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
    # The frontend probes /<page>/_stcore/... for a base path: 404s by design, nothing else.
    unexpected = [line for line in cluster.errors() if "/_stcore/" not in line.split('"')[1]]
    assert not unexpected, unexpected[:5]


def new_visitor(browser: Browser, cluster: Cluster, cookies: list | None = None) -> int:
    """A new browser opens Home through nginx; returns the port of the process that answered."""
    context = browser.new_context()
    if cookies:
        context.add_cookies(cookies)
    try:
        started = time.monotonic()
        page = context.new_page()
        page.goto(f"{cluster.proxy}/", timeout=60_000)
        # A process just started loads the models on its first run: that can take a while.
        expect(page.get_by_text("Inside neural networks")).to_be_visible(timeout=60_000)
        print(f"a new visitor served in {time.monotonic() - started:.1f} s")
        return backend_of(context)
    finally:
        context.close()


def test_a_hanging_process_is_passed_over_then_replaced(browser: Browser, cluster: Cluster) -> None:
    hung = cluster.ports[0]
    stopped = cluster.supervisor.processes[hung]
    restarts = len(cluster.supervisor.restarts)
    context = browser.new_context()  # a tab on the process about to hang
    context.add_cookies([cookie_for(cluster, hung)])
    address = f"{cluster.proxy}/LSTM_hidden_states?model=gru&text={SENTENCE}"
    tab = settled_page(context, address, "What the model reads")
    assert backend_of(context) == hung
    stopped.send_signal(signal.SIGSTOP)
    try:
        # The visitor picks another model: the run it asks for waits on the stopped process,
        # and reaches the other one once the supervisor kills this one: the rebuilding run.
        choose_model(tab, "Sentiment LSTM")
        served = []  # new visitors keep coming while the supervisor waits HANG_AFTER
        deadline = time.monotonic() + HANG_AFTER + 60
        while len(cluster.supervisor.restarts) == restarts or len(served) < 2:
            assert time.monotonic() < deadline, "the supervisor did not replace the process"
            served.append(new_visitor(browser, cluster))
            # Never the stopped process; its replacement, on the same port, may serve them.
            assert served[-1] != hung or len(cluster.supervisor.restarts) > restarts
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
    while new_visitor(browser, cluster, [cookie_for(cluster, hung)]) != hung:
        assert time.monotonic() < deadline, "the replaced process got no visitor back"
