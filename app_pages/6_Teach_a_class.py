"""Teach a class: a class code and link for the students' tour, and what they answered, live."""

from ui.classes.teacher import show_teacher_page
from ui.common.pages import TEACH


def main() -> None:
    TEACH.begin()
    show_teacher_page()


main()
