"""Bytes on the wire between a browser and a server: a TCP relay that counts them.

The DevTools protocol reports a websocket frame's payload after the browser has inflated it, so
it cannot show what permessage-deflate saves. WireTap sits on a free loopback port in front of a
server, relays every connection unchanged, and counts the bytes each one carries towards the
browser, labelled by the path of the connection's first request (a websocket's connection
carries nothing else once upgraded).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

STREAM_PATH = "/_stcore/stream"  # Streamlit's websocket


@dataclass
class Connection:
    path: str = ""
    down: int = 0  # bytes from the server to the browser


@dataclass
class WireTap:
    backend: tuple[str, int]
    connections: list[Connection] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def websocket_bytes(self) -> int:
        with self.lock:
            return sum(c.down for c in self.connections if c.path.startswith(STREAM_PATH))

    def total_bytes(self) -> int:
        with self.lock:
            return sum(c.down for c in self.connections)

    def serve(self, listener: socket.socket) -> None:
        while True:
            try:
                browser, _ = listener.accept()
            except OSError:  # the listener was closed: the tap is done
                return
            threading.Thread(target=self._relay, args=(browser,), daemon=True).start()

    def _relay(self, browser: socket.socket) -> None:
        connection = Connection()
        with self.lock:
            self.connections.append(connection)
        try:
            server = socket.create_connection(self.backend)
        except OSError:
            browser.close()
            return
        up = threading.Thread(target=self._up, args=(browser, server, connection), daemon=True)
        up.start()
        try:
            while data := server.recv(65536):
                with self.lock:
                    connection.down += len(data)
                browser.sendall(data)
        except OSError:
            pass
        finally:
            _close(browser, server)

    @staticmethod
    def _up(browser: socket.socket, server: socket.socket, connection: Connection) -> None:
        try:
            while data := browser.recv(65536):
                if not connection.path:
                    request_line = data.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
                    connection.path = request_line[1] if len(request_line) > 1 else "?"
                server.sendall(data)
        except OSError:
            pass
        finally:
            _close(browser, server)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


@contextmanager
def wire_tap(backend_url: str) -> Iterator[tuple[str, WireTap]]:
    """A counting relay in front of `backend_url` (http://host:port); yields (its URL, the tap)."""
    host, port = backend_url.split("//")[1].split(":")
    tap = WireTap((host, int(port)))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    threading.Thread(target=tap.serve, args=(listener,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", tap
    finally:
        with suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() above
        listener.close()
