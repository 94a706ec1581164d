"""Demo data: every cohort has a timetable, past sessions have registers of their roster."""

from __future__ import annotations

from collections import Counter

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import User
from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import Attendance, Cohort, CohortSession, Enrolment, cohort_instructors
from academy.cohorts.planning import CohortPhase, phase_of
from academy.cohorts.timetable import to_local
from academy.db import utcnow
from academy.demo import services
from tests.conftest import Browser, load_demo_in


def test_every_demo_cohort_has_a_timetable_within_its_dates(app: Flask, db: Session) -> None:
    summary = load_demo_in(app, db, students=60)
    assert summary.counts["sessions"] > 0 and summary.counts["attendance marks"] > 0
    cohorts = {c.id: c for c in db.scalars(select(Cohort))}
    per_cohort = Counter(db.scalars(select(CohortSession.cohort_id)))
    assert set(per_cohort) == set(cohorts)
    for cs in db.scalars(select(CohortSession)):
        cohort = cohorts[cs.cohort_id]
        start = to_local(cs.starts_at)
        assert cohort.starts_on <= start.date() <= cohort.ends_on and 18 <= start.hour <= 19
        assert bool(cs.link) == cohort.online and (cs.link == "" or cs.link.startswith("https://"))
        assert bool(cs.room) != cohort.online


def test_demo_registers_cover_the_roster_of_past_sessions(app: Flask, db: Session) -> None:
    load_demo_in(app, db, students=60)
    roster = set(
        db.execute(
            select(Enrolment.cohort_id, Enrolment.student_id).where(Enrolment.status.in_(ROSTER_STATUSES))
        )
    )
    marks = db.execute(
        select(
            CohortSession.cohort_id,
            Attendance.student_id,
            CohortSession.ends_at,
            CohortSession.attendance_version,
        ).join(CohortSession, CohortSession.id == Attendance.session_id)
    ).all()
    assert marks and all((cohort, student) in roster for cohort, student, _e, _v in marks)
    assert all(ends < utcnow() and version == 1 for _c, _s, ends, version in marks)
    statuses = Counter(db.scalars(select(Attendance.status)))
    assert statuses.most_common(1)[0][0].value == "present" and len(statuses) == 4


def test_the_demo_instructor_teaches_cohorts_in_each_phase(app: Flask, db: Session, browser: Browser) -> None:
    load_demo_in(app, db, students=30)
    teacher = db.scalar(select(User).where(User.email == "instructor@demo.academy.uz"))
    assert teacher is not None
    taught = db.scalars(
        select(Cohort)
        .join(cohort_instructors, cohort_instructors.c.cohort_id == Cohort.id)
        .where(cohort_instructors.c.instructor_id == teacher.id)
    ).all()
    today = to_local(utcnow()).date()
    assert {phase_of(c, today) for c in taught} == set(CohortPhase)
    assert any(c.online for c in taught)
    browser.post("/login", {"email": teacher.email, "password": services.DEMO_PASSWORD})
    running = next(c for c in taught if phase_of(c, today) is CohortPhase.RUNNING)
    assert browser.get("/teach").status_code == 200
    assert browser.get(f"/teach/cohorts/{running.code}").status_code == 200
    assert db.scalar(select(func.count()).select_from(CohortSession)) > len(taught)
