"""The one schema of class mode (SQLAlchemy Core tables, the same on SQLite and PostgreSQL).

No names, addresses or raw browser ids: a student is a per-class number and a digest of the
random id their browser made up. Times are naive UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from serving.classes.limits import CHOICE_WORDS, QUESTION_WORDS

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1: one row
    Column("version", Integer, nullable=False),
)

classes = Table(
    "classes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False, unique=True),  # handed to the whole class
    Column("teacher_digest", String(64), nullable=False, unique=True),
    Column("created", DateTime, nullable=False),
    Column("closed_at", DateTime, nullable=True),
    Column("purged_at", DateTime, nullable=True),
    Column("retention_days", Integer, nullable=False),
    Column("randomise", Boolean, nullable=False),
)

students = Table(
    "students",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("class_id", Integer, ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
    Column("browser_digest", String(64), nullable=False),
    Column("number", Integer, nullable=False),  # 1, 2, ... in the order they joined
    Column("created", DateTime, nullable=False),
    # the flood guard: answers taken since window_start
    Column("window_start", DateTime, nullable=False),
    Column("window_count", Integer, nullable=False),
    UniqueConstraint("class_id", "browser_digest", name="one_student_per_browser"),
    UniqueConstraint("class_id", "number", name="one_number_per_student"),
)

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("class_id", Integer, ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
    Column("student_id", Integer, ForeignKey("students.id", ondelete="CASCADE"), nullable=False),
    Column("question", String(64), nullable=False),
    Column("phase", String(8), nullable=False),  # tour | before | after
    Column("choice", String(64), nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("at", DateTime, nullable=False),
    UniqueConstraint("class_id", "student_id", "question", "phase", name="one_answer_per_question"),
    # added by migration 2 (the teacher's view reads a class's answers question by question)
    Index("answers_by_question", "class_id", "phase", "question"),
)

# added by migration 3: the words a student saw, so the teacher reads them rather than names
questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("class_id", Integer, ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
    Column("phase", String(8), nullable=False),
    Column("name", String(64), nullable=False),
    Column("text", String(QUESTION_WORDS), nullable=False),
    UniqueConstraint("class_id", "phase", "name", name="one_text_per_question"),
)

choices = Table(
    "choices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("class_id", Integer, ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
    Column("phase", String(8), nullable=False),
    Column("question", String(64), nullable=False),
    Column("name", String(64), nullable=False),
    Column("text", String(CHOICE_WORDS), nullable=False),
    UniqueConstraint("class_id", "phase", "question", "name", name="one_text_per_choice"),
)
