"""Enrolment rules: seats, the waitlist, prerequisites, history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts import services
from academy.cohorts.models import Cohort, Enrolment, EnrolmentEvent, EnrolmentStatus
from academy.courses.models import CourseStatus
from academy.db import utcnow
from tests.conftest import Factory

pytestmark = pytest.mark.usefixtures("app_ctx")


def positions(db: Session, cohort: Cohort) -> list[int | None]:
    waiting = db.scalars(
        select(Enrolment).where(
            Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.WAITLISTED
        )
    ).all()
    return sorted(services.waitlist_position(db, e) for e in waiting)  # type: ignore[type-var]


def test_enrol_takes_a_seat_and_records_who(db: Session, make: Factory) -> None:
    cohort, student = make.cohort(seats=2), make.user()
    enrolment = services.enrol(db, cohort, student)
    assert enrolment.status is EnrolmentStatus.ENROLLED and enrolment.waitlist_ticket is None
    assert cohort.seats_taken == 1 and cohort.seats_left == 1
    event = db.scalar(select(EnrolmentEvent).where(EnrolmentEvent.enrolment_id == enrolment.id))
    assert event is not None and event.from_status is None and event.to_status is EnrolmentStatus.ENROLLED
    assert event.actor_id == student.id


def test_full_cohort_waitlists_in_arrival_order(db: Session, make: Factory) -> None:
    cohort = make.cohort(seats=1)
    first, second, third = make.user(), make.user(), make.user()
    assert services.enrol(db, cohort, first).status is EnrolmentStatus.ENROLLED
    two = services.enrol(db, cohort, second)
    three = services.enrol(db, cohort, third)
    assert (two.status, three.status) == (EnrolmentStatus.WAITLISTED, EnrolmentStatus.WAITLISTED)
    assert services.waitlist_position(db, two) == 1 and services.waitlist_position(db, three) == 2
    assert cohort.seats_taken == 1 and cohort.waitlist_length == 2


def test_enrolling_twice_returns_the_same_place(db: Session, make: Factory) -> None:
    cohort, student = make.cohort(seats=5), make.user()
    assert services.enrol(db, cohort, student).id == services.enrol(db, cohort, student).id
    assert cohort.seats_taken == 1
    assert db.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_withdrawing_promotes_the_head_of_the_waitlist(db: Session, make: Factory) -> None:
    cohort = make.cohort(seats=1)
    seated, head, next_ = (services.enrol(db, cohort, make.user()) for _ in range(3))
    change = services.withdraw(db, seated, actor=seated.student)
    assert [e.id for e in change.promoted] == [head.id]
    assert head.status is EnrolmentStatus.ENROLLED and head.waitlist_ticket is None
    assert seated.status is EnrolmentStatus.WITHDRAWN
    assert services.waitlist_position(db, next_) == 1
    assert (cohort.seats_taken, cohort.waitlist_length) == (1, 1)
    history = [(e.from_status, e.to_status) for e in head.events]
    assert history == [
        (None, EnrolmentStatus.WAITLISTED),
        (EnrolmentStatus.WAITLISTED, EnrolmentStatus.ENROLLED),
    ]


def test_leaving_the_waitlist_moves_the_others_up(db: Session, make: Factory) -> None:
    cohort = make.cohort(seats=0)
    a, b, c = (services.enrol(db, cohort, make.user()) for _ in range(3))
    services.withdraw(db, b, actor=b.student)
    assert services.waitlist_position(db, a) == 1 and services.waitlist_position(db, c) == 2
    assert cohort.waitlist_length == 2 and cohort.seats_taken == 0


def test_coming_back_after_withdrawing_joins_the_end_of_the_queue(db: Session, make: Factory) -> None:
    cohort = make.cohort(seats=0)
    leaver, stayer = make.user(), make.user()
    first = services.enrol(db, cohort, leaver)
    services.enrol(db, cohort, stayer)
    services.withdraw(db, first, actor=leaver)
    again = services.enrol(db, cohort, leaver)
    assert again.id == first.id and again.status is EnrolmentStatus.WAITLISTED
    assert services.waitlist_position(db, again) == 2


def test_adding_seats_enrols_the_waitlist_in_order(db: Session, make: Factory) -> None:
    cohort = make.cohort(seats=1)
    enrolments = [services.enrol(db, cohort, make.user()) for _ in range(4)]
    admin = make.user(Role.ADMIN)
    change = services.change_seats(db, cohort, 3, actor=admin)
    assert [e.id for e in change.promoted] == [enrolments[1].id, enrolments[2].id]
    assert positions(db, cohort) == [1]
    assert (cohort.seats, cohort.seats_taken, cohort.waitlist_length) == (3, 3, 1)


def test_seats_cannot_drop_below_those_taken(db: Session, make: Factory) -> None:
    cohort = make.cohort(seats=3)
    for _ in range(2):
        services.enrol(db, cohort, make.user())
    with pytest.raises(services.SeatsBelowTaken):
        services.change_seats(db, cohort, 1, actor=make.user(Role.ADMIN))
    db.refresh(cohort)
    assert cohort.seats == 3
    services.change_seats(db, cohort, 2, actor=make.user(Role.ADMIN))
    assert cohort.seats == 2 and cohort.seats_left == 0


def test_enrolment_window_and_published_course(db: Session, make: Factory) -> None:
    student = make.user()
    closed = make.cohort(enrolment_closes_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(services.EnrolmentClosed):
        services.enrol(db, closed, student)
    assert services.enrol(db, closed, student, actor=make.user(Role.ADMIN), check_window=False).status is (
        EnrolmentStatus.ENROLLED
    )
    draft = make.cohort(course=make.course(status=CourseStatus.DRAFT))
    with pytest.raises(services.EnrolmentClosed):
        services.enrol(db, draft, student)


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.EMPLOYER, Role.ADMIN])
def test_only_students_enrol(db: Session, make: Factory, role: Role) -> None:
    with pytest.raises(services.NotAStudent):
        services.enrol(db, make.cohort(), make.user(role))
    assert db.scalar(select(func.count()).select_from(Enrolment)) == 0


def test_prerequisites_must_be_completed(db: Session, make: Factory) -> None:
    basics = make.course(code="EXCEL-1")
    advanced = make.course(code="FIN-2")
    advanced.prerequisites.append(basics)
    db.flush()
    student = make.user()
    target = make.cohort(course=advanced)
    with pytest.raises(services.PrerequisitesMissing) as missing:
        services.enrol(db, target, student)
    assert [c.code for c in missing.value.missing] == ["EXCEL-1"]
    assert "EXCEL-1" in str(missing.value.message)
    done = services.enrol(db, make.cohort(course=basics), student)
    done.status = EnrolmentStatus.COMPLETED
    db.flush()
    assert services.enrol(db, target, student).status is EnrolmentStatus.ENROLLED


def test_only_active_places_can_be_withdrawn(db: Session, make: Factory) -> None:
    enrolment = services.enrol(db, make.cohort(), make.user())
    services.withdraw(db, enrolment, actor=enrolment.student)
    with pytest.raises(services.NotWithdrawable):
        services.withdraw(db, enrolment, actor=enrolment.student)
    assert enrolment.cohort.seats_taken == 0


def test_each_change_writes_its_notification_in_the_same_transaction(db: Session, make: Factory) -> None:
    from academy.notifications.models import Notification, NotificationKind

    cohort = make.cohort(seats=1)
    seated, waiting, repeat = make.user(), make.user(), make.user()
    first = services.enrol(db, cohort, seated)
    services.enrol(db, cohort, waiting)
    services.enrol(db, cohort, seated)  # asking again is not news
    services.withdraw(db, first, seated)
    services.enrol(db, cohort, repeat)

    def kinds(user_id: int) -> list[NotificationKind]:
        found = db.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        )
        return [n.kind for n in found]

    assert kinds(seated.id) == [NotificationKind.ENROLLED]
    assert kinds(waiting.id) == [NotificationKind.WAITLISTED, NotificationKind.PROMOTED]
    assert kinds(repeat.id) == [NotificationKind.WAITLISTED]
    assert all(n.cohort_id == cohort.id for n in db.scalars(select(Notification)))


def test_waitlist_positions_of_many_enrolments_at_once(db: Session, make: Factory) -> None:
    small, other = make.cohort(seats=1), make.cohort(seats=0)
    in_small = [services.enrol(db, small, make.user()) for _ in range(4)]
    in_other = [services.enrol(db, other, make.user()) for _ in range(2)]
    services.withdraw(db, in_small[2], in_small[2].student)  # leaves the queue: the one behind moves up
    ids = [e.id for e in in_small + in_other]
    assert services.waitlist_positions(db, ids) == {
        in_small[1].id: 1,
        in_small[3].id: 2,
        in_other[0].id: 1,
        in_other[1].id: 2,
    }
    assert services.waitlist_positions(db, []) == {}
    for enrolment in in_small + in_other:
        assert services.waitlist_positions(db, ids).get(enrolment.id) == services.waitlist_position(
            db, enrolment
        )
