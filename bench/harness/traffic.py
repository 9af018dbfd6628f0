"""Bytes a browser page receives, counted through the DevTools protocol: HTTP responses at their
encoded size (compressed when sent so) and websocket frames."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from playwright.sync_api import Page


@dataclass
class Traffic:
    http: float = 0.0
    websocket: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def received(self) -> float:
        return self.http + self.websocket

    def watch(self, page: Page) -> None:
        client = page.context.new_cdp_session(page)
        client.send("Network.enable")
        client.on("Network.webSocketFrameReceived", self._frame)
        client.on("Network.loadingFinished", self._response)

    def _frame(self, event: dict) -> None:
        response = event["response"]
        size = len(response["payloadData"])
        if response.get("opcode") == 2:  # binary frames arrive base64-encoded
            size = size * 3 // 4
        with self.lock:
            self.websocket += size

    def _response(self, event: dict) -> None:
        with self.lock:
            self.http += event.get("encodedDataLength", 0)
