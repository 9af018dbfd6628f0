"""Migrations run at every start: twice is a no-op, an older schema is upgraded with its data,
and two processes starting on one empty database at once both come up (SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, select

from serving.classes import codes, migrations
from serving.classes.engine import make_engine
from serving.classes.schema import classes, schema_version
from serving.classes.store import ClassStore

T0 = datetime(2026, 3, 2, 9, 0, 0)


def _version(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(schema_version.c.version)).scalar_one()


def _indexes(engine) -> set[str]:
    found = inspect(engine).get_indexes("answers")  # PostgreSQL also lists the unique keys' own
    return {index["name"] for index in found if not index.get("duplicates_constraint")}


def test_migrating_twice_changes_nothing(class_db_url: str) -> None:
    engine = make_engine(class_db_url)
    try:
        assert migrations.migrate(engine) == migrations.LATEST == 3
        tables = set(inspect(engine).get_table_names())
        assert tables == {
            "schema_version",
            "classes",
            "students",
            "answers",
            "questions",
            "choices",
        }
        assert migrations.migrate(engine) == 3
        assert set(inspect(engine).get_table_names()) == tables
        assert _indexes(engine) == {"answers_by_question"}
        with engine.connect() as connection:
            assert connection.execute(select(schema_version)).all() == [(1, 3)]
    finally:
        engine.dispose()


def test_an_older_schema_is_upgraded_and_keeps_its_classes(class_db_url: str) -> None:
    engine = make_engine(class_db_url)
    try:
        assert migrations.migrate(engine, target=1) == 1
        assert _indexes(engine) == set()
        with engine.begin() as connection:
            connection.execute(
                classes.insert().values(
                    code="c0de", teacher_digest="d", created=T0, retention_days=7, randomise=False
                )
            )
    finally:
        engine.dispose()
    store = ClassStore(class_db_url, now=T0)  # the app starting on the old database
    try:
        assert store.version == 3
        assert _version(store.engine) == 3
        assert {"questions", "choices"} <= set(inspect(store.engine).get_table_names())
        assert _indexes(store.engine) == {"answers_by_question"}
        with store.engine.connect() as connection:
            assert connection.execute(select(classes.c.code, classes.c.retention_days)).all() == [
                ("c0de", 7)
            ]
    finally:
        store.dispose()


def test_a_class_from_before_the_words_keeps_its_answers_and_takes_words(
    class_db_url: str,
) -> None:
    key = codes.new_code()
    engine = make_engine(class_db_url)  # the previous release's database, with a class
    try:
        assert migrations.migrate(engine, target=2) == 2
        with engine.begin() as connection:
            connection.execute(
                classes.insert().values(
                    code=(code := codes.new_code()),
                    teacher_digest=codes.digest(key),
                    created=T0,
                    retention_days=30,
                    randomise=False,
                )
            )
    finally:
        engine.dispose()
    store = ClassStore(class_db_url, now=T0)
    try:
        browser = "Qm9va3MgYXJlIGdvb2Qu"
        store.record(code, browser, "tour.size", "tour", "smaller", True, now=T0)  # no words
        store.record(
            code,
            browser,
            "tour.rnn",
            "tour",
            "lstm",
            True,
            now=T0,
            question_text="Which reader keeps the not?",
            choice_text="The LSTM",
        )
        assert [a.question for a in store.answers(key)] == ["tour.size", "tour.rnn"]
        words = store.wording(key)
        assert words.questions == {("tour", "tour.rnn"): "Which reader keeps the not?"}
        assert words.choices == {("tour", "tour.rnn", "lstm"): "The LSTM"}
    finally:
        store.dispose()


# Each starter imports everything and connects, says it is ready, and waits for the word to
# go: the five then migrate the same empty database within milliseconds of each other.
STARTER = """
import sys, time
from pathlib import Path
from serving.classes.engine import make_engine
from serving.classes.migrations import migrate
url, folder, name = sys.argv[1:4]
engine = make_engine(url)
engine.connect().close()  # connected (and the dialect set up) before the start
(Path(folder) / f"ready-{name}").touch()
while not (Path(folder) / "go").exists():
    time.sleep(0.001)
print(migrate(engine))
engine.dispose()
"""


def test_two_processes_starting_at_once_both_migrate(class_db_url: str, tmp_path: Path) -> None:
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, class_db_url, str(tmp_path), str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(5)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    (tmp_path / "go").touch()
    results = [starter.communicate(timeout=120) for starter in starters]
    assert [
        (starter.returncode, out.strip())
        for starter, (out, _) in zip(starters, results, strict=True)
    ] == [(0, "3")] * 5, [err[-1500:] for _, err in results]
    engine = make_engine(class_db_url)
    try:
        assert _version(engine) == 3
    finally:
        engine.dispose()
