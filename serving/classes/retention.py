"""Closing a class, and deleting its answers once its retention has passed.

A closed class takes no more answers; `retention_days` after it closed, its students and
answers are deleted (the class row stays, with purged_at, so its teacher's link still says
what happened). A class its teacher never closed is closed `max_open_days` after it started,
as of that moment (so its retention runs from then, however late the purge notices). The store
purges at start and on every teacher's view.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update

from serving.classes.schema import answers, choices, classes, questions, students


def close(connection: Connection, teacher_digest: str, now: datetime) -> bool:
    """Close the class with this teacher's digest (if still open); whether the class exists."""
    found = connection.execute(
        select(classes.c.id, classes.c.closed_at).where(classes.c.teacher_digest == teacher_digest)
    ).first()
    if found is None:
        return False
    if found.closed_at is None:
        connection.execute(update(classes).where(classes.c.id == found.id).values(closed_at=now))
    return True


def close_forgotten(connection: Connection, now: datetime, max_open_days: int) -> int:
    """Close every class open longer than `max_open_days`, as of its last open day's end."""
    longest = timedelta(days=max_open_days)
    forgotten = connection.execute(
        select(classes.c.id, classes.c.created).where(
            classes.c.closed_at.is_(None) & (classes.c.created <= now - longest)
        )
    ).all()
    for row in forgotten:
        connection.execute(
            update(classes)
            .where((classes.c.id == row.id) & classes.c.closed_at.is_(None))
            .values(closed_at=row.created + longest)
        )
    return len(forgotten)


def purge(connection: Connection, now: datetime, max_open_days: int) -> int:
    """Close forgotten classes, then delete the students, answers and words of every class
    past its retention; return how many classes were purged."""
    close_forgotten(connection, now, max_open_days)
    due = [
        row.id
        for row in connection.execute(
            select(classes.c.id, classes.c.closed_at, classes.c.retention_days).where(
                classes.c.closed_at.is_not(None) & classes.c.purged_at.is_(None)
            )
        )
        if now >= row.closed_at + timedelta(days=row.retention_days)
    ]
    if due:
        connection.execute(delete(answers).where(answers.c.class_id.in_(due)))
        connection.execute(delete(students).where(students.c.class_id.in_(due)))
        connection.execute(delete(questions).where(questions.c.class_id.in_(due)))
        connection.execute(delete(choices).where(choices.c.class_id.in_(due)))
        connection.execute(update(classes).where(classes.c.id.in_(due)).values(purged_at=now))
    return len(due)
