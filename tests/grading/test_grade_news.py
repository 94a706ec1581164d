"""A grade given or changed after its assessment was released tells the student: once per change, in
the app and by e-mail in their language, from the grading view, the inline gradebook or a CSV import;
not for feedback or levels alone, not before the release, not for a quiz's own score, never twice for
one retried request. An import's statements per row stay the same whatever its size."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.grading.grade_import import apply_grade_import, plan_grade_import
from academy.grading.models import AssessmentKind, GradeSource
from academy.grading.release import grade_news_key, release_grades, unrelease_grades
from academy.grading.services import GradeValue, StaleGrade, save_grade
from academy.mail import Mail
from academy.notifications.delivery import deliver_pending
from academy.notifications.models import Notification, NotificationKind
from academy.notifications.services import notify
from tests.conftest import Browser, Factory, QueryCounter
from tests.grading.gradebook_helpers import JSON, Book, cell_link, make_book, one_criterion, save

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NEWS = (NotificationKind.GRADE_GIVEN, NotificationKind.GRADE_UPDATED)


def news(db: Session) -> list[tuple[NotificationKind, int, int | None, int | None, str | None]]:
    """The grade news written so far, oldest first: kind, student, cohort, assessment, key."""
    return [
        (n.kind, n.user_id, n.cohort_id, n.assessment_id, n.dedupe_key)
        for n in db.scalars(select(Notification).where(Notification.kind.in_(NEWS)).order_by(Notification.id))
    ]


def released_book(db: Session, make: Factory, students: int = 2) -> Book:
    """A book whose first assessment is released (student 0 graded before) and second is not."""
    book = make_book(db, make, students=students)
    book.grade(0, 0, 12)
    release_grades(db, book.cohort, book.tasks[0], book.teacher, NOW)
    db.flush()
    return book


# -- the service -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("app_ctx")
def test_a_grade_given_then_changed_after_the_release_tells_the_student_each_time(
    db: Session, make: Factory
) -> None:
    book = released_book(db, make)
    task, late = book.tasks[0], book.enrolments[1]
    student, cohort = late.student_id, book.cohort.id
    save_grade(db, task, late, GradeValue(points=9), 0, book.teacher)  # a late hand-in graded
    save_grade(db, task, late, GradeValue(points=11), 1, book.teacher, "recount")
    save_grade(db, task, late, GradeValue(excused=True), 2, book.teacher)
    save_grade(db, task, book.enrolments[0], GradeValue(points=13), 1, book.teacher)  # graded before
    assert news(db) == [
        (NotificationKind.GRADE_GIVEN, student, cohort, task.id, grade_news_key(late.id, task.id, 1)),
        (NotificationKind.GRADE_UPDATED, student, cohort, task.id, grade_news_key(late.id, task.id, 2)),
        (NotificationKind.GRADE_UPDATED, student, cohort, task.id, grade_news_key(late.id, task.id, 3)),
        (
            NotificationKind.GRADE_UPDATED,
            book.enrolments[0].student_id,
            cohort,
            task.id,
            grade_news_key(book.enrolments[0].id, task.id, 2),
        ),
    ]


@pytest.mark.usefixtures("app_ctx")
def test_feedback_levels_or_nothing_changed_tell_nobody(db: Session, make: Factory) -> None:
    book = released_book(db, make)
    task, enrolment = book.tasks[0], book.enrolments[0]
    criterion = one_criterion(db, task, "Tone", {"Warm": 12, "Calm": 12})
    warm, calm = criterion.levels
    save_grade(db, task, enrolment, GradeValue(points=12, feedback="Nice"), 1, book.teacher)
    save_grade(
        db, task, enrolment, GradeValue(levels={criterion.id: warm.id}, feedback="Nice"), 2, book.teacher
    )
    save_grade(
        db, task, enrolment, GradeValue(levels={criterion.id: calm.id}, feedback="Nice"), 3, book.teacher
    )
    save_grade(
        db, task, enrolment, GradeValue(levels={criterion.id: calm.id}, feedback="Nice"), 4, book.teacher
    )
    assert news(db) == []


@pytest.mark.usefixtures("app_ctx")
def test_unreleased_or_hidden_again_or_a_quiz_tells_nobody(db: Session, make: Factory) -> None:
    book = released_book(db, make)
    save_grade(db, book.tasks[1], book.enrolments[0], GradeValue(points=5), 0, book.teacher)  # never released
    unrelease_grades(db, book.cohort, book.tasks[0], book.teacher)
    save_grade(db, book.tasks[0], book.enrolments[1], GradeValue(points=5), 0, book.teacher)  # hidden again
    quiz = make.assessment(book.cohort.course, AssessmentKind.QUIZ, max_points=10, weight=0)
    release_grades(db, book.cohort, quiz, book.teacher, NOW)
    save_grade(db, quiz, book.enrolments[0], GradeValue(points=7), None, None, source=GradeSource.QUIZ)
    assert news(db) == []


@pytest.mark.usefixtures("app_ctx")
def test_a_retried_save_never_tells_twice(db: Session, make: Factory) -> None:
    book = released_book(db, make)
    task, enrolment = book.tasks[0], book.enrolments[1]
    save_grade(db, task, enrolment, GradeValue(points=9), 0, book.teacher)
    with pytest.raises(StaleGrade):  # the same form posted again
        save_grade(db, task, enrolment, GradeValue(points=9), 0, book.teacher)
    assert len(news(db)) == 1
    # Another request that saved the same version first wrote its news: ours is refused with the save.
    notify(
        db,
        enrolment.student_id,
        NotificationKind.GRADE_UPDATED,
        cohort_id=book.cohort.id,
        assessment_id=task.id,
        dedupe_key=grade_news_key(enrolment.id, task.id, 2),
    )
    db.flush()
    with pytest.raises(StaleGrade):
        save_grade(db, task, enrolment, GradeValue(points=10), 1, book.teacher)
    db.expire_all()
    assert len(news(db)) == 2 and save_grade(db, task, enrolment, GradeValue(points=9), 1, None).points == 9


@pytest.mark.parametrize(
    ("locale", "given", "updated", "sentence"),
    [
        ("en", "New grade: Task 1", "Grade updated: Task 1", "Your grade for Task 1 in Course"),
        ("ru", "Новая оценка: Task 1", "Оценка изменена: Task 1", "Ваша оценка за Task 1"),
        ("uz", "Yangi baho: Task 1", "Baho oʻzgardi: Task 1", "Task 1 boʻyicha bahoyingiz"),
    ],
)
def test_the_email_is_in_the_students_language(
    app: Flask,
    db: Session,
    make: Factory,
    mailbox: list[Mail],
    locale: str,
    given: str,
    updated: str,
    sentence: str,
) -> None:
    book = released_book(db, make)
    enrolment = book.enrolments[1]
    enrolment.student.locale = locale
    with app.test_request_context():
        save_grade(db, book.tasks[0], enrolment, GradeValue(points=9), 0, book.teacher)
        save_grade(db, book.tasks[0], enrolment, GradeValue(points=10), 1, book.teacher)
        db.flush()
        deliver_pending(db)
    mine = [mail for mail in mailbox if mail.to == enrolment.student.email]
    assert [mail.subject for mail in mine] == [given, updated]
    assert sentence in mine[1].body
    assert f"{app.config['BASE_URL']}/my/cohorts/{book.cohort.code}" in mine[1].body


# -- every source ------------------------------------------------------------------------------------


def test_the_grading_view_tells_once_and_a_retried_post_is_409(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = released_book(db, make)
    browser.login(book.teacher)
    url = cell_link(book, 0, 1)
    assert browser.post(url, {"version": "0", "points": "8", "feedback": "Late but fine"}).status_code == 302
    assert browser.post(url, {"version": "0", "points": "8", "feedback": "Late but fine"}).status_code == 409
    assert browser.post(url, {"version": "1", "points": "8", "feedback": "Fine"}).status_code == 302
    assert [kind for kind, *_ in news(db)] == [NotificationKind.GRADE_GIVEN]
    browser.logout()
    browser.login(book.enrolments[1].student)
    body = browser.get("/notifications").get_data(as_text=True)
    sentence = f"You have a new grade for Task 1 in {book.cohort.course.title_en}, cohort {book.cohort.code}."
    assert sentence in body and f'href="/my/cohorts/{book.cohort.code}"' in body


def test_the_inline_gradebook_tells_of_a_changed_grade(browser: Browser, db: Session, make: Factory) -> None:
    book = released_book(db, make)
    browser.login(book.teacher)
    assert save(browser, book, 0, 0, "14", 1).status_code == 200
    assert save(browser, book, 0, 0, "14", 1).status_code == 409  # retried
    assert save(browser, book, 1, 0, "3", 0).status_code == 200  # not released
    assert [kind for kind, *_ in news(db)] == [NotificationKind.GRADE_UPDATED]
    browser.logout()
    browser.login(book.enrolments[0].student)
    body = browser.get("/notifications", headers=JSON).get_data(as_text=True)
    assert (
        f"Your grade for Task 1 in {book.cohort.course.title_en}, cohort {book.cohort.code}, was updated."
        in body
    )


@pytest.mark.usefixtures("app_ctx")
def test_an_import_tells_each_changed_student_once(db: Session, make: Factory) -> None:
    book = released_book(db, make, students=3)
    task = book.tasks[0]
    head = f"E-mail,Task 1 [#{task.id}],Task 2 [#{book.tasks[1].id}]"
    rows = [
        f"{e.student.email},{points},4" for e, points in zip(book.enrolments, ("12", "7", "EX"), strict=True)
    ]
    plan = plan_grade_import(db, book.cohort, "\r\n".join([head, *rows]).encode())
    assert plan.clean and len(plan.changes) == 5  # student 0's 12 stands
    apply_grade_import(db, book.cohort, plan, book.teacher, "grades.csv")
    assert [(kind, user) for kind, user, *_ in news(db)] == [
        (NotificationKind.GRADE_GIVEN, book.enrolments[1].student_id),
        (NotificationKind.GRADE_GIVEN, book.enrolments[2].student_id),
    ]


@pytest.mark.usefixtures("app_ctx")
def test_an_import_of_a_released_assessment_takes_the_same_statements_per_row(
    db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    def statements(students: int, released: bool) -> int:
        book = make_book(db, make, students=students)
        if released:
            release_grades(db, book.cohort, book.tasks[0], book.teacher, NOW)
        head = f"E-mail,Task 1 [#{book.tasks[0].id}]"
        data = "\r\n".join([head, *(f"{e.student.email},5" for e in book.enrolments)]).encode()
        plan = plan_grade_import(db, book.cohort, data)
        db.flush()
        db.expire_all()
        before = count_queries.count
        assert apply_grade_import(db, book.cohort, plan, book.teacher) == students
        return count_queries.count - before

    quiet = statements(12, False) - statements(3, False)
    told = statements(12, True) - statements(3, True)
    assert told % 9 == 0 and quiet % 9 == 0
    assert told // 9 == quiet // 9 + 1, (told, quiet)  # one more per row: its news
    assert len(news(db)) == 15
