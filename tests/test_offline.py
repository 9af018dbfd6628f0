"""Nothing is fetched while the app runs: every page is used with non-loopback sockets refused."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from streamlit.testing.v1 import AppTest

from bench.harness.paths import ROOT
from models.compare.profiling import ProfilePlan
from tests.helpers.profile_plan import SMALL_PLAN
from ui.common.pages import ALL_PAGES, CNN, COMPARE, HOME, LSTM

PAGES = [page.script for page in ALL_PAGES if page is not HOME]


def is_local(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # a unix socket path
        return True
    host = address[0] if isinstance(address, tuple) else address
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def refused(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every attempt to reach beyond this machine is refused and recorded."""
    attempts: list[object] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: object) -> None:
        if not is_local(address):
            attempts.append(address)
            raise OSError("network access refused by the test")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        if not is_local(address):
            attempts.append(address)
            return 111
        return real_connect_ex(self, address)

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
        if host not in (None, "localhost") and not is_local((host,)):
            attempts.append(host)
            raise socket.gaierror("name lookup refused by the test")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


def test_every_page_works_without_the_network(
    refused: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The measurement runs the quick plan's code on the small plan's sizes: the quick plan itself
    # runs in the browser test (tests/test_browser_compare.py) and in `make bench`.
    monkeypatch.setattr(ProfilePlan, "quick", classmethod(lambda cls: SMALL_PLAN))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    for page in PAGES:  # the first run opened the home page
        at.switch_page(page).run()
        assert not at.exception, page
    at.switch_page(LSTM.script).run()
    at.text_input(key="lstm_text").set_value("Not bad at all, quite good").run()
    at.sidebar.radio(key="lstm_model").set_value("char").run()
    assert not at.exception
    at.switch_page(COMPARE.script).run()
    at.toggle(key="cmp_quick").set_value(True).run()
    at.button(key="cmp_measure").click().run()
    assert not at.exception
    at.switch_page(CNN.script).run()
    at.sidebar.radio(key="cnn_model").set_value("efficientnet_lite0").run()
    at.radio(key="cnn_deeper").set_value("class").run()
    at.radio(key="cnn_method").set_value("gradcam").run()
    assert not at.exception
    for section in ("unit", "statistics"):
        at.radio(key="cnn_deeper").set_value(section).run()
        assert not at.exception, section
    assert refused == []
