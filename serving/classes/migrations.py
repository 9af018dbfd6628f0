"""Migrations, run at every start: ordered steps from the version the database records.

Each step is SQLAlchemy Core DDL (portable: no SQL of one dialect). Step 1 made the first
tables with their keys and constraints but without secondary indexes (CreateTable emits no
indexes); later steps add what came after. Running again is a no-op. Two processes starting at
once: the schema_version row is locked (FOR UPDATE; SQLite's write lock does the same) and the
loser of a race to create the first tables simply tries again.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, inspect, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.schema import CreateTable

from serving.classes.engine import writer
from serving.classes.schema import answers, choices, classes, questions, schema_version, students


def _first_tables(connection: Connection) -> None:
    for table in (classes, students, answers):
        connection.execute(CreateTable(table))


def _answers_by_question(connection: Connection) -> None:
    for index in answers.indexes:
        index.create(connection)


def _words(connection: Connection) -> None:
    for table in (questions, choices):
        connection.execute(CreateTable(table))


STEPS: list[Callable[[Connection], None]] = [_first_tables, _answers_by_question, _words]
LATEST = len(STEPS)


def current_version(connection: Connection) -> int:
    """The version the database records (0: a new, empty database)."""
    if not inspect(connection).has_table(schema_version.name):
        return 0
    found = connection.execute(select(schema_version.c.version)).scalar()
    return found or 0


def migrate(engine: Engine, target: int = LATEST, attempts: int = 5) -> int:
    """Bring the database to `target` (default: the latest); return the version it is at."""
    for attempt in range(attempts):
        try:
            return _migrate_once(engine, target)
        except (IntegrityError, OperationalError, ProgrammingError):
            # another process made the same table or row first: its work is now visible
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _migrate_once(engine: Engine, target: int) -> int:
    with writer(engine).begin() as connection:
        if not inspect(connection).has_table(schema_version.name):
            connection.execute(CreateTable(schema_version))
            connection.execute(schema_version.insert().values(id=1, version=0))
        version = connection.execute(
            select(schema_version.c.version).where(schema_version.c.id == 1).with_for_update()
        ).scalar_one()
        for number in range(version + 1, target + 1):
            STEPS[number - 1](connection)
        if target > version:
            connection.execute(
                update(schema_version).where(schema_version.c.id == 1).values(version=target)
            )
        return max(version, target)
