"""Render deploy/nginx.conf.template into a prefix directory nginx can run from unprivileged.

    python deploy/nginx_conf.py PREFIX [--listen 8080] [--backend 127.0.0.1:8501 ...]

Writes PREFIX/nginx.conf, creates PREFIX/logs and PREFIX/tmp, and prints the command that
starts nginx in the foreground.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
DEFAULT_BACKENDS = ("127.0.0.1:8501", "127.0.0.1:8502")


@dataclass(frozen=True)
class Timeouts:
    """How soon nginx gives up on a process: see the template's comments."""

    read: str = "10s"  # an HTTP answer (a page, a health check, an upload): a hanging process
    fail: str = "10s"  # how long a process that failed is left out before it is tried again
    websocket: str = "45s"  # silence on a websocket; the processes ping it every 30 s


def render(
    listen: str, backends: list[str] | tuple[str, ...], timeouts: Timeouts = Timeouts()
) -> str:
    """The nginx configuration: listen on `listen`, spread sessions over `backends` (host:port),
    a group per backend that prefers it and falls back to the others."""
    if not backends:
        raise ValueError("at least one backend is needed")
    server = f"max_fails=1 fail_timeout={timeouts.fail}"
    groups = []
    for index, backend in enumerate(backends):
        backups = "".join(
            f"        server {other} backup;\n" for other in backends if other != backend
        )
        groups.append(
            f"    upstream st_{index} {{\n        zone st_{index} 64k;\n"
            f"        server {backend} {server};\n{backups}    }}"
        )
    values = {
        "@LISTEN@": listen,
        "@NEW_SERVERS@": "\n".join(f"        server {backend} {server};" for backend in backends),
        "@GROUPS@": "\n".join(groups),
        "@GROUP_MAP@": "\n".join(
            f'        "{backend}" st_{i};' for i, backend in enumerate(backends)
        ),
        "@READ_TIMEOUT@": timeouts.read,
        "@FAIL_TIMEOUT@": timeouts.fail,
        "@WS_TIMEOUT@": timeouts.websocket,
    }
    text = TEMPLATE.read_text()
    for marker, value in values.items():
        text = text.replace(marker, value)
    return text


def prepare(
    prefix: Path,
    listen: str,
    backends: list[str] | tuple[str, ...],
    timeouts: Timeouts = Timeouts(),
) -> Path:
    """Write PREFIX/nginx.conf and the directories it names; return the configuration's path."""
    for folder in ("logs", "tmp"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(render(listen, backends, timeouts))
    return conf


def command(prefix: Path, nginx: str = "nginx") -> list[str]:
    """The foreground nginx command for a prepared prefix (error log there from the start)."""
    return [
        nginx, "-p", str(prefix), "-e", str(prefix / "logs" / "error.log"),
        "-c", "nginx.conf", "-g", "daemon off;",
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", type=Path, help="directory for nginx.conf, logs and temp files")
    parser.add_argument(
        "--listen", default="8080", help="address nginx listens on (port or ip:port)"
    )
    parser.add_argument(
        "--backend",
        action="append",
        help="a Streamlit process as host:port; repeat for each (default: ports 8501 and 8502)",
    )
    args = parser.parse_args()
    prefix = args.prefix.resolve()
    prepare(prefix, args.listen, args.backend or DEFAULT_BACKENDS)
    # Debian installs it in /usr/sbin, which is not on a user's PATH.
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin") or "nginx"
    print(shlex.join(command(prefix, nginx)))


if __name__ == "__main__":
    main()
