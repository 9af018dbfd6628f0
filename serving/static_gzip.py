"""Streamlit's scripts and styles gzipped once per process, for a server with no proxy in front.

Streamlit 1.67 deliberately serves /static/ uncompressed (its SelectiveGZipMiddleware skips
it: compressing 5 MB bundles again on every request costs CPU, and a proxy is expected to do
it). Its files are content-hashed and never change while a process runs, so this ASGI
middleware compresses each one the first time a browser that accepts gzip asks for it, keeps
the result, and answers every later request from memory: one compression per file per
process (about 2.7 MB kept for every script a page has asked for). The app's own static
folder holds plotly.js under its version's name (serving/static_files.py), so it is kept the
same way.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COMPRESSED_TYPES = (b"application/javascript", b"text/javascript", b"text/css", b"image/svg+xml")
LEVEL = 9  # once per file: the smallest output is worth the one-off cost
SMALLEST = 1024  # bytes; smaller files are sent as they are
APP_STATIC = "/app/static/"  # the app's own folder (serving/static_files.py)


def accepts_gzip(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"accept-encoding":
            return b"gzip" in value.lower()
    return False


class StaticGzip:
    """Serve GET /static/... (Streamlit's) and /app/static/... (ours: plotly.js) gzipped,
    when accepted, from a per-process cache."""

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...] = ("/static/", APP_STATIC)) -> None:
        self.app = app
        self.prefixes = prefixes
        self._cache: dict[str, tuple[list[tuple[bytes, bytes]], bytes]] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or not path.startswith(self.prefixes)
            or not accepts_gzip(scope)
            or any(name == b"range" for name, _ in scope.get("headers", ()))
        ):
            await self.app(scope, receive, send)
            return
        if (cached := self._cache.get(path)) is None:
            cached = await self._fetch(path, scope, receive, send)
            if cached is None:  # answered as it was (not a compressible 200)
                return
        headers, body = cached
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _fetch(
        self, path: str, scope: Scope, receive: Receive, send: Send
    ) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        """Ask the app for the file; keep and return it gzipped, or pass the answer on as it
        is (and return None) when it is not a compressible, complete 200."""
        start: Message = {}
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        # Asked for without compression: Streamlit would gzip /app/static/ itself, on every
        # request; here it is compressed once.
        plain = [(n, v) for n, v in scope.get("headers", ()) if n != b"accept-encoding"]
        await self.app({**scope, "headers": plain}, receive, collect)
        body = b"".join(chunks)
        headers = [(name.lower(), value) for name, value in start.get("headers", [])]
        kind = next((value for name, value in headers if name == b"content-type"), b"")
        encoded = any(name == b"content-encoding" for name, _ in headers)
        if (
            start.get("status") != 200
            or encoded
            or len(body) < SMALLEST
            or not kind.split(b";")[0].strip().startswith(COMPRESSED_TYPES)
        ):
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return None
        packed = gzip.compress(body, LEVEL, mtime=0)
        kept = [(n, v) for n, v in headers if n not in (b"content-length", b"vary", b"etag")]
        if path.startswith(APP_STATIC):  # named by plotly's version: it never changes
            kept = [(n, v) for n, v in kept if n != b"cache-control"]
            kept.append((b"cache-control", b"public, max-age=31536000, immutable"))
        kept += [
            (b"content-encoding", b"gzip"),
            (b"vary", b"Accept-Encoding"),
            (b"content-length", str(len(packed)).encode()),
        ]
        with self._lock:
            self._cache[path] = (kept, packed)
        return kept, packed
