"""Writing an import: all of a clean file in one transaction, nothing of a file with a bad row."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth import passwords
from academy.auth.models import Role, User
from academy.cohorts import services as enrolment
from academy.cohorts.models import Cohort, Enrolment, EnrolmentEvent, EnrolmentStatus
from academy.imports.services import (
    CohortFilledMeanwhile,
    ImportHasErrors,
    ImportOutdated,
    apply_import,
)
from academy.notifications.models import Notification, NotificationKind
from tests.conftest import Factory
from tests.imports.conftest import csv_bytes, plan_for, row_counts

pytestmark = pytest.mark.usefixtures("app_ctx")


def test_clean_file_creates_invited_students_and_their_enrolments(db: Session, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    first, second = make.cohort(seats=5, language="ru"), make.cohort(seats=5)
    known = make.user()
    rows = [
        ("dilnoza@example.uz", "Dilnoza", "Karimova", "Samarqand viloyati", first.code),
        ("dilnoza@example.uz", "Dilnoza", "Karimova", "UZ-SA", second.code),
        (known.email, "Ignored", "Name", "UZ-TK", first.code),
    ]
    plan = plan_for(db, csv_bytes(rows))
    outcome = apply_import(db, plan, admin, "spring.csv")
    assert (outcome.new_students, outcome.new_enrolments, outcome.unchanged) == (1, 3, 0)
    db.expire_all()

    student = db.scalar(select(User).where(User.email == "dilnoza@example.uz"))
    assert student is not None
    assert (student.role, student.first_name, student.region_code, student.locale) == (
        Role.STUDENT,
        "Dilnoza",
        "UZ-SA",
        "ru",
    )
    assert student.active and student.password_hash.startswith("$argon2")
    for guess in ("", "dilnoza@example.uz", "password"):
        assert not passwords.verify_password(student.password_hash, guess)
    assert (known.first_name, known.region_code) != ("Ignored", "UZ-TK")

    places = db.scalars(select(Enrolment).order_by(Enrolment.id)).all()
    assert [(e.student_id, e.cohort_id, e.status) for e in places] == [
        (student.id, first.id, EnrolmentStatus.ENROLLED),
        (student.id, second.id, EnrolmentStatus.ENROLLED),
        (known.id, first.id, EnrolmentStatus.ENROLLED),
    ]
    events = db.scalars(select(EnrolmentEvent).order_by(EnrolmentEvent.id)).all()
    assert {(e.from_status, e.to_status, e.actor_id, e.note) for e in events} == {
        (None, EnrolmentStatus.ENROLLED, admin.id, "imported from spring.csv")
    }
    assert len(events) == 3
    told = db.execute(select(Notification.user_id, Notification.kind, Notification.cohort_id)).all()
    assert sorted(told, key=str) == sorted(
        [
            (student.id, NotificationKind.INVITATION, None),
            (student.id, NotificationKind.ENROLLED, first.id),
            (student.id, NotificationKind.ENROLLED, second.id),
            (known.id, NotificationKind.ENROLLED, first.id),
        ],
        key=str,
    )
    assert (first.seats_taken, second.seats_taken) == (2, 1)


def test_importing_the_same_file_again_changes_nothing(db: Session, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    cohorts = [make.cohort(seats=20) for _ in range(3)]
    rows = [(f"s{n}@example.uz", "Ali", f"V{n}", "UZ-SA", cohorts[n % 3].code) for n in range(30)]
    data = csv_bytes(rows)
    apply_import(db, plan_for(db, data), admin, "a.csv")
    before = row_counts(db)
    taken = [c.seats_taken for c in cohorts]
    again = plan_for(db, data)
    assert again.counts() == {
        "rows": 30,
        "new_students": 0,
        "new_enrolments": 0,
        "unchanged": 30,
        "errors": 0,
    }
    apply_import(db, again, admin, "a.csv")
    db.expire_all()
    assert row_counts(db) == before
    assert [c.seats_taken for c in cohorts] == taken == [10, 10, 10]


def test_one_bad_row_among_a_thousand_writes_nothing(db: Session, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    cohorts = [make.cohort(seats=300) for _ in range(4)]
    rows = [(f"s{n}@example.uz", "Ali", f"V{n}", "UZ-SA", cohorts[n % 4].code) for n in range(1000)]
    rows[736] = ("s736@example", "Ali", "V736", "UZ-SA", cohorts[0].code)
    db.commit()
    before = row_counts(db)
    plan = plan_for(db, csv_bytes(rows))
    assert [(e.line, e.code) for e in plan.errors] == [(738, "email_invalid")]
    with pytest.raises(ImportHasErrors):
        apply_import(db, plan, admin, "bad.csv")
    db.rollback()
    assert row_counts(db) == before
    assert [db.get(Cohort, c.id).seats_taken for c in cohorts] == [0, 0, 0, 0]  # type: ignore[union-attr]


def test_a_cohort_filled_after_the_check_refuses_the_whole_import(db: Session, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    roomy, tight = make.cohort(seats=10), make.cohort(seats=2)
    rows = [
        ("a@example.uz", "A", "V", "UZ-SA", roomy.code),
        ("b@example.uz", "B", "V", "UZ-SA", tight.code),
        ("c@example.uz", "C", "V", "UZ-SA", tight.code),
    ]
    plan = plan_for(db, csv_bytes(rows))
    assert plan.clean
    enrolment.enrol(db, tight, make.user())  # someone takes a seat meanwhile
    db.commit()
    before = row_counts(db)
    with pytest.raises(CohortFilledMeanwhile) as refused:
        apply_import(db, plan, admin, "late.csv")
    assert tight.code in str(refused.value.message)
    db.rollback()
    assert row_counts(db) == before
    db.expire_all()
    assert (roomy.seats_taken, tight.seats_taken) == (0, 1)


def test_an_account_created_after_the_check_refuses_the_whole_import(db: Session, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    cohort = make.cohort(seats=10)
    rows = [
        ("a@example.uz", "A", "V", "UZ-SA", cohort.code),
        ("b@example.uz", "B", "V", "UZ-SA", cohort.code),
    ]
    plan = plan_for(db, csv_bytes(rows))
    make.user(email="b@example.uz")
    db.commit()
    before = row_counts(db)
    with pytest.raises(ImportOutdated):
        apply_import(db, plan, admin, "late.csv")
    db.rollback()
    assert row_counts(db) == before


def test_an_enrolment_made_after_the_check_refuses_the_whole_import(db: Session, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    cohort, student = make.cohort(seats=10), make.user()
    plan = plan_for(db, csv_bytes([(student.email, "A", "V", "UZ-SA", cohort.code)]))
    enrolment.enrol(db, cohort, student)
    db.commit()
    with pytest.raises(ImportOutdated):
        apply_import(db, plan, admin, "late.csv")
    db.rollback()


def test_waitlisted_and_withdrawn_students_are_seated_with_their_history(db: Session, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    cohort = make.cohort(seats=1)
    seated, waiting = make.user(), make.user()
    enrolment.enrol(db, cohort, seated)
    place = enrolment.enrol(db, cohort, waiting)
    assert place.status is EnrolmentStatus.WAITLISTED and cohort.waitlist_length == 1
    # Seats added without moving the waitlist (as if the admin meant to place this student by hand).
    db.execute(Cohort.__table__.update().where(Cohort.id == cohort.id).values(seats=3))
    db.expire_all()
    plan = plan_for(db, csv_bytes([(waiting.email, "x", "y", "UZ-SA", cohort.code)]))
    assert plan.clean and plan.enrolments[0].previous is EnrolmentStatus.WAITLISTED
    apply_import(db, plan, admin, "w.csv")
    db.expire_all()
    assert (place.status, place.waitlist_ticket) == (EnrolmentStatus.ENROLLED, None)
    assert (cohort.seats_taken, cohort.waitlist_length) == (2, 0)
    assert (place.events[-1].from_status, place.events[-1].note) == (
        EnrolmentStatus.WAITLISTED,
        "imported from w.csv",
    )


def test_an_empty_plan_writes_nothing(db: Session, make: Factory) -> None:
    cohort, student = make.cohort(), make.user()
    enrolment.enrol(db, cohort, student)
    before = row_counts(db)
    outcome = apply_import(
        db, plan_for(db, csv_bytes([(student.email, "a", "b", "UZ-SA", cohort.code)])), None
    )
    assert (outcome.new_enrolments, outcome.unchanged) == (0, 1)
    assert row_counts(db) == before


@pytest.mark.slow
def test_ten_thousand_rows_import_in_under_twenty_seconds(db: Session, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    cohorts = [make.cohort(seats=300) for _ in range(40)]
    rows = [(f"bulk{n}@example.uz", "Ali", f"V{n}", "UZ-SA", cohorts[n % 40].code) for n in range(10_000)]
    data = csv_bytes(rows)
    started = time.perf_counter()
    plan = plan_for(db, data)
    apply_import(db, plan, admin, "big.csv")
    db.commit()
    seconds = time.perf_counter() - started
    assert seconds < 20, seconds
    assert row_counts(db)["enrolments"] == 10_000
    assert plan_for(db, data).counts()["unchanged"] == 10_000
