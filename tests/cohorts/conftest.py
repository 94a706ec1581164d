"""Fixtures for cohort administration, the timetable and attendance: a running cohort with its
instructor, students on its roster, and sessions at local (Tashkent) times."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.cohorts import services
from academy.cohorts.models import Cohort, CohortSession
from academy.cohorts.timetable import local_to_utc, to_local
from academy.db import utcnow
from tests.conftest import Factory


def today() -> date:
    return to_local(utcnow()).date()


@dataclass
class Class:
    """A running cohort, its instructor and its enrolled students."""

    cohort: Cohort
    instructor: User
    students: list[User]

    def session_on(self, db: Session, day: date, at: time = time(18, 0), **fields: str) -> CohortSession:
        starts_at = local_to_utc(day, at)
        cohort_session = CohortSession(
            cohort_id=self.cohort.id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), **fields
        )
        db.add(cohort_session)
        db.flush()
        return cohort_session


def running_cohort(db: Session, make: Factory, students: int = 3, **fields: object) -> Class:
    """A cohort that started two weeks ago, with an instructor and ``students`` enrolled students."""
    instructor = make.user(Role.INSTRUCTOR)
    now = utcnow()
    values: dict[str, object] = {
        "starts_on": today() - timedelta(days=14),
        "ends_on": today() + timedelta(days=60),
        "enrolment_opens_at": now - timedelta(days=40),
        "enrolment_closes_at": now - timedelta(days=15),
    }
    values.update(fields)
    cohort = make.cohort(**values)
    cohort.instructors.append(instructor)
    people = [make.user() for _ in range(students)]
    for student in people:
        services.enrol(db, cohort, student, check_window=False)
    db.flush()
    return Class(cohort, instructor, people)


@pytest.fixture
def klass(db: Session, make: Factory) -> Class:
    return running_cohort(db, make)


def ids(users: Sequence[User]) -> list[int]:
    return [u.id for u in users]
