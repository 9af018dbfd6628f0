"""A class, end to end, in real browsers: a teacher starts a class, students (each their own
browser context, so their own cookie and id) take the check before, guess at the tour's first
step and take the check after, and the teacher's view counts exactly what they chose.

Used on SQLite (tests/test_browser_class_run.py) and on PostgreSQL behind nginx, the students
spread over two processes (tests/test_deploy.py).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext, Page, expect

from bench.harness.page_waits import wait_until_settled
from models.checks import IDEAS
from ui.common.classroom import question_name
from ui.tour.tour import STEPS

TOUR_QUESTION = question_name(STEPS[0].title)  # step 1's, as the class keeps it


@dataclass
class Answers:
    """What the students chose, as the teacher's CSV should list it: (phase, question, words)."""

    chosen: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    right: Counter[str] = field(default_factory=Counter)  # phase -> right answers, from the page


def start_class(teacher: Page, base: str) -> str:
    """The teacher opens "Teach a class" and starts one: the students' link."""
    teacher.goto(f"{base}/teach")
    teacher.get_by_role("button", name="Start a class").click()
    link = teacher.locator("[data-testid='stCode']").first
    expect(link).to_contain_text("?class=", timeout=120_000)  # the check is prepared first
    return link.inner_text().strip()


def choose(page: Page, question: str, option: int) -> str:
    """Click option `option` (modulo how many there are) of the radio keyed `question`."""
    options = page.locator(f".st-key-{question} label[data-testid='stRadioOption']")
    expect(options.first).to_be_visible(timeout=90_000)
    chosen = options.nth(option % options.count())
    words = chosen.inner_text().strip()
    chosen.click()
    return words


def answer_check(pages: list[Page], phase: str, answers: Answers) -> None:
    """Every student answers the six questions of `phase` (student k picks option k + i of
    question i; a form, so no click runs the app) and submits."""
    for student, page in enumerate(pages):
        for index, idea in enumerate(IDEAS):
            words = choose(page, f"check_{phase}_{idea}", student + index)
            answers.chosen[(phase, f"check.{idea}", words)] += 1
    for page in pages:
        page.get_by_role("button", name="Submit my answers").click()
    for page in pages:
        if phase == "before":  # nothing revealed yet: on to the tour
            expect(page.get_by_role("button", name="Start the tour →")).to_be_visible()
        else:  # both scores, then every answer
            expect(page.get_by_text(re.compile(r"^\d of 6$")).first).to_be_visible()


def guess_step_one(pages: list[Page], answers: Answers) -> None:
    """At the tour's first step, student k chooses option k and reveals the answer."""
    for page in pages:
        page.get_by_role("button", name="Start the tour →").click()
    for student, page in enumerate(pages):
        expect(page.get_by_text("Step 1 of 11")).to_be_visible()
        wait_until_settled(page)
        answers.chosen[("tour", TOUR_QUESTION, choose(page, "tour_guess_1", student))] += 1
    for page in pages:
        reveal = page.get_by_role("button", name="Reveal the answer", disabled=False)
        expect(reveal).to_be_visible()
    for page in pages:
        wait_until_settled(page)
        page.get_by_role("button", name="Reveal the answer").click()
    for page in pages:
        expect(page.get_by_text(re.compile(r"^(✓ Right\.|Not quite)"))).to_be_visible()


def take_the_class(contexts: list[BrowserContext], link: str, answers: Answers, tour: bool) -> None:
    """The students, each in a browser context of their own, side by side: check before,
    a guess at step 1 (if `tour`), check after."""
    pages = [context.new_page() for context in contexts]
    try:
        for page in pages:
            page.goto(link, wait_until="commit")
        for page in pages:
            expect(page.get_by_text("You are answering in class")).to_be_visible(timeout=90_000)
            expect(page.get_by_role("heading", name="Before we start")).to_be_visible()
        answer_check(pages, "before", answers)
        if tour:
            guess_step_one(pages, answers)
        after = link.replace("?", "?step=after&", 1)  # a reload: the same student (cookie)
        for page in pages:
            page.goto(after, wait_until="commit")
        for page in pages:
            expect(page.get_by_role("heading", name="After the tour")).to_be_visible(timeout=90_000)
        answer_check(pages, "after", answers)
    finally:
        for page in pages:
            page.close()


def teachers_csv(teacher: Page) -> list[dict[str, str]]:
    """The anonymous answers, as the teacher downloads them."""
    with teacher.expect_download() as download:
        teacher.locator(".st-key-class_csv button").click()
    return list(csv.DictReader(io.StringIO(download.value.path().read_text())))


def run_a_class(
    teacher: Page, teacher_base: str, students: list[BrowserContext], tour: bool = True
) -> None:
    """A teacher (`teacher`, through `teacher_base`: a server or nginx) and a class (a browser
    context per student; with a guess at the tour's step 1 if `tour`): the teacher's view must
    count every student and every answer, and its CSV list exactly what they chose."""
    try:
        link = start_class(teacher, teacher_base)
        answers = Answers()
        take_the_class(students, link, answers, tour)
        total = sum(answers.chosen.values())
        assert total == len(students) * (2 * len(IDEAS) + tour)
        # the view refreshes itself every few seconds: wait for the last answer to arrive
        joined = teacher.locator("[data-testid='stMetric']").filter(has_text="Students")
        expect(joined).to_contain_text(str(len(students)), timeout=30_000)
        answered = teacher.locator("[data-testid='stMetric']").filter(has_text="Answers")
        expect(answered).to_contain_text(str(total), timeout=30_000)
        rows = teachers_csv(teacher)
        kept = Counter((row["phase"], row["question"], row["choice_words"]) for row in rows)
        assert kept == answers.chosen
        assert len({row["student"] for row in rows}) == len(students)
        assert all(row["student"].isdigit() for row in rows)  # numbers, never browser ids
        for phase in ("before", "after"):  # the class's mean score, as the view shows it
            right = sum(int(r["correct"]) for r in rows if r["phase"] == phase)
            mean = f"{right / len(students):.1f} / {len(IDEAS)}"
            score = teacher.locator("[data-testid='stMetric']").filter(
                has_text=re.compile(f"^{phase.capitalize()}", re.IGNORECASE)
            )
            expect(score.first).to_contain_text(mean)
    finally:
        teacher.close()
