"""A bare websocket handshake with Streamlit's session endpoint: what the server answers to a
browser's offer of extensions."""

from __future__ import annotations

import base64
import os
import socket
from urllib.parse import urlsplit

from bench.harness.wire import STREAM_PATH

DEFLATE_OFFER = "permessage-deflate; client_max_window_bits"  # what chromium offers


def handshake(base_url: str, extensions: str | None = DEFLATE_OFFER) -> tuple[str, dict[str, str]]:
    """Open Streamlit's websocket at `base_url`, offering `extensions`; return the answer's
    status line and headers (names lower-cased), then close."""
    parts = urlsplit(base_url)
    host = parts.netloc
    lines = [
        f"GET {STREAM_PATH} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
        f"Origin: {parts.scheme}://{host}",
    ]
    if extensions:
        lines.append(f"Sec-WebSocket-Extensions: {extensions}")
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return head[0], headers


def assert_deflate_negotiated(base_url: str) -> None:
    """The server at `base_url` upgrades the websocket and answers the offer of
    permessage-deflate with it."""
    status, headers = handshake(base_url)
    assert status.split(" ")[1] == "101", status
    assert headers.get("sec-websocket-extensions", "").startswith("permessage-deflate"), headers
