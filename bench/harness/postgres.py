"""A throwaway PostgreSQL server for the class tests and the bench: Debian's binaries, a
temporary cluster.

initdb into a temporary folder (trust authentication, no fsync: nothing here outlives the
test session), then the server in the foreground on a unix socket in that folder (no TCP port to
race for). Run as root, the server runs as the `postgres` user Debian's package creates (or
`nobody`): initdb and postgres both refuse root. `make postgres` installs the package.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def server_binaries() -> Path | None:
    """The folder holding initdb and postgres (Debian keeps them off PATH), or None."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(os.path.realpath(on_path)).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _unprivileged() -> dict:
    """Popen's user switch when running as root: postgres refuses to run as root."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        account = pwd.getpwnam("nobody")
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


@contextmanager
def run_postgres(timeout: float = 30.0) -> Iterator[str]:
    """Start a fresh server; yield its SQLAlchemy URL (psycopg 3, unix socket); stop and wipe it."""
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed (make postgres)")
    root = Path(tempfile.mkdtemp(prefix="postgres-"))
    data = root / "data"
    unprivileged = _unprivileged()
    if unprivileged:
        os.chown(root, unprivileged["user"], unprivileged["group"])
    initdb = [str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
    init = subprocess.run(
        [*initdb, "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
        capture_output=True,
        text=True,
        **unprivileged,
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr[-2000:]}")
    settings = {
        "listen_addresses": "",
        "unix_socket_directories": str(root),
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "60",
        "shared_buffers": "16MB",
    }
    options = [part for key, value in settings.items() for part in ("-c", f"{key}={value}")]
    with open(root / "server.log", "wb") as log:
        server = subprocess.Popen(
            [str(binaries / "postgres"), "-D", str(data), *options],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            **unprivileged,
        )
    try:
        socket = root / ".s.PGSQL.5432"
        deadline = time.monotonic() + timeout
        while not _accepts(binaries, root):
            if server.poll() is not None or time.monotonic() > deadline:
                log_text = (root / "server.log").read_text(errors="replace")
                raise RuntimeError(f"postgres did not start: {log_text[-2000:]}")
            time.sleep(0.05)
        assert socket.exists()
        yield f"postgresql+psycopg://postgres@/postgres?host={root}"
    finally:
        server.send_signal(signal.SIGINT)  # "fast" shutdown: ends open sessions too
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(root, ignore_errors=True)


def _accepts(binaries: Path, socket_dir: Path) -> bool:
    ready = subprocess.run(
        [str(binaries / "pg_isready"), "-q", "-h", str(socket_dir), "-U", "postgres"],
        capture_output=True,
    )
    return ready.returncode == 0


def fresh_database(server_url: str) -> str:
    """A new empty database on the test server (one per test: no state carried between tests)."""
    from sqlalchemy import create_engine, make_url, text

    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    finally:
        admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)
