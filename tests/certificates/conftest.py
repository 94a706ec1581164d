"""A finished cohort whose course has one exam and two skills, and students graded in it."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.certificates.models import Certificate
from academy.certificates.services import issue_certificate
from academy.cohorts.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    Enrolment,
    EnrolmentStatus,
)
from academy.courses.models import Course, CourseSkill
from academy.db import utcnow
from academy.grading.models import AssessmentKind, Grade
from academy.skills.models import Skill
from academy.tracks import Track
from tests.conftest import Factory

NOW = utcnow()


@dataclass
class Finished:
    db: Session = field(repr=False)
    make: Factory = field(repr=False)
    course: Course
    cohort: Cohort
    exam_id: int
    admin: User
    skills: list[Skill]
    app: Flask | None = field(default=None, repr=False)  # for tests without an app context (``graduated``)

    def student(
        self, points: float | None = 85, status: EnrolmentStatus = EnrolmentStatus.COMPLETED, **user: object
    ) -> Enrolment:
        """A student of the cohort with ``points`` out of 100 in the exam."""
        enrolment = self.make.enrolment(self.cohort, self.make.user(**user), status=status)
        if points is not None:
            self.db.add(Grade(assessment_id=self.exam_id, enrolment_id=enrolment.id, points=points))
            self.db.flush()
        return enrolment

    def certify(self, points: float = 88, expires_on: date | None = None, **user: object) -> Certificate:
        """A new passing student's certificate (signing needs an app context: ``app`` gives one)."""
        enrolment = self.student(points=points, **user)
        with self.app.app_context() if self.app is not None else nullcontext():
            return issue_certificate(self.db, enrolment, self.admin, utcnow(), expires_on)

    def attended(self, enrolment: Enrolment, *statuses: AttendanceStatus) -> None:
        """Record one session per status for the student."""
        for n, status in enumerate(statuses):
            starts = NOW - timedelta(days=30 - n)
            meeting = CohortSession(
                cohort_id=self.cohort.id, starts_at=starts, ends_at=starts + timedelta(hours=2)
            )
            self.db.add(meeting)
            self.db.flush()
            self.db.add(Attendance(session_id=meeting.id, student_id=enrolment.student_id, status=status))
        self.db.flush()


def finished_cohort(
    db: Session, make: Factory, region_code: str | None = "UZ-SA", app: Flask | None = None, **course: object
) -> Finished:
    n = make.course().id  # a spare course's id keeps the skill codes unique
    skills = [
        Skill(code=f"cert-skill-{n}-{i}", track=Track.BPO, name_uz=f"K{i}", name_ru=f"Н{i}", name_en=f"S{i}")
        for i in (1, 2)
    ]
    db.add_all(skills)
    the_course = make.course(hours=120, pass_mark=60, **course)
    the_course.skills = [CourseSkill(skill=skills[0], level=2), CourseSkill(skill=skills[1], level=3)]
    today = NOW.date()
    cohort = make.cohort(
        the_course,
        region_code=region_code,
        starts_on=today - timedelta(days=90),
        ends_on=today - timedelta(days=5),
    )
    exam = make.assessment(the_course, AssessmentKind.EXAM, weight=100, max_points=100)
    return Finished(db, make, the_course, cohort, exam.id, make.user(Role.ADMIN), skills, app)


@pytest.fixture
def finished(db: Session, make: Factory, app_ctx: None) -> Finished:
    return finished_cohort(db, make)


@pytest.fixture
def graduated(app: Flask, db: Session, make: Factory) -> Finished:
    """``finished`` for tests through the browser: no application context held across requests (it
    would share ``g``, and with it a stale CSRF token, between the test's requests)."""
    return finished_cohort(db, make, app=app)
