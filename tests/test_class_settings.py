"""Where class answers live and how long they stay, read from the environment."""

from __future__ import annotations

from pathlib import Path

from serving.classes import settings


def test_sqlite_in_the_data_folder_unless_a_database_url_is_set(tmp_path: Path) -> None:
    assert settings.database_url({"CLASS_DATA_DIR": str(tmp_path)}) == (
        f"sqlite:///{tmp_path / 'classes.db'}"
    )
    assert settings.database_url({}).endswith("/data/classes.db")
    assert settings.database_url({"DATABASE_URL": " postgresql://u@db:5432/classes "}) == (
        "postgresql+psycopg://u@db:5432/classes"
    )
    assert settings.database_url({"DATABASE_URL": "postgres://u@db/c"}) == (
        "postgresql+psycopg://u@db/c"
    )
    given = "postgresql+psycopg://u@/c?host=/run/pg"
    assert settings.database_url({"DATABASE_URL": given, "CLASS_DATA_DIR": "x"}) == given


def test_retention_is_30_days_unless_set() -> None:
    assert settings.retention_days({}) == 30
    assert settings.retention_days({"CLASS_RETENTION_DAYS": "7"}) == 7
    assert settings.retention_days({"CLASS_RETENTION_DAYS": "-3"}) == 0
    assert settings.retention_days({"CLASS_RETENTION_DAYS": "soon"}) == 30


def test_a_class_stays_open_at_most_7_days_unless_set() -> None:
    assert settings.max_open_days({}) == 7
    assert settings.max_open_days({"CLASS_MAX_OPEN_DAYS": "2"}) == 2
    assert settings.max_open_days({"CLASS_MAX_OPEN_DAYS": "0"}) == 1
    assert settings.max_open_days({"CLASS_MAX_OPEN_DAYS": "a week"}) == 7
