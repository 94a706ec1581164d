"""Seats hold under real concurrency: 200 students enrol in a 30-seat cohort at the same instant."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from academy import create_app
from academy.auth.models import Role, User
from academy.cohorts.models import Enrolment, EnrolmentStatus
from academy.cohorts.services import withdraw
from academy.db import database, get_session
from academy.schema import upgrade
from benchmarks.enrol import RACE_SETTINGS, make_cohort, outcome, race

STUDENTS, SEATS = 200, 30


def test_two_hundred_simultaneous_enrolments_never_overbook(empty_database: str) -> None:
    upgrade(empty_database)
    app: Flask = create_app({"ENV_NAME": "testing", "DATABASE_URL": empty_database, **RACE_SETTINGS})
    try:
        cohort_id, student_ids = make_cohort(app, SEATS, STUDENTS, "t")
        result = race(app, cohort_id, student_ids)
        assert result.errors == []
        seen = outcome(app, cohort_id)
        assert (seen.enrolled, seen.waitlisted) == (SEATS, STUDENTS - SEATS)
        assert (seen.seats_taken, seen.waitlist_length) == (SEATS, STUDENTS - SEATS)
        assert seen.positions == list(range(1, STUDENTS - SEATS + 1))

        with app.app_context():
            session = get_session()
            head = session.scalar(
                select(Enrolment)
                .where(Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.WAITLISTED)
                .order_by(Enrolment.waitlist_ticket)
                .limit(1)
            )
            seated = session.scalar(
                select(Enrolment).where(
                    Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.ENROLLED
                )
            )
            assert head is not None and seated is not None
            admin = User(
                email="race-admin@example.uz",
                password_hash="x",
                first_name="A",
                last_name="B",
                role=Role.ADMIN,
                locale="en",
            )
            session.add(admin)
            change = withdraw(session, seated, actor=admin)
            session.commit()
            assert [e.id for e in change.promoted] == [head.id]
        after = outcome(app, cohort_id)
        assert (after.enrolled, after.waitlisted) == (SEATS, STUDENTS - SEATS - 1)
        assert after.positions == list(range(1, STUDENTS - SEATS))
    finally:
        database(app).engine.dispose()
