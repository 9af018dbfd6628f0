"""Where class answers live and how long they stay, from the environment.

DATABASE_URL (e.g. postgresql+psycopg://user@host/db; a bare postgresql:// is read as psycopg 3)
makes several processes or machines share the classes; otherwise one SQLite file,
`classes.db`, in CLASS_DATA_DIR (default `data/` beside the app), created on first use.
CLASS_RETENTION_DAYS (default 30): how long a closed class's answers are kept.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_RETENTION_DAYS = 30
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
    environ = os.environ if environ is None else environ
    try:
        return max(0, int(environ.get("CLASS_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)))
    except ValueError:
        return DEFAULT_RETENTION_DAYS
