"""Releasing grades again after hiding them: a student already told of the assessment hears only of a
grade a person changed while it was hidden (as "new grade" or "grade updated", under the key the
change's version names), never "grades released" a second time; a student never told hears that the
grades are released. Releasing takes the same statements whatever the cohort's size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.grading.models import GradeSource
from academy.grading.release import (
    ReleaseChanged,
    grade_news_key,
    release_grades,
    released_key,
    unrelease_grades,
)
from academy.grading.services import GradeValue, save_grade
from academy.mail import Mail
from academy.notifications.models import Notification, NotificationKind
from academy.notifications.services import notify
from tests.conftest import Browser, Factory, QueryCounter
from tests.grading.gradebook_helpers import Book, make_book

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RELEASED, GIVEN, UPDATED = (
    NotificationKind.GRADES_RELEASED,
    NotificationKind.GRADE_GIVEN,
    NotificationKind.GRADE_UPDATED,
)


def all_news(db: Session) -> list[tuple[NotificationKind, int, str | None]]:
    """Every notification written so far, oldest first: kind, user, key."""
    return [
        (n.kind, n.user_id, n.dedupe_key) for n in db.scalars(select(Notification).order_by(Notification.id))
    ]


def released_then_hidden(db: Session, make: Factory, students: int = 3) -> Book:
    """Students 0 and 1 graded and told at the first release; the grades then hidden again."""
    book = make_book(db, make, students=students)
    book.grade(0, 0, 12)
    book.grade(0, 1, excused=True)
    assert release_grades(db, book.cohort, book.tasks[0], book.teacher, NOW) == 2
    assert unrelease_grades(db, book.cohort, book.tasks[0], book.teacher)
    db.flush()
    return book


def release_again(book: Book, hours: int = 1) -> int:
    return release_grades(book.db, book.cohort, book.tasks[0], book.teacher, NOW + timedelta(hours=hours))


@pytest.mark.usefixtures("app_ctx")
def test_a_grade_changed_while_hidden_is_told_once_at_the_next_release(db: Session, make: Factory) -> None:
    book = released_then_hidden(db, make)
    task, first, second = book.tasks[0], book.enrolments[0], book.enrolments[1]
    before = all_news(db)
    version = book.grade(0, 0, 15)
    book.grade(0, 1, 7)  # excused before: a grade now, an update all the same
    assert all_news(db) == before  # hidden: nobody told yet
    assert release_again(book) == 2
    assert all_news(db)[len(before) :] == [
        (UPDATED, first.student_id, grade_news_key(first.id, task.id, version)),
        (UPDATED, second.student_id, grade_news_key(second.id, task.id, 2)),
    ]
    unrelease_grades(db, book.cohort, task, book.teacher)
    assert release_again(book, 2) == 0  # twice: told already
    assert len(all_news(db)) == len(before) + 2


@pytest.mark.usefixtures("app_ctx")
def test_a_re_release_with_no_change_of_points_tells_nobody(db: Session, make: Factory) -> None:
    book = released_then_hidden(db, make)
    task, enrolment = book.tasks[0], book.enrolments[0]
    before = all_news(db)
    assert release_again(book) == 0
    unrelease_grades(db, book.cohort, task, book.teacher)
    save_grade(db, task, enrolment, GradeValue(points=12, feedback="Well argued"), 1, book.teacher)
    save_grade(db, task, enrolment, GradeValue(points=14, feedback="Well argued"), 2, book.teacher)
    save_grade(db, task, enrolment, GradeValue(points=12, feedback="Well argued"), 3, book.teacher)
    assert release_again(book, 2) == 0  # feedback alone, and a change taken back, are no news
    assert all_news(db) == before


@pytest.mark.usefixtures("app_ctx")
def test_a_student_graded_while_hidden_hears_that_the_grades_are_released(db: Session, make: Factory) -> None:
    book = released_then_hidden(db, make)
    newcomer = book.enrolments[2]
    book.grade(0, 2, 9)
    assert release_again(book) == 1
    key = released_key(book.cohort.id, book.tasks[0].id, newcomer.student_id)
    assert all_news(db)[-1] == (RELEASED, newcomer.student_id, key)


@pytest.mark.usefixtures("app_ctx")
def test_a_student_told_of_a_grade_given_never_hears_grades_released(db: Session, make: Factory) -> None:
    book = make_book(db, make, students=2)
    task, late = book.tasks[0], book.enrolments[1]
    book.grade(0, 0, 12)
    release_grades(db, book.cohort, task, book.teacher, NOW)
    book.grade(0, 1, 8)  # released: "new grade"
    assert [kind for kind, user, _ in all_news(db) if user == late.student_id] == [GIVEN]
    unrelease_grades(db, book.cohort, task, book.teacher)
    assert release_again(book) == 0
    unrelease_grades(db, book.cohort, task, book.teacher)
    version = book.grade(0, 1, 10)
    assert release_again(book, 2) == 1
    assert [(kind, key) for kind, user, key in all_news(db) if user == late.student_id] == [
        (GIVEN, grade_news_key(late.id, task.id, 1)),
        (UPDATED, grade_news_key(late.id, task.id, version)),
    ]


@pytest.mark.usefixtures("app_ctx")
def test_a_grade_cleared_or_given_back_while_hidden_tells_as_a_released_change_would(
    db: Session, make: Factory
) -> None:
    book = released_then_hidden(db, make)
    task, first = book.tasks[0], book.enrolments[0]
    cleared = book.grade(0, 0)  # taken away: "grade updated", as a save after the release tells
    assert release_again(book) == 1
    assert all_news(db)[-1] == (UPDATED, first.student_id, grade_news_key(first.id, task.id, cleared))
    unrelease_grades(db, book.cohort, task, book.teacher)
    given = book.grade(0, 0, 11)  # told of no grade last: "new grade"
    assert release_again(book, 2) == 1
    assert all_news(db)[-1] == (GIVEN, first.student_id, grade_news_key(first.id, task.id, given))


@pytest.mark.usefixtures("app_ctx")
def test_a_quiz_scoring_itself_while_hidden_tells_nobody(db: Session, make: Factory) -> None:
    book = released_then_hidden(db, make)
    task, first = book.tasks[0], book.enrolments[0]
    before = all_news(db)
    save_grade(db, task, first, GradeValue(points=16), None, None, source=GradeSource.QUIZ)
    assert release_again(book) == 0
    assert all_news(db) == before


@pytest.mark.usefixtures("app_ctx")
def test_a_release_takes_the_same_statements_for_3_or_12_students(
    db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    def statements(students: int, again: bool) -> int:
        book = make_book(db, make, students=students)
        for student in range(students):
            book.grade(0, student, 10)
        if again:  # released, hidden, every grade changed: everyone is told of the change
            release_grades(db, book.cohort, book.tasks[0], book.teacher, NOW)
            unrelease_grades(db, book.cohort, book.tasks[0], book.teacher)
            for student in range(students):
                book.grade(0, student, 12)
        db.flush()
        db.expire_all()
        before = count_queries.count
        assert release_again(book) == students
        db.flush()
        return count_queries.count - before

    assert statements(3, again=False) == statements(12, again=False)
    assert statements(3, again=True) == statements(12, again=True)


def test_the_page_releasing_again_e_mails_the_changed_grade_at_once(
    browser: Browser, db: Session, make: Factory, mailbox: list[Mail]
) -> None:
    book = make_book(db, make, students=2)
    book.grade(0, 0, 12)
    url = f"{book.url}/assessments/{book.tasks[0].id}"
    browser.login(book.teacher)
    assert browser.post(f"{url}/release").status_code == 302
    assert [mail.subject for mail in mailbox] == ["Grades released: Task 1"]
    browser.post(f"{url}/unrelease")
    book.grade(0, 0, 14)
    book.grade(0, 1, 6)
    assert browser.post(f"{url}/release").status_code == 302
    page = browser.get(url).get_data(as_text=True)
    assert "The grades are released; 2 students are notified." in page
    assert sorted((mail.to, mail.subject) for mail in mailbox[1:]) == sorted(
        [
            (book.enrolments[0].student.email, "Grade updated: Task 1"),
            (book.enrolments[1].student.email, "Grades released: Task 1"),
        ]
    )


@pytest.mark.usefixtures("app_ctx")
def test_a_key_written_by_someone_else_meanwhile_refuses_the_whole_release(
    db: Session, make: Factory
) -> None:
    book = make_book(db, make, students=2)
    book.grade(0, 0, 12)
    book.grade(0, 1, 8)
    task, taken = book.tasks[0], book.enrolments[1].student_id
    # A message this release has not read (another request's, not yet of this assessment) takes a key.
    notify(db, taken, RELEASED, dedupe_key=released_key(book.cohort.id, task.id, taken))
    db.flush()
    with pytest.raises(ReleaseChanged):
        release_grades(db, book.cohort, task, book.teacher, NOW)
    assert len(all_news(db)) == 1  # the other student's news went with the refused savepoint


@pytest.mark.usefixtures("app_ctx")
def test_a_change_back_to_the_grade_told_after_a_quiz_changed_it_is_told(db: Session, make: Factory) -> None:
    """The student knows the score the quiz gave them after they were told: a person setting the grade
    back to the one first told, while hidden, is a change to them."""
    book = make_book(db, make, students=1)
    task, enrolment = book.tasks[0], book.enrolments[0]
    book.grade(0, 0, 12)
    assert release_grades(db, book.cohort, task, book.teacher, NOW) == 1
    save_grade(db, task, enrolment, GradeValue(points=16), None, None, source=GradeSource.QUIZ)
    assert unrelease_grades(db, book.cohort, task, book.teacher)
    book.grade(0, 0, 12)
    before = len(all_news(db))
    assert release_again(book) == 1
    assert [kind for kind, _, _ in all_news(db)[before:]] == [UPDATED]
