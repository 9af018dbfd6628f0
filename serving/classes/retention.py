"""Closing a class, and deleting its answers once its retention has passed.

A closed class takes no more answers; `retention_days` after it closed, its students and
answers are deleted (the class row stays, with purged_at, so its teacher's link still says
what happened). The store purges at start and on every teacher's view.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update

from serving.classes.schema import answers, classes, students


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


def purge(connection: Connection, now: datetime) -> int:
    """Delete the students and answers of every class past its retention; return how many."""
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
        connection.execute(update(classes).where(classes.c.id.in_(due)).values(purged_at=now))
    return len(due)
