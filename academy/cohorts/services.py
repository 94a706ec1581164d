"""Enrolment rules: seats that never overbook, a waitlist that moves by itself, and a history.

Every change to a cohort's seats or waitlist starts with an UPDATE of the cohort row. On PostgreSQL
that row lock orders concurrent requests for the same cohort; on SQLite the write lock does. The
seat itself is taken by a conditional UPDATE (``seats_taken < seats``), so no interleaving can
overbook, and a unique constraint on (cohort, student) turns a double click into one enrolment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from academy.auth.models import Role, User
from academy.certificates.models import Certificate, CertificateStatus
from academy.cohorts.models import Cohort, Enrolment, EnrolmentEvent, EnrolmentStatus
from academy.cohorts.timetable import to_local
from academy.courses.models import Course, CourseStatus
from academy.db import utcnow
from academy.errors import DomainError
from academy.notifications.models import NotificationKind
from academy.notifications.services import notify

log = logging.getLogger(__name__)
ACTIVE = (EnrolmentStatus.WAITLISTED, EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


class EnrolmentClosed(DomainError):
    message = _l("Enrolment in this cohort is not open.")
    status = 409


class NotAStudent(DomainError):
    message = _l("Only student accounts can enrol in a cohort.")
    status = 403


class PrerequisitesMissing(DomainError):
    status = 409

    def __init__(self, missing: list[Course]) -> None:
        self.missing = missing
        super().__init__(
            _l("Complete these courses first: %(codes)s", codes=", ".join(c.code for c in missing))
        )


class NotWithdrawable(DomainError):
    message = _l("Only an enrolled or waitlisted place can be given up.")
    status = 409


class NotEnrolled(DomainError):
    message = _l("Only an enrolled student can be given an outcome.")
    status = 409


class NotAnOutcome(DomainError):
    message = _l("An outcome is either completed or failed.")
    field = "outcome"


class SeatsBelowTaken(DomainError):
    message = _l("A cohort cannot have fewer seats than students already enrolled.")
    field = "seats"
    status = 409


@dataclass
class SeatChange:
    """What a withdrawal or a seat change did: the enrolments moved up from the waitlist."""

    promoted: list[Enrolment] = field(default_factory=list)


def _record(
    session: Session,
    enrolment: Enrolment,
    new: EnrolmentStatus,
    actor: User | None,
    note: str = "",
    previous: EnrolmentStatus | None = None,
) -> None:
    session.add(
        EnrolmentEvent(
            enrolment=enrolment,
            from_status=previous,
            to_status=new,
            actor_id=actor.id if actor else None,
            note=note,
        )
    )
    enrolment.status = new
    enrolment.updated_at = utcnow()


def missing_prerequisites(
    session: Session, course: Course, student: User, today: date | None = None
) -> list[Course]:
    """Prerequisite courses of ``course`` that ``student`` has neither completed (in any cohort) nor
    holds a valid certificate of (not revoked, not expired on ``today``, the local date by default)."""
    if not course.prerequisites:
        return []
    today = today or to_local(utcnow()).date()
    wanted = [c.id for c in course.prerequisites]
    completed = (
        select(Cohort.course_id)
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .where(
            Enrolment.student_id == student.id,
            Enrolment.status == EnrolmentStatus.COMPLETED,
            Cohort.course_id.in_(wanted),
        )
    )
    certified = (
        select(Certificate.course_id)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(
            Enrolment.student_id == student.id,
            Certificate.status == CertificateStatus.VALID,
            or_(Certificate.expires_on.is_(None), Certificate.expires_on > today),
            Certificate.course_id.in_(wanted),
        )
    )
    done = set(session.scalars(union(completed, certified)))
    return [c for c in course.prerequisites if c.id not in done]


def _take_seat(session: Session, cohort_id: int) -> bool:
    taken = session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id, Cohort.seats_taken < Cohort.seats)
        .values(seats_taken=Cohort.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1  # type: ignore[attr-defined]


def _issue_ticket(session: Session, cohort_id: int) -> int:
    ticket = session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id)
        .values(
            waitlist_tickets_issued=Cohort.waitlist_tickets_issued + 1,
            waitlist_length=Cohort.waitlist_length + 1,
        )
        .returning(Cohort.waitlist_tickets_issued)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return int(ticket)


def enrol(
    session: Session,
    cohort: Cohort,
    student: User,
    actor: User | None = None,
    now: datetime | None = None,
    check_window: bool = True,
) -> Enrolment:
    """Enrol ``student`` in ``cohort``, or put them on its waitlist when it is full.

    Asking again returns the place already held. ``check_window`` is off for administrators, who
    may enrol outside the enrolment window.
    """
    actor = actor or student
    now = now or utcnow()
    if student.role is not Role.STUDENT:
        raise NotAStudent()
    if cohort.course.status is not CourseStatus.PUBLISHED or (
        check_window and not cohort.enrolment_open(now)
    ):
        raise EnrolmentClosed()
    existing = _find(session, cohort.id, student.id)
    if existing is not None and existing.status in ACTIVE:
        return existing
    missing = missing_prerequisites(session, cohort.course, student, to_local(now).date())
    if missing:
        raise PrerequisitesMissing(missing)

    previous = existing.status if existing is not None else None
    if existing is None:
        # Claim the (cohort, student) pair first; the status is settled below, before any commit.
        enrolment = Enrolment(cohort_id=cohort.id, student_id=student.id, status=EnrolmentStatus.ENROLLED)
        try:
            with session.begin_nested():
                session.add(enrolment)
                session.flush()
        except IntegrityError:
            # The same student's other request (a double click) got there first.
            found = _find(session, cohort.id, student.id)
            if found is None:
                raise
            return found
    else:
        enrolment = existing  # withdrawn before, coming back: a new place at the end of the queue

    if _take_seat(session, cohort.id):
        enrolment.waitlist_ticket = None
        _record(session, enrolment, EnrolmentStatus.ENROLLED, actor, previous=previous)
        notify(session, student.id, NotificationKind.ENROLLED, cohort.id)
    else:
        enrolment.waitlist_ticket = _issue_ticket(session, cohort.id)
        _record(session, enrolment, EnrolmentStatus.WAITLISTED, actor, previous=previous)
        notify(session, student.id, NotificationKind.WAITLISTED, cohort.id)
    session.flush()
    _refresh_counters(session, cohort)
    log.info("student %s %s in cohort %s", student.id, enrolment.status.value, cohort.id)
    return enrolment


def _find(session: Session, cohort_id: int, student_id: int) -> Enrolment | None:
    return session.scalar(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.student_id == student_id)
        .execution_options(populate_existing=True)
    )


def waitlist_position(session: Session, enrolment: Enrolment) -> int | None:
    """1 for the head of the waitlist; None when not waitlisted."""
    if enrolment.status is not EnrolmentStatus.WAITLISTED or enrolment.waitlist_ticket is None:
        return None
    ahead = session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.cohort_id == enrolment.cohort_id,
            Enrolment.status == EnrolmentStatus.WAITLISTED,
            Enrolment.waitlist_ticket < enrolment.waitlist_ticket,
        )
    )
    return int(ahead or 0) + 1


def waitlist_positions(session: Session, enrolment_ids: list[int]) -> dict[int, int]:
    """Waitlist position of each waitlisted enrolment among ``enrolment_ids``, in one query."""
    if not enrolment_ids:
        return {}
    mine, ahead = aliased(Enrolment), aliased(Enrolment)
    rows = session.execute(
        select(mine.id, func.count(ahead.id) + 1)
        .outerjoin(
            ahead,
            (ahead.cohort_id == mine.cohort_id)
            & (ahead.status == EnrolmentStatus.WAITLISTED)
            & (ahead.waitlist_ticket < mine.waitlist_ticket),
        )
        .where(mine.id.in_(enrolment_ids), mine.status == EnrolmentStatus.WAITLISTED)
        .group_by(mine.id)
    ).all()
    return {enrolment_id: int(position) for enrolment_id, position in rows}


def cohort_waitlist(session: Session, cohort_id: int) -> dict[int, int]:
    """Every waitlisted enrolment of a cohort and its position (1 = head), in one query."""
    rows = session.execute(
        select(Enrolment.id, func.row_number().over(order_by=Enrolment.waitlist_ticket)).where(
            Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.WAITLISTED
        )
    )
    return {enrolment_id: int(position) for enrolment_id, position in rows}


def _fill_free_seats(session: Session, cohort_id: int, actor: User | None) -> list[Enrolment]:
    """Move the head of the waitlist into free seats, one by one, while both last.

    The caller has already updated the cohort row in this transaction, so it holds its lock.
    """
    promoted = []
    while True:
        head = session.scalar(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.WAITLISTED)
            .order_by(Enrolment.waitlist_ticket)
            .limit(1)
        )
        if head is None or not _take_seat(session, cohort_id):
            break
        session.execute(
            update(Cohort)
            .where(Cohort.id == cohort_id)
            .values(waitlist_length=Cohort.waitlist_length - 1)
            .execution_options(synchronize_session=False)
        )
        head.waitlist_ticket = None
        _record(
            session,
            head,
            EnrolmentStatus.ENROLLED,
            actor,
            note="promoted from the waitlist",
            previous=EnrolmentStatus.WAITLISTED,
        )
        notify(session, head.student_id, NotificationKind.PROMOTED, cohort_id)
        session.flush()
        promoted.append(head)
    return promoted


def withdraw(session: Session, enrolment: Enrolment, actor: User, note: str = "") -> SeatChange:
    """Give up a seat or a waitlist place; a freed seat goes to the head of the waitlist."""
    cohort_id = enrolment.cohort_id
    was = enrolment.status
    if was is EnrolmentStatus.ENROLLED:
        session.execute(
            update(Cohort)
            .where(Cohort.id == cohort_id)
            .values(seats_taken=Cohort.seats_taken - 1)
            .execution_options(synchronize_session=False)
        )
    elif was is EnrolmentStatus.WAITLISTED:
        session.execute(
            update(Cohort)
            .where(Cohort.id == cohort_id)
            .values(waitlist_length=Cohort.waitlist_length - 1)
            .execution_options(synchronize_session=False)
        )
    else:
        raise NotWithdrawable()
    # Re-read under the cohort lock: a concurrent request may have changed this enrolment.
    session.refresh(enrolment)
    if enrolment.status is not was:
        raise NotWithdrawable()
    enrolment.waitlist_ticket = None
    _record(session, enrolment, EnrolmentStatus.WITHDRAWN, actor, note, previous=was)
    session.flush()
    change = SeatChange(
        promoted=_fill_free_seats(session, cohort_id, actor) if was is EnrolmentStatus.ENROLLED else []
    )
    _refresh_counters(session, enrolment.cohort)
    log.info("enrolment %s withdrawn by user %s; %d promoted", enrolment.id, actor.id, len(change.promoted))
    return change


def record_outcome(
    session: Session, enrolment: Enrolment, outcome: EnrolmentStatus, actor: User, note: str = ""
) -> Enrolment:
    """Close an enrolled student's place as completed or failed; the seat stays taken (the cohort ran)."""
    if outcome not in (EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED):
        raise NotAnOutcome()
    # Conditional on the status, so two administrators deciding at once record one outcome.
    changed = session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.status == EnrolmentStatus.ENROLLED)
        .values(status=outcome, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(enrolment)
        raise NotEnrolled()
    _record(session, enrolment, outcome, actor, note, previous=EnrolmentStatus.ENROLLED)
    session.flush()
    log.info("enrolment %s %s, recorded by user %s", enrolment.id, outcome.value, actor.id)
    return enrolment


def change_seats(session: Session, cohort: Cohort, seats: int, actor: User) -> SeatChange:
    """Set the number of seats; added seats go to the head of the waitlist at once."""
    changed = session.execute(
        update(Cohort)
        .where(Cohort.id == cohort.id, Cohort.seats_taken <= seats)
        .values(seats=seats)
        .execution_options(synchronize_session=False)
    )
    if seats < 0 or changed.rowcount != 1:  # type: ignore[attr-defined]
        raise SeatsBelowTaken()
    change = SeatChange(promoted=_fill_free_seats(session, cohort.id, actor))
    _refresh_counters(session, cohort)
    log.info("cohort %s now has %d seats; %d promoted", cohort.id, seats, len(change.promoted))
    return change


def _refresh_counters(session: Session, cohort: Cohort) -> None:
    """Reload the counters the conditional UPDATEs changed behind the ORM's back."""
    session.refresh(cohort, ["seats", "seats_taken", "waitlist_length", "waitlist_tickets_issued"])
