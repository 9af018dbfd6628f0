"""Where class answers live and how long they stay, from the environment.

DATABASE_URL (e.g. postgresql+psycopg://user@host/db; a bare postgresql:// is read as psycopg 3)
makes several processes or machines share the classes; otherwise one SQLite file,
`classes.db`, in CLASS_DATA_DIR (default `data/` beside the app), created on first use.
CLASS_RETENTION_DAYS (default 30): how long a closed class's answers are kept.
CLASS_MAX_OPEN_DAYS (default 7): a class its teacher never closed is closed this long after it
started (its retention then runs from there).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_RETENTION_DAYS = 30
DEFAULT_MAX_OPEN_DAYS = 7
_APP_ROOT = Path(__file__).resolve().parents[2]


def database_url(environ: dict[str, str] | None = None) -> str:
    """The SQLAlchemy URL of the answers' database."""
    environ = os.environ if environ is None else environ
    url = environ.get("DATABASE_URL", "").strip()
    if url:
        for bare in ("postgresql://", "postgres://"):
            if url.startswith(bare):  # the usual form of the variable: use psycopg 3
                return "postgresql+psycopg://" + url[len(bare) :]
        return url
    folder = Path(environ.get("CLASS_DATA_DIR") or _APP_ROOT / "data")
    return f"sqlite:///{folder / 'classes.db'}"


def retention_days(environ: dict[str, str] | None = None) -> int:
    """Days a closed class's answers are kept (CLASS_RETENTION_DAYS; 30; at least 0)."""
    return _days(environ, "CLASS_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, least=0)


def max_open_days(environ: dict[str, str] | None = None) -> int:
    """Days a class stays open unless closed sooner (CLASS_MAX_OPEN_DAYS; 7; at least 1)."""
    return _days(environ, "CLASS_MAX_OPEN_DAYS", DEFAULT_MAX_OPEN_DAYS, least=1)


def _days(environ: dict[str, str] | None, name: str, default: int, least: int) -> int:
    environ = os.environ if environ is None else environ
    try:
        return max(least, int(environ.get(name, default)))
    except ValueError:
        return default
