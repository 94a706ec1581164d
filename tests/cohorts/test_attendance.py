"""Attendance rules: the register saved as a whole under a version, the roster as its limit, and rates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts import services
from academy.cohorts.attendance import (
    NotOnRoster,
    Rate,
    RegisterChanged,
    RegisterNotOpen,
    attendance_rate_for_student,
    attendance_rates,
    record_attendance,
    register,
    roster,
)
from academy.cohorts.models import Attendance, AttendanceStatus, EnrolmentStatus
from tests.cohorts.conftest import Class, running_cohort, today
from tests.conftest import Factory, QueryCounter

pytestmark = pytest.mark.usefixtures("app_ctx")
P, L, A, E = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.LATE,
    AttendanceStatus.ABSENT,
    AttendanceStatus.EXCUSED,
)


def test_a_register_is_saved_whole_and_bumps_its_version(db: Session, klass: Class) -> None:
    lesson = klass.session_on(db, today() - timedelta(days=1))
    one, two, three = klass.students
    version = record_attendance(db, lesson, {one.id: P, two.id: L, three.id: A}, 0, klass.instructor)
    assert version == 1 and lesson.attendance_version == 1 and lesson.attendance_taken_at is not None
    assert register(db, lesson.id) == {one.id: P, two.id: L, three.id: A}
    rows = db.scalars(select(Attendance).where(Attendance.session_id == lesson.id)).all()
    assert {r.recorded_by_id for r in rows} == {klass.instructor.id}

    record_attendance(db, lesson, {one.id: P, two.id: P, three.id: E}, 1, klass.instructor)
    assert register(db, lesson.id) == {one.id: P, two.id: P, three.id: E}
    assert lesson.attendance_version == 2


def test_a_stale_register_is_refused_and_changes_nothing(db: Session, klass: Class, make: Factory) -> None:
    lesson = klass.session_on(db, today())
    one, two, _three = klass.students
    record_attendance(db, lesson, {one.id: P, two.id: P}, 0, klass.instructor)
    other = make.user(Role.ADMIN)
    with pytest.raises(RegisterChanged) as raised:
        record_attendance(db, lesson, {one.id: A, two.id: A}, 0, other)  # loaded before the first save
    assert raised.value.status == 409
    assert register(db, lesson.id) == {one.id: P, two.id: P}
    assert lesson.attendance_version == 1


def test_students_off_the_roster_cannot_be_marked(db: Session, klass: Class, make: Factory) -> None:
    lesson = klass.session_on(db, today())
    stranger = make.user()  # a student of no cohort
    elsewhere = running_cohort(db, make, students=1).students[0]  # a student of another cohort
    waiting = make.user()
    klass.cohort.seats = klass.cohort.seats_taken  # full: the next one waits
    db.flush()
    assert services.enrol(db, klass.cohort, waiting, check_window=False).status is EnrolmentStatus.WAITLISTED
    for forged in (stranger.id, elsewhere.id, waiting.id, 999_999):
        with pytest.raises(NotOnRoster):
            record_attendance(db, lesson, {klass.students[0].id: P, forged: P}, 0, klass.instructor)
    assert register(db, lesson.id) == {} and lesson.attendance_version == 0


def test_withdrawn_students_leave_the_roster_but_outcomes_stay(db: Session, klass: Class) -> None:
    one, two, three = klass.students
    enrolments = {e.student_id: e for e in roster(db, klass.cohort.id)}
    services.withdraw(db, enrolments[one.id], actor=one)
    services.record_outcome(db, enrolments[two.id], EnrolmentStatus.COMPLETED, actor=klass.instructor)
    on_roster = {e.student_id: e.status for e in roster(db, klass.cohort.id)}
    assert on_roster == {two.id: EnrolmentStatus.COMPLETED, three.id: EnrolmentStatus.ENROLLED}


def test_a_future_session_has_no_register_yet(db: Session, klass: Class) -> None:
    lesson = klass.session_on(db, today() + timedelta(days=1))
    with pytest.raises(RegisterNotOpen):
        record_attendance(db, lesson, {klass.students[0].id: P}, 0, klass.instructor)


def test_rate_counts_late_as_present_and_leaves_excused_out() -> None:
    assert Rate().value is None  # nothing recorded
    assert Rate(excused=3).value is None  # every absence excused: nothing counts
    assert Rate(present=2, late=1, absent=1).value == 0.75
    assert Rate(present=1, late=1, absent=2, excused=4).value == 0.5
    assert Rate(present=1, late=1, absent=2, excused=4).recorded == 8


def test_attendance_rates_per_student_in_one_query(
    db: Session, klass: Class, count_queries: QueryCounter
) -> None:
    one, two, three = klass.students
    plan = [{one.id: P, two.id: A}, {one.id: L, two.id: E}, {one.id: A, two.id: P}]
    for n, marks in enumerate(plan):
        lesson = klass.session_on(db, today() - timedelta(days=n + 1))
        record_attendance(db, lesson, marks, 0, klass.instructor)
    count_queries.statements.clear()
    rates = attendance_rates(db, klass.cohort.id)
    assert count_queries.count == 1
    assert rates[one.id] == Rate(present=1, late=1, absent=1) and rates[one.id].value == pytest.approx(2 / 3)
    assert rates[two.id].value == 0.5  # present once, absent once, excused once
    assert three.id not in rates  # nothing recorded: shown as a dash


def test_a_students_rate_in_each_cohort_in_one_query(
    db: Session, klass: Class, make: Factory, count_queries: QueryCounter
) -> None:
    student = klass.students[0]
    other = running_cohort(db, make, students=0)
    services.enrol(db, other.cohort, student, check_window=False)
    quiet = running_cohort(db, make, students=0)
    services.enrol(db, quiet.cohort, student, check_window=False)
    for n in range(4):
        record_attendance(
            db,
            klass.session_on(db, today() - timedelta(days=n)),
            {student.id: P if n else A},
            0,
            klass.instructor,
        )
    record_attendance(db, other.session_on(db, today()), {student.id: L}, 0, other.instructor)
    count_queries.statements.clear()
    rates = attendance_rate_for_student(db, student.id, [klass.cohort.id, other.cohort.id, quiet.cohort.id])
    assert count_queries.count == 1
    assert rates[klass.cohort.id].value == 0.75 and rates[other.cohort.id].value == 1.0
    assert quiet.cohort.id not in rates
    assert attendance_rate_for_student(db, student.id, []) == {}
