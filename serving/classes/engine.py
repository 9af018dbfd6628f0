"""The SQLAlchemy engine for a database URL, with the settings each kind of database needs.

SQLite (the default; one file, nothing to install): the folder is made on first use, WAL lets
the teacher's view read while students write, a busy timeout waits for the writer, and every
transaction that writes (`writer`) takes the write lock at BEGIN (SQLAlchemy's documented
recipe for pysqlite), so a read-then-write transaction never fails half-way on a lock; reads
take none. PostgreSQL needs nothing special:
psycopg 3 through SQLAlchemy's pool, checked before use (a restarted server is reconnected).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url

BUSY_TIMEOUT_S = 30
WRITES = "class_writes"  # an execution option: this transaction will write


def writer(engine: Engine) -> Engine:
    """The engine for transactions that write: on SQLite they take the write lock at BEGIN."""
    return engine.execution_options(**{WRITES: True})


def make_engine(url: str) -> Engine:
    """An engine for `url`, ready for the store (the schema is the migrations' job)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; durable at checkpoints
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        writes = connection.get_execution_options().get(WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine
