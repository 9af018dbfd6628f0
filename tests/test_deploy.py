"""Beyond one server: two app processes behind nginx (deploy/), and the Dockerfile's health check.

One nginx (rendered from deploy/nginx.conf.template, run unprivileged from a temporary prefix)
in front of two streamlit processes on loopback. Browser contexts are separate visitors with
their own cookie jars; nginx's access log names, for every request, the sticky key and the
process that answered.
"""

from __future__ import annotations

import gzip
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import streamlit
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bench.harness.page_waits import wait_until_settled
from bench.harness.paths import ROOT, SAMPLES
from bench.harness.postgres import fresh_database
from bench.harness.server import free_port, serve_apps, wait_healthy
from deploy.nginx_conf import command, prepare
from serving.classes.store import ClassStore
from tests.helpers.websocket import handshake
from ui.common.classroom import answer_name

COOKIE = "st_backend"  # names the process that answered last: it routes
VISITOR = "st_visitor"  # a random id per browser, only for following it in the access log
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")  # not on users' PATH
# Parsed from the `sticky` log_format of the template.
LOG_LINE = re.compile(
    r"key=(?P<key>\S+) backend=\S* upstream=(?P<upstream>.+?) status=(?P<status>\d+) .*"
    r'"(?P<method>[A-Z]+) (?P<path>\S+) [^"]*"$'
)


@dataclass(frozen=True)
class Request:
    key: str
    upstream: str
    status: int
    method: str
    path: str


@dataclass(frozen=True)
class Cluster:
    backends: list[str]  # base URLs of the streamlit processes
    proxy: str  # nginx's base URL
    prefix: Path  # nginx's prefix: nginx.conf, logs/
    database: str  # DATABASE_URL of both processes (class mode)

    @property
    def upstreams(self) -> set[str]:
        return {urlsplit(url).netloc for url in self.backends}

    def requests(self) -> list[Request]:
        lines = (self.prefix / "logs" / "access.log").read_text().splitlines()
        found = [LOG_LINE.search(line) for line in lines]
        return [
            Request(m["key"], m["upstream"], int(m["status"]), m["method"], m["path"])
            for m in found
            if m
        ]

    def wait_for(self, key: str, path_prefix: str, count: int = 1, timeout: float = 15.0):
        """The logged requests of `key` for paths starting with `path_prefix`, once `count` are.

        nginx writes a line once a request is done (a websocket's once it closes): poll the log.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = [
                request
                for request in self.requests()
                if request.key == key and request.path.startswith(path_prefix)
            ]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} {path_prefix} requests of {key} logged")
            time.sleep(0.05)


JS_TYPES = {"application/javascript", "text/javascript"}


def _fetch(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers, response.read()


@contextmanager
def run_nginx(backends: list[str]) -> Iterator[tuple[str, Path]]:
    """nginx from deploy/ on a free loopback port in front of `backends`; yields (url, prefix)."""
    prefix = Path(tempfile.mkdtemp(prefix="nginx-"))
    port = free_port()
    prepare(prefix, f"127.0.0.1:{port}", [urlsplit(url).netloc for url in backends])
    unprivileged: dict = {}
    if os.geteuid() == 0:  # the suite may run as root: nginx still runs as nobody
        nobody = pwd.getpwnam("nobody")
        for path in [prefix, *prefix.rglob("*")]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        unprivileged = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
    with open(prefix / "stderr.log", "wb") as stderr:
        server = subprocess.Popen(
            command(prefix, NGINX),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            **unprivileged,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(url, server, timeout=30)
        except RuntimeError as error:
            logs = [prefix / "stderr.log", prefix / "logs" / "error.log"]
            details = "\n".join(path.read_text() for path in logs if path.exists())
            raise RuntimeError(f"nginx did not start: {details[-2000:]}") from error
        yield url, prefix
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(prefix, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(postgres_server: str) -> Iterator[Cluster]:
    if NGINX is None:
        pytest.skip("nginx is not installed (make nginx)")
    database = fresh_database(postgres_server)  # class mode's answers: one for both processes
    with (
        serve_apps(2, {"DATABASE_URL": database}) as backends,
        run_nginx(backends) as (proxy, prefix),
    ):
        yield Cluster(backends, proxy, prefix, database)


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
    """nginx passes the browser's offer of permessage-deflate to the process and its answer
    back (Streamlit compresses: server.enableWebsocketCompression in .streamlit/config.toml)."""
    status, headers = handshake(cluster.proxy)
    assert status.split(" ")[1] == "101", status
    assert headers.get("sec-websocket-extensions", "").startswith("permessage-deflate"), headers


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
        # them) comes from the visitor's process.
        mine = [
            request
            for request in cluster.requests()
            if request.key == key and not request.path.startswith("/static/")
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


@pytest.mark.browser
def test_two_processes_share_one_class(
    cluster: Cluster, browser: Browser, browser_context_args: dict
) -> None:
    """A student on each process answers the tour's first step: the teacher counts both."""
    store = ClassStore(cluster.database)
    made = store.create_class()
    visitors = _visitors(browser, browser_context_args, cluster)
    students = [next(v for v in visitors if v[2] == upstream) for upstream in cluster.upstreams]
    try:
        pages = []
        for context, _, _ in students:
            page = context.new_page()
            page.goto(f"{cluster.proxy}/tour?class={made.code}&step=1", wait_until="commit")
            pages.append(page)
        for page in pages:
            expect(page.get_by_text("You are answering in class")).to_be_visible(timeout=60_000)
            wait_until_settled(page)
            page.locator('label[data-testid="stRadioOption"]').first.click()
            wait_until_settled(page)
            page.get_by_role("button", name="Reveal the answer").click()
        for page in pages:
            expect(page.get_by_text(re.compile(r"^(✓ Right\.|Not quite)"))).to_be_visible()
            assert page.locator('[data-testid="stException"]').count() == 0
        # The first student opens the link again (a new session: the browser's cookie keeps
        # its id) and changes their mind: still two students, the change replaced the answer.
        first = pages[0]
        first.goto(f"{cluster.proxy}/tour?class={made.code}&step=1", wait_until="commit")
        expect(first.get_by_text("You are answering in class")).to_be_visible(timeout=60_000)
        wait_until_settled(first)
        other = first.locator('label[data-testid="stRadioOption"]').nth(1)
        changed = answer_name(other.inner_text(), 1)
        other.click()
        wait_until_settled(first)
        first.get_by_role("button", name="Reveal the answer").click()
        expect(first.get_by_text(re.compile(r"^(✓ Right\.|Not quite)"))).to_be_visible()
        answers = store.answers(made.teacher_key)
    finally:
        for context, _, _ in visitors:
            context.close()
        store.dispose()
    assert sorted(a.student for a in answers) == [1, 2]
    assert {a.question for a in answers} == {"tour.maps-shrink-channels-grow"}
    assert sum(a.choice == changed for a in answers) == 1
    for _, key, upstream in students:  # each student's session was on its own process
        # nginx logs a websocket once it has closed: wait for the line rather than read too soon.
        streams = cluster.wait_for(key, "/_stcore/stream")
        assert {r.upstream for r in streams} == {upstream}
