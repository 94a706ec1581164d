"""Who may study a course's lessons, the lessons a student has marked done, and progress per course.

Progress belongs to the student and the course, not the cohort: a student who moves to another cohort
of the same course keeps it. ``progress_by_course`` answers for any number of courses in one query.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus, cohort_instructors
from academy.courses.models import Course, CourseModule, Lesson, LessonProgress

# Enrolments that open a course's lessons to the student.
STUDYING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


class Access(enum.Enum):
    NONE = "none"
    STUDENT = "student"  # reads the lessons and marks them done
    READER = "reader"  # an administrator, or an instructor of one of the course's cohorts


@dataclass(frozen=True)
class Progress:
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        """Whole per cent done, rounded down: 100 only when every lesson is done."""
        return self.done * 100 // self.total if self.total else 0


def access_to(session: Session, user: User, course: Course) -> Access:
    """How ``user`` may use the lessons of ``course``."""
    if user.role is Role.ADMIN:
        return Access.READER
    in_a_cohort = select(Cohort.id).where(Cohort.course_id == course.id)
    if user.role is Role.STUDENT:
        studying = session.scalar(
            select(
                exists().where(
                    Enrolment.student_id == user.id,
                    Enrolment.status.in_(STUDYING),
                    Enrolment.cohort_id.in_(in_a_cohort),
                )
            )
        )
        return Access.STUDENT if studying else Access.NONE
    if user.role is Role.INSTRUCTOR:
        teaching = session.scalar(
            select(
                exists().where(
                    cohort_instructors.c.instructor_id == user.id,
                    cohort_instructors.c.cohort_id.in_(in_a_cohort),
                )
            )
        )
        return Access.READER if teaching else Access.NONE
    return Access.NONE


def mark_done(session: Session, student: User, lesson: Lesson) -> None:
    """Record that ``student`` has done ``lesson``; asking twice (a double click) changes nothing."""
    if session.get(LessonProgress, (student.id, lesson.id)) is not None:
        return
    try:
        with session.begin_nested():
            session.add(LessonProgress(student_id=student.id, lesson_id=lesson.id))
    except IntegrityError:
        pass  # the same student's other request recorded it first


def mark_not_done(session: Session, student: User, lesson: Lesson) -> None:
    """Forget that ``student`` has done ``lesson``; nothing happens when it was not marked."""
    session.execute(
        delete(LessonProgress).where(
            LessonProgress.student_id == student.id, LessonProgress.lesson_id == lesson.id
        )
    )


def done_lesson_ids(session: Session, student_id: int, course_id: int) -> set[int]:
    """The lessons of ``course_id`` that the student has marked done."""
    return set(
        session.scalars(
            select(LessonProgress.lesson_id)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .join(CourseModule, CourseModule.id == Lesson.module_id)
            .where(LessonProgress.student_id == student_id, CourseModule.course_id == course_id)
        )
    )


def progress_by_course(session: Session, student_id: int, course_ids: Iterable[int]) -> dict[int, Progress]:
    """Lessons done and lessons in all, for each of ``course_ids``, in one query.

    Every id asked for is in the answer; a course without lessons has ``Progress(0, 0)``.
    """
    ids = sorted(set(course_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(CourseModule.course_id, func.count(LessonProgress.lesson_id), func.count(Lesson.id))
        .join(Lesson, Lesson.module_id == CourseModule.id)
        .outerjoin(
            LessonProgress,
            and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.student_id == student_id),
        )
        .where(CourseModule.course_id.in_(ids))
        .group_by(CourseModule.course_id)
    )
    found = {course_id: Progress(done, total) for course_id, done, total in rows}
    return {course_id: found.get(course_id, Progress()) for course_id in ids}
