"""A teacher and eight students run a class in a real browser, on SQLite (the session's
server: class mode's default database): the check before and the check after. The run on
PostgreSQL, with students on two processes behind nginx and a guess at the tour's first step
too, is in test_deploy.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.helpers.class_run import run_a_class

pytestmark = pytest.mark.browser
STUDENTS = 8
STUDENT_VIEW = {"width": 1280, "height": 900}


def test_a_teacher_and_eight_students_run_a_class_on_sqlite(
    browser: Browser, app_server: str
) -> None:
    students = [
        browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(STUDENTS)
    ]
    teacher = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        # the checks only: the tour's guesses are counted in the PostgreSQL run (test_deploy)
        run_a_class(teacher.new_page(), app_server, students, tour=False)
    finally:
        for context in (teacher, *students):
            context.close()
