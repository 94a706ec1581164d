"""The gradebook in a real browser: cells edited in place with the mouse and the keyboard, a second
tab's save answered with both values and overwritten only on purpose, accessibility, and a phone.

A cohort of its own (course, instructor, students, two assessments) is added to the demo academy's
database, so that nothing the other browser tests look at changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, expect
from sqlalchemy import select

from academy import create_app
from academy.auth import passwords
from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.courses.models import Course, CourseStatus
from academy.db import database, get_session, utcnow
from academy.demo.services import DEMO_PASSWORD
from academy.grading.models import Assessment, AssessmentKind, Grade
from academy.tracks import Track
from tests.e2e.conftest import BrowserTab, OpenTab, SignIn
from tests.e2e.test_smoke import PHONE_WIDTH, assert_accessible

pytestmark = pytest.mark.e2e
TEACHER = "gradebook-teacher@e2e.academy.uz"


@dataclass(frozen=True)
class Gradebook:
    path: str
    database_url: str
    task_ids: tuple[int, int]
    enrolment_ids: tuple[int, ...]

    def cell(self, tab: BrowserTab, task: int, student: int) -> Locator:
        href = f"{self.path}/{self.task_ids[task]}/{self.enrolment_ids[student]}"
        return tab.page.locator(f'#gradebook a[href="{href}"]')

    def points(self, task: int, student: int) -> float | None:
        app = create_app({"ENV_NAME": "testing", "DATABASE_URL": self.database_url})
        try:
            with app.app_context():
                grade = get_session().scalar(
                    select(Grade).where(
                        Grade.assessment_id == self.task_ids[task],
                        Grade.enrolment_id == self.enrolment_ids[student],
                    )
                )
                return None if grade is None else grade.points
        finally:
            database(app).engine.dispose()


def expected_only(tab: BrowserTab, status: str = "") -> bool:
    """Nothing went wrong but the refused saves the test asked for (the browser logs them too)."""
    unexpected = [p for p in tab.watch.problems if not (status and "/gradebook/cells" in p and status in p)]
    assert not unexpected, unexpected
    return True


@pytest.fixture(scope="module")
def gradebook(live_server: str, live_database: str) -> Gradebook:
    """A running cohort with three students and two exams, taught by its own instructor."""
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": live_database})
    with app.app_context():
        session = get_session()
        now = utcnow()
        course = Course(
            code="E2E-GB",
            track=Track.BPO,
            title_uz="Baholar",
            title_ru="Оценки",
            title_en="Gradebook course",
            hours=20,
            status=CourseStatus.PUBLISHED,
        )
        cohort = Cohort(
            code="E2E-GB-1",
            course=course,
            region_code=None,
            language="en",
            starts_on=(now - timedelta(days=10)).date(),
            ends_on=(now + timedelta(days=50)).date(),
            enrolment_opens_at=now - timedelta(days=40),
            enrolment_closes_at=now - timedelta(days=11),
            seats=10,
        )
        secret = passwords.hash_password(DEMO_PASSWORD)
        teacher = User(
            email=TEACHER,
            password_hash=secret,
            first_name="Grade",
            last_name="Keeper",
            role=Role.INSTRUCTOR,
            locale="en",
        )
        cohort.instructors.append(teacher)
        students = [
            User(
                email=f"gradebook-{n}@e2e.academy.uz",
                password_hash=secret,
                first_name=first,
                last_name=last,
                role=Role.STUDENT,
            )
            for n, (first, last) in enumerate(
                (("Aziz", "Aliyev"), ("Bobur", "Boboyev"), ("Dilya", "Davronova"))
            )
        ]
        enrolments = [Enrolment(cohort=cohort, student=s, status=EnrolmentStatus.ENROLLED) for s in students]
        tasks = [
            Assessment(
                course=course, position=n, kind=AssessmentKind.EXAM, title=title, weight=50, max_points=20
            )
            for n, title in enumerate(("Call handling", "Written test"))
        ]
        session.add_all([cohort, teacher, *students, *enrolments, *tasks])
        session.commit()
        book = Gradebook(
            path=f"/teach/cohorts/{cohort.code}/gradebook",
            database_url=live_database,
            task_ids=(tasks[0].id, tasks[1].id),
            enrolment_ids=tuple(e.id for e in enrolments),
        )
    database(app).engine.dispose()
    return book


def test_edit_cells_in_place_with_the_mouse_and_the_keyboard(
    tab: BrowserTab, sign_in: SignIn, gradebook: Gradebook, axe_script: Path
) -> None:
    sign_in(tab, TEACHER)
    tab.goto(gradebook.path)
    page = tab.page
    assert_accessible(tab, axe_script)

    first = gradebook.cell(tab, 0, 0)
    first.click()
    editor = page.locator("#gradebook form.gb-edit input")
    expect(editor).to_be_focused()
    expect(editor).to_have_attribute("aria-label", re.compile("Aliyev Aziz, Call handling"))
    editor.fill("15,5")
    editor.press("Enter")
    expect(first).to_have_text("15.5")
    expect(first).to_have_attribute("data-v", "1")
    row = first.locator("xpath=ancestor::tr")
    expect(row.locator(".pc")).to_have_text("77.5")
    expect(page.locator("#gb-status")).to_have_text("Saved.")
    assert gradebook.points(0, 0) == 15.5
    first.click()  # a graded cell opens with its points, and Escape leaves it as it was
    expect(editor).to_have_value("15.5")
    editor.press("Escape")
    expect(first).to_be_focused()

    # The keyboard: focus the next student's cell, Enter opens it, EX excuses, Escape cancels.
    second = gradebook.cell(tab, 0, 1)
    second.focus()
    page.keyboard.press("Enter")
    expect(editor).to_be_focused()
    editor.fill("EX")
    editor.press("Enter")
    expect(second).to_have_text("excused")
    expect(second.locator("xpath=..")).to_have_class("x")
    third = gradebook.cell(tab, 1, 2)
    third.focus()
    page.keyboard.press("Enter")
    editor.fill("3")
    editor.press("Escape")
    expect(editor).to_have_count(0)
    expect(third).to_have_text("—")
    assert gradebook.points(1, 2) is None

    # A bad value is explained in the cell and saves nothing.
    third.click()
    editor.fill("lots")
    editor.press("Enter")
    expect(page.locator("#gradebook form.gb-edit .error")).to_contain_text("Enter points such as 7 or 7.5")
    expect(editor).to_have_attribute("aria-invalid", "true")
    editor.press("Escape")
    assert expected_only(tab, "400")
    assert_accessible(tab, axe_script)


def test_a_second_tab_gets_both_values_and_saves_over_only_on_purpose(
    open_tab: OpenTab, sign_in: SignIn, gradebook: Gradebook
) -> None:
    first_tab = open_tab(viewport={"width": 1280, "height": 800})
    sign_in(first_tab, TEACHER)
    first_tab.goto(gradebook.path)
    # The second tab shares the session, as two tabs of one browser do.
    second_tab = BrowserTab(first_tab.page.context.new_page(), first_tab.base_url, first_tab.watch)
    second_tab.goto(gradebook.path)

    theirs = gradebook.cell(second_tab, 1, 0)
    theirs.click()
    second_tab.page.locator("form.gb-edit input").fill("10")
    second_tab.page.locator("form.gb-edit input").press("Enter")
    expect(theirs).to_have_text("10")

    mine = gradebook.cell(first_tab, 1, 0)
    version = mine.get_attribute("data-v")
    mine.click()
    first_tab.page.locator("form.gb-edit input").fill("12")
    first_tab.page.locator("form.gb-edit input").press("Enter")
    conflict = first_tab.page.locator(".gb-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Your value was not saved")
    expect(conflict).to_contain_text("Saved meanwhile: 10 (Grade Keeper")
    expect(conflict).to_contain_text("Yours, not saved: 12")
    expect(mine).to_have_text("10")  # the cell shows the value that stands
    assert mine.get_attribute("data-v") != version
    assert gradebook.points(1, 0) == 10

    conflict.get_by_role("button", name="Save mine over it").click()
    expect(mine).to_have_text("12")
    expect(conflict).to_have_count(0)
    assert gradebook.points(1, 0) == 12
    assert expected_only(first_tab, "409")


def test_the_gradebook_fits_a_phone(open_tab: OpenTab, sign_in: SignIn, gradebook: Gradebook) -> None:
    phone = open_tab(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True, has_touch=True)
    sign_in(phone, TEACHER)
    for path in (
        gradebook.path,
        f"{gradebook.path}/history",
        f"{gradebook.path}/assessments/{gradebook.task_ids[0]}",
    ):
        phone.goto(path)
        width = phone.page.evaluate(
            "async () => { await document.fonts.ready; return document.scrollingElement.scrollWidth; }"
        )
        assert width <= PHONE_WIDTH, f"{path} is {width}px wide at a {PHONE_WIDTH}px viewport"
    phone.goto(gradebook.path)
    scroller = phone.page.locator(".gb-scroll")
    assert scroller.evaluate("box => box.scrollWidth > box.clientWidth")  # the table scrolls inside its box
    name = phone.page.locator("#gradebook tbody th").first
    before = name.bounding_box()
    scroller.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    after = name.bounding_box()
    assert before and after and abs(before["x"] - after["x"]) < 1  # the student column stays in view
    assert expected_only(phone)
