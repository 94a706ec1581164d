"""A cohort's due dates and the release of grades: the services, the assessment's page, and the news
students get (once, in their own language, only when they have a grade in a released assessment)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts.models import EnrolmentStatus
from academy.cohorts.timetable import local_to_utc
from academy.errors import NotFound
from academy.grading import book as gradebook
from academy.grading.models import CohortAssessment
from academy.grading.release import (
    DueDateChanged,
    DueOutsideCohort,
    move_due_date,
    release_grades,
    unrelease_grades,
)
from academy.mail import Mail
from academy.notifications.delivery import deliver_pending
from academy.notifications.models import Notification, NotificationKind
from tests.conftest import Browser, Factory
from tests.grading.gradebook_helpers import Book, make_book

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def released_news(db: Session) -> list[tuple[int, int | None, int | None]]:
    return [
        (n.user_id, n.cohort_id, n.assessment_id)
        for n in db.scalars(
            select(Notification)
            .where(Notification.kind == NotificationKind.GRADES_RELEASED)
            .order_by(Notification.user_id)
        )
    ]


def graded_book(db: Session, make: Factory) -> Book:
    """Four students: 0 graded, 1 excused, 2 not graded, 3 graded but withdrawn."""
    book = make_book(db, make, students=4)
    book.grade(0, 0, 12)
    book.grade(0, 1, excused=True)
    book.grade(0, 3, 9)
    book.grade(1, 2, 4)  # a grade in the other assessment, which stays hidden
    book.enrolments[3].status = EnrolmentStatus.WITHDRAWN
    db.flush()
    return book


# -- services --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("app_ctx")
def test_release_tells_the_roster_students_with_a_grade_once(db: Session, make: Factory) -> None:
    book = graded_book(db, make)
    task = book.tasks[0]
    assert release_grades(db, book.cohort, task, book.teacher, NOW) == 2
    row = db.get(CohortAssessment, (book.cohort.id, task.id))
    assert row is not None and (row.released_at, row.released_by_id) == (NOW, book.teacher.id)
    student_ids = sorted(book.enrolments[i].student_id for i in (0, 1))
    assert released_news(db) == [(s, book.cohort.id, task.id) for s in student_ids]
    # Twice, or again after hiding them: nobody is told a second time.
    assert release_grades(db, book.cohort, task, book.teacher, NOW + timedelta(hours=1)) == 0
    assert unrelease_grades(db, book.cohort, task, book.teacher) is True
    assert unrelease_grades(db, book.cohort, task, book.teacher) is False
    assert row.released_at is None
    book.grade(0, 2, 15)  # graded while hidden: told at the next release
    assert release_grades(db, book.cohort, task, book.teacher, NOW + timedelta(hours=2)) == 1
    assert len(released_news(db)) == 3
    assert [c.released for c in gradebook.columns(db, book.cohort)] == [True, False]


@pytest.mark.usefixtures("app_ctx")
def test_unreleased_grades_tell_nobody(db: Session, make: Factory) -> None:
    book = graded_book(db, make)
    move_due_date(db, book.cohort, book.tasks[0], None, 0)  # a change that is not a release
    assert released_news(db) == []
    assert [c.released for c in gradebook.columns(db, book.cohort)] == [False, False]


@pytest.mark.usefixtures("app_ctx")
def test_moving_a_due_date_checks_its_version_and_the_cohorts_days(db: Session, make: Factory) -> None:
    book = make_book(db, make, students=1)
    task = book.tasks[0]
    cohort = book.cohort
    new_due = local_to_utc(cohort.starts_on + timedelta(days=20), time(18, 0))
    row = move_due_date(db, cohort, task, new_due, 0)
    assert (row.due_at, row.version) == (new_due, 1)
    column = gradebook.columns(db, cohort)[0]
    assert (column.due_at, column.due_moved, column.change_version) == (new_due, True, 1)
    with pytest.raises(DueDateChanged):
        move_due_date(db, cohort, task, new_due + timedelta(days=1), 0)  # drawn before the move
    with pytest.raises(DueOutsideCohort):
        move_due_date(db, cohort, task, local_to_utc(cohort.ends_on + timedelta(days=1), time(9)), 1)
    with pytest.raises(DueOutsideCohort):
        move_due_date(db, cohort, task, local_to_utc(cohort.starts_on - timedelta(days=1), time(9)), 1)
    move_due_date(db, cohort, task, None, 1)  # back to the course's day
    column = gradebook.columns(db, cohort)[0]
    assert (column.due_moved, column.change_version) == (False, 2)
    assert column.due_at == gradebook.default_due_at(task, cohort)
    other = make_book(db, make, students=0)
    for call in (
        lambda: move_due_date(db, cohort, other.tasks[0], None, 0),
        lambda: release_grades(db, cohort, other.tasks[0], book.teacher, NOW),
        lambda: unrelease_grades(db, cohort, other.tasks[0], book.teacher),
    ):
        with pytest.raises(NotFound):
            call()


# -- the assessment's page ---------------------------------------------------------------------------


def test_the_column_page_releases_and_hides(browser: Browser, db: Session, make: Factory) -> None:
    book = graded_book(db, make)
    url = f"{book.url}/assessments/{book.tasks[0].id}"
    browser.login(book.teacher)
    page = browser.get(url).get_data(as_text=True)
    assert "Hidden from students" in page and "Release the grades" in page
    assert "2 of 3 graded or excused" in page and "Practical exam" in page
    response = browser.post(f"{url}/release")
    assert response.status_code == 302 and response.headers["Location"] == url
    page = browser.get(url).get_data(as_text=True)
    assert "The grades are released; 2 students are notified." in page
    assert "Hide from students again" in page and book.teacher.full_name in page
    browser.post(f"{url}/release")
    assert "These grades were already released." in browser.get(url).get_data(as_text=True)
    assert len(released_news(db)) == 2
    browser.post(f"{url}/unrelease")
    page = browser.get(url).get_data(as_text=True)
    assert "The grades are hidden from the students again." in page and "Release the grades" in page
    assert browser.post(f"{url}/release", csrf=False).status_code == 400


def test_the_column_page_moves_the_due_date_and_refuses_a_stale_form(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = make_book(db, make, students=1)
    url = f"{book.url}/assessments/{book.tasks[0].id}"
    day = book.cohort.starts_on + timedelta(days=21)
    browser.login(book.teacher)
    assert 'name="version" type="hidden" value="0"' in browser.get(url).get_data(as_text=True)
    response = browser.post(url, {"version": "0", "day": day.isoformat(), "at": "18:30"})
    assert response.status_code == 302
    assert "The due date is saved." in browser.get(url).get_data(as_text=True)
    column = gradebook.columns(db, book.cohort)[0]
    assert column.due_at == local_to_utc(day, time(18, 30)) and column.change_version == 1
    stale = browser.post(url, {"version": "0", "day": (day + timedelta(days=1)).isoformat(), "at": "10:00"})
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "Someone else changed this due date" in body
    assert 'name="version" type="hidden" value="1"' in body  # saving again, having seen it, may win
    assert gradebook.columns(db, book.cohort)[0].due_at == local_to_utc(day, time(18, 30))
    outside = browser.post(
        url, {"version": "1", "day": (book.cohort.ends_on + timedelta(days=3)).isoformat()}
    )
    assert outside.status_code == 400
    assert "between the first and the last day of the cohort" in outside.get_data(as_text=True)
    ancient = browser.post(url, {"version": "1", "day": "0001-01-01", "at": "00:00"})  # no UTC moment
    assert ancient.status_code == 400
    assert "between the first and the last day of the cohort" in ancient.get_data(as_text=True)
    for bad in (
        {"version": "1", "day": "2026-13-45"},
        {"version": "1", "day": ""},
        {"version": "x", "day": "y"},
    ):
        assert browser.post(url, bad).status_code == 400, bad
    assert browser.post(url, {"version": "1", "reset": "y"}).status_code == 302
    assert gradebook.columns(db, book.cohort)[0].due_moved is False


def test_column_pages_of_elsewhere_are_404_and_students_403(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = make_book(db, make, students=1)
    other = make_book(db, make, students=1)
    browser.login(book.teacher)
    for path in ("", "/release", "/unrelease"):
        url = f"{book.url}/assessments/{other.tasks[0].id}{path}"
        response = browser.get(url) if not path else browser.post(url)
        assert response.status_code == 404, url
    assert browser.get(f"{other.url}/assessments/{other.tasks[0].id}").status_code == 404
    browser.logout()
    browser.login(Role.STUDENT)
    assert browser.post(f"{book.url}/assessments/{book.tasks[0].id}/release").status_code == 403
    assert db.get(CohortAssessment, (book.cohort.id, book.tasks[0].id)) is None


# -- the news ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "subject", "sentence"),
    [
        ("en", "Grades released: Task 1", "Your grades for Task 1 in Course"),
        ("ru", "Оценки опубликованы: Task 1", "Ваши оценки за Task 1"),
        ("uz", "Baholar eʼlon qilindi: Task 1", "Task 1 boʻyicha baholaringiz"),
    ],
)
def test_the_email_is_in_the_students_language_with_a_link_to_their_results(
    app: Flask,
    db: Session,
    make: Factory,
    mailbox: list[Mail],
    locale: str,
    subject: str,
    sentence: str,
) -> None:
    book = make_book(db, make, students=1)
    book.enrolments[0].student.locale = locale
    book.grade(0, 0, 17)
    with app.test_request_context():
        release_grades(db, book.cohort, book.tasks[0], book.teacher, NOW)
        db.flush()
        report = deliver_pending(db)
    assert report.sent == 1
    [mail] = mailbox
    assert mail.to == book.enrolments[0].student.email
    assert mail.subject == subject
    assert sentence in mail.body
    assert f"{app.config['BASE_URL']}/my/cohorts/{book.cohort.code}" in mail.body


def test_the_news_is_in_the_students_list(browser: Browser, db: Session, make: Factory) -> None:
    book = make_book(db, make, students=1)
    book.grade(0, 0, 17)
    browser.login(book.teacher)
    browser.post(f"{book.url}/assessments/{book.tasks[0].id}/release")
    browser.logout()
    browser.login(book.enrolments[0].student)
    body = browser.get("/notifications").get_data(as_text=True)
    assert (
        f"Your grades for Task 1 in {book.cohort.course.title_en}, cohort {book.cohort.code}, are released."
        in body
    )
    assert f'href="/my/cohorts/{book.cohort.code}"' in body
