"""Planning cohorts: an administrator creates and edits a run of a course (place, dates, enrolment
window, seats, instructors); lists of cohorts for administrators and for the instructors who teach them.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, exists, null, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus, cohort_instructors
from academy.cohorts.services import SeatChange, change_seats
from academy.config import LOCALES
from academy.courses.models import Course
from academy.errors import Conflict, DomainError, NotFound
from academy.regions.models import Region

log = logging.getLogger(__name__)


class CohortPhase(enum.StrEnum):
    UPCOMING = "upcoming"
    RUNNING = "running"
    PAST = "past"


class CodeTaken(DomainError):
    message = _l("Another cohort already uses this code.")
    field = "code"


class UnknownCourse(DomainError):
    message = _l("Choose a course.")
    field = "course"


class UnknownRegion(DomainError):
    message = _l("Choose a region, or online.")
    field = "region"


class VenueRequired(DomainError):
    message = _l("Give the venue of a cohort taught in a region.")
    field = "venue"


class UnknownLanguage(DomainError):
    message = _l("Choose Uzbek, Russian or English.")
    field = "language"


class EndsBeforeStart(DomainError):
    message = _l("The cohort cannot end before it starts.")
    field = "ends_on"


class WindowReversed(DomainError):
    message = _l("Enrolment must close after it opens.")
    field = "enrolment_closes_at"


class NegativeSeats(DomainError):
    message = _l("The number of seats cannot be negative.")
    field = "seats"


class InstructorsRequired(DomainError):
    message = _l("Choose at least one instructor.")
    field = "instructors"


class NotAnInstructor(DomainError):
    message = _l("Only accounts with the instructor role can teach a cohort.")
    field = "instructors"


@dataclass(frozen=True)
class CohortPlan:
    """What an administrator enters for a cohort. ``region_code`` None means online."""

    course_id: int
    code: str
    region_code: str | None
    venue: str
    language: str
    starts_on: date
    ends_on: date
    enrolment_opens_at: datetime
    enrolment_closes_at: datetime
    seats: int
    instructor_ids: Sequence[int]


def _check(session: Session, plan: CohortPlan, cohort_id: int | None) -> tuple[Course, list[User]]:
    course = session.get(Course, plan.course_id)
    if course is None:
        raise UnknownCourse()
    if plan.region_code is not None and session.get(Region, plan.region_code) is None:
        raise UnknownRegion()
    if plan.region_code is not None and not plan.venue.strip():
        raise VenueRequired()
    if plan.language not in LOCALES:
        raise UnknownLanguage()
    code_taken = exists().where(Cohort.code == plan.code, Cohort.id != (cohort_id or 0))
    if session.scalar(select(code_taken)):
        raise CodeTaken()
    if plan.ends_on < plan.starts_on:
        raise EndsBeforeStart()
    if plan.enrolment_closes_at <= plan.enrolment_opens_at:
        raise WindowReversed()
    if plan.seats < 0:
        raise NegativeSeats()
    ids = set(plan.instructor_ids)
    if not ids:
        raise InstructorsRequired()
    instructors = list(session.scalars(select(User).where(User.id.in_(ids))))
    if len(instructors) != len(ids) or any(u.role is not Role.INSTRUCTOR for u in instructors):
        raise NotAnInstructor()
    return course, instructors


def _fill(cohort: Cohort, plan: CohortPlan, course: Course, instructors: list[User]) -> None:
    cohort.course = course
    cohort.code = plan.code
    cohort.region_code = plan.region_code
    cohort.venue = plan.venue.strip()
    cohort.language = plan.language
    cohort.starts_on = plan.starts_on
    cohort.ends_on = plan.ends_on
    cohort.enrolment_opens_at = plan.enrolment_opens_at
    cohort.enrolment_closes_at = plan.enrolment_closes_at
    cohort.instructors = instructors


def _flush(session: Session) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise CodeTaken() from None  # another administrator took the code a moment ago
    except StaleDataError:
        raise Conflict() from None


def create_cohort(session: Session, plan: CohortPlan, actor: User) -> Cohort:
    course, instructors = _check(session, plan, None)
    cohort = Cohort(seats=plan.seats, seats_taken=0, waitlist_length=0, waitlist_tickets_issued=0)
    _fill(cohort, plan, course, instructors)
    session.add(cohort)
    _flush(session)
    log.info("cohort %s created by user %s", cohort.id, actor.id)
    return cohort


def update_cohort(
    session: Session, cohort: Cohort, plan: CohortPlan, expected_version: int, actor: User
) -> SeatChange:
    """Edit a cohort saved at ``expected_version`` (else 409, nothing changed).

    Seats change through :func:`change_seats`, so added seats go to the head of the waitlist.
    """
    if cohort.version != expected_version:
        raise Conflict()
    course, instructors = _check(session, plan, cohort.id)
    _fill(cohort, plan, course, instructors)
    # Always write the row, so the version moves (and is checked) even when only instructors change.
    flag_modified(cohort, "code")
    _flush(session)
    change = change_seats(session, cohort, plan.seats, actor) if plan.seats != cohort.seats else SeatChange()
    log.info("cohort %s edited by user %s", cohort.id, actor.id)
    return change


def phase_of(cohort: Cohort, today: date) -> CohortPhase:
    if cohort.ends_on < today:
        return CohortPhase.PAST
    return CohortPhase.UPCOMING if cohort.starts_on > today else CohortPhase.RUNNING


def _in_phase(stmt: Select[Cohort], phase: CohortPhase, today: date) -> Select[Cohort]:
    if phase is CohortPhase.UPCOMING:
        return stmt.where(Cohort.starts_on > today)
    if phase is CohortPhase.RUNNING:
        return stmt.where(Cohort.starts_on <= today, Cohort.ends_on >= today)
    return stmt.where(Cohort.ends_on < today)


def _with_details(stmt: Select[Cohort]) -> Select[Cohort]:
    return stmt.options(
        joinedload(Cohort.course), joinedload(Cohort.region), selectinload(Cohort.instructors)
    )


def search_cohorts(
    today: date, course_id: int | None = None, place: str | None = None, phase: CohortPhase | None = None
) -> Select[Cohort]:
    """Cohorts for the administrators' list, newest start first. ``place`` is a region code or "online"."""
    stmt = _with_details(select(Cohort)).order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    if course_id is not None:
        stmt = stmt.where(Cohort.course_id == course_id)
    if place == "online":
        stmt = stmt.where(Cohort.region_code.is_(None))
    elif place:
        stmt = stmt.where(Cohort.region_code == place)
    if phase is not None:
        stmt = _in_phase(stmt, phase, today)
    return stmt


def cohorts_taught_by(instructor: User, today: date) -> Select[Cohort]:
    """The cohorts ``instructor`` teaches (every cohort for an administrator): running and upcoming
    ones first, soonest start first, then past ones, latest first."""
    stmt = _with_details(select(Cohort))
    if instructor.role is not Role.ADMIN:
        stmt = stmt.join(cohort_instructors, cohort_instructors.c.cohort_id == Cohort.id).where(
            cohort_instructors.c.instructor_id == instructor.id
        )
    past = Cohort.ends_on < today
    return stmt.order_by(
        case((past, 1), else_=0), case((past, null()), else_=Cohort.starts_on), Cohort.starts_on.desc()
    )


def teaches(session: Session, user: User, cohort: Cohort) -> bool:
    """Whether ``user`` may run ``cohort``: one of its instructors, or any administrator."""
    if user.role is Role.ADMIN:
        return True
    if user.role is not Role.INSTRUCTOR:
        return False
    return bool(
        session.scalar(
            select(
                exists().where(
                    cohort_instructors.c.cohort_id == cohort.id, cohort_instructors.c.instructor_id == user.id
                )
            )
        )
    )


def cohort_by_code(session: Session, code: str) -> Cohort:
    cohort = session.scalar(
        select(Cohort)
        .options(joinedload(Cohort.course), joinedload(Cohort.region))
        .where(Cohort.code == code)
    )
    if cohort is None:
        raise NotFound()
    return cohort


def taught_cohort(session: Session, user: User, code: str) -> Cohort:
    """The cohort ``code`` when ``user`` teaches it; 404 otherwise, as if it did not exist."""
    cohort = cohort_by_code(session, code)
    if not teaches(session, user, cohort):
        raise NotFound()
    return cohort


STATUS_ORDER = {
    status.value: n
    for n, status in enumerate(
        (
            EnrolmentStatus.ENROLLED,
            EnrolmentStatus.WAITLISTED,
            EnrolmentStatus.COMPLETED,
            EnrolmentStatus.FAILED,
            EnrolmentStatus.WITHDRAWN,
        )
    )
}


def cohort_enrolments(cohort_id: int, status: EnrolmentStatus | None = None) -> Select[Enrolment]:
    """A cohort's enrolments with their students and history: seated first, the waitlist in order."""
    stmt = (
        select(Enrolment)
        .join(Enrolment.student)
        .options(joinedload(Enrolment.student), selectinload(Enrolment.events))
        .where(Enrolment.cohort_id == cohort_id)
        .order_by(
            case(STATUS_ORDER, value=Enrolment.status),
            Enrolment.waitlist_ticket,
            User.last_name,
            User.first_name,
            Enrolment.id,
        )
    )
    return stmt if status is None else stmt.where(Enrolment.status == status)


def names_of(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Full names of some accounts (the actors of an enrolment history), in one query."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.first_name, User.last_name).where(User.id.in_(ids)))
    return {id_: f"{first} {last}" for id_, first, last in rows}
