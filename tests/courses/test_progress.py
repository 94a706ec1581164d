"""Marking lessons done, progress per course in one query, and who may study a course."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts.models import EnrolmentStatus
from academy.courses import progress
from academy.courses.models import LessonProgress
from tests.conftest import Factory, QueryCounter
from tests.courses.conftest import Courses


def test_marking_done_twice_is_one_record(db: Session, courses: Courses) -> None:
    course = courses.course(modules=1, lessons=2)
    student = courses.student_in(course)
    lesson = courses.lessons(course)[0]
    progress.mark_done(db, student, lesson)
    progress.mark_done(db, student, lesson)
    assert db.scalar(select(func.count()).select_from(LessonProgress)) == 1
    progress.mark_not_done(db, student, lesson)
    progress.mark_not_done(db, student, lesson)
    assert db.scalar(select(func.count()).select_from(LessonProgress)) == 0


def test_a_racing_duplicate_is_absorbed(
    db: Session, courses: Courses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row another request wrote between the check and the insert does not become an error."""
    course = courses.course(modules=1, lessons=1)
    student = courses.student_in(course)
    lesson = courses.lessons(course)[0]
    db.execute(LessonProgress.__table__.insert().values(student_id=student.id, lesson_id=lesson.id))
    monkeypatch.setattr(db, "get", lambda *_args, **_kwargs: None)  # the check ran before the other insert
    progress.mark_done(db, student, lesson)  # the insert collides inside its savepoint
    monkeypatch.undo()
    db.flush()
    assert db.scalar(select(func.count()).select_from(LessonProgress)) == 1


def test_progress_by_course(db: Session, courses: Courses, make: Factory) -> None:
    first, second, empty = (
        courses.course(modules=2, lessons=2),
        courses.course(modules=1, lessons=3),
        make.course(),
    )
    student, other = courses.student_in(first), make.user(Role.STUDENT)
    for lesson in courses.lessons(first)[:3]:
        progress.mark_done(db, student, lesson)
    progress.mark_done(db, other, courses.lessons(second)[0])
    found = progress.progress_by_course(db, student.id, [first.id, second.id, empty.id, 999999])
    assert found[first.id] == progress.Progress(3, 4) and found[first.id].percent == 75
    assert found[second.id] == progress.Progress(0, 3) and found[second.id].percent == 0
    assert found[empty.id] == progress.Progress(0, 0) and found[empty.id].percent == 0
    assert found[999999] == progress.Progress()
    assert progress.progress_by_course(db, student.id, []) == {}


@pytest.mark.parametrize(("done", "total", "percent"), [(1, 3, 33), (2, 3, 66), (3, 3, 100), (0, 0, 0)])
def test_percent_rounds_down(done: int, total: int, percent: int) -> None:
    assert progress.Progress(done, total).percent == percent


def test_progress_by_course_is_one_query_whatever_the_number(
    db: Session, courses: Courses, count_queries: QueryCounter
) -> None:
    many = [courses.course(modules=2, lessons=2) for _ in range(6)]
    student = courses.student_in(many[0])
    for course in many:
        progress.mark_done(db, student, courses.lessons(course)[0])
    db.flush()
    count_queries.statements.clear()
    progress.progress_by_course(db, student.id, [many[0].id])
    one = count_queries.count
    count_queries.statements.clear()
    result = progress.progress_by_course(db, student.id, [c.id for c in many])
    assert count_queries.count == one == 1
    assert all(p == progress.Progress(1, 4) for p in result.values())


def test_done_lesson_ids_stay_within_the_course(db: Session, courses: Courses) -> None:
    mine, other = courses.course(modules=1, lessons=2), courses.course(modules=1, lessons=2)
    student = courses.student_in(mine)
    progress.mark_done(db, student, courses.lessons(mine)[1])
    progress.mark_done(db, student, courses.lessons(other)[0])
    assert progress.done_lesson_ids(db, student.id, mine.id) == {courses.lessons(mine)[1].id}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (EnrolmentStatus.ENROLLED, progress.Access.STUDENT),
        (EnrolmentStatus.COMPLETED, progress.Access.STUDENT),
        (EnrolmentStatus.WAITLISTED, progress.Access.NONE),
        (EnrolmentStatus.WITHDRAWN, progress.Access.NONE),
        (EnrolmentStatus.FAILED, progress.Access.NONE),
    ],
)
def test_students_study_with_a_place(
    db: Session, courses: Courses, status: EnrolmentStatus, expected: progress.Access
) -> None:
    course = courses.course()
    assert progress.access_to(db, courses.student_in(course, status), course) is expected


def test_staff_read_and_others_do_not(db: Session, courses: Courses, make: Factory) -> None:
    course, other = courses.course(), courses.course()
    assert progress.access_to(db, make.user(Role.ADMIN), course) is progress.Access.READER
    assert progress.access_to(db, courses.instructor_of(course), course) is progress.Access.READER
    assert progress.access_to(db, courses.instructor_of(other), course) is progress.Access.NONE
    assert progress.access_to(db, courses.student_in(other), course) is progress.Access.NONE
    assert progress.access_to(db, make.employer(), course) is progress.Access.NONE
