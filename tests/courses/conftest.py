"""Fixtures for courses: content (modules of lessons), skills taught and places in cohorts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.courses.markdown import render_lesson_markdown
from academy.courses.models import Course, CourseModule, CourseSkill, CourseStatus, Lesson
from academy.skills.models import Skill
from tests.conftest import Factory


class Courses:
    """Builds courses with content, and the people around them."""

    def __init__(self, session: Session, make: Factory) -> None:
        self.session = session
        self.make = make

    def skill(self, code: str) -> Skill:
        skill = self.session.scalar(select(Skill).where(Skill.code == code))
        assert skill is not None, code
        return skill

    def course(
        self, modules: int = 2, lessons: int = 3, status: CourseStatus = CourseStatus.PUBLISHED, **fields: Any
    ) -> Course:
        """A course teaching Excel (level 2) with ``modules`` modules of ``lessons`` lessons each."""
        course = self.make.course(status=status, **fields)
        course.skills.append(CourseSkill(skill_id=self.skill("excel").id, level=2))
        for m in range(1, modules + 1):
            module = CourseModule(course=course, position=m, title=f"Module {m}")
            for n in range(1, lessons + 1):
                body = f"## Part {m}.{n}\n\nRead *this* carefully."
                module.lessons.append(
                    Lesson(
                        position=n,
                        title=f"Lesson {m}.{n}",
                        minutes=10,
                        body_markdown=body,
                        body_html=render_lesson_markdown(body),
                    )
                )
            self.session.add(module)
        self.session.flush()
        self.session.expire(course)
        return course

    def lessons(self, course: Course) -> list[Lesson]:
        return list(
            self.session.scalars(
                select(Lesson)
                .join(CourseModule)
                .where(CourseModule.course_id == course.id)
                .order_by(CourseModule.position, Lesson.position)
            )
        )

    def student_in(
        self, course: Course, status: EnrolmentStatus = EnrolmentStatus.ENROLLED, student: User | None = None
    ) -> User:
        """A student with a place in a new cohort of ``course``."""
        student = student or self.make.user(Role.STUDENT)
        cohort = self.make.cohort(course)
        self.session.add(
            Enrolment(
                cohort_id=cohort.id,
                student_id=student.id,
                status=status,
                waitlist_ticket=1 if status is EnrolmentStatus.WAITLISTED else None,
            )
        )
        self.session.flush()
        return student

    def instructor_of(self, course: Course) -> User:
        instructor = self.make.user(Role.INSTRUCTOR)
        cohort: Cohort = self.make.cohort(course)
        cohort.instructors.append(instructor)
        self.session.flush()
        return instructor


@pytest.fixture
def courses(db: Session, make: Factory) -> Courses:
    return Courses(db, make)
