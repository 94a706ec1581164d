"""Chunked lookups for an import: a few queries per thousand rows, whatever the file holds."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.courses.models import Course, CourseStatus
from academy.regions.models import Region

CHUNK = 500  # values in one IN (...) lookup, rows in one bulk INSERT
_APOSTROPHES = str.maketrans({"ʻ": "'", "ʼ": "'", "‘": "'", "’": "'", "`": "'", "´": "'", "ё": "е"})
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def region_key(text: str) -> str:
    """A region's code or name, compared without case, apostrophe variants or extra spaces."""
    return " ".join(text.casefold().translate(_APOSTROPHES).split())


def region_lookup(session: Session) -> dict[str, str]:
    """Every accepted spelling (ISO code, names in uz/ru/en) -> region code."""
    lookup: dict[str, str] = {}
    for region in session.scalars(select(Region)):
        for spelling in (region.code, region.name_uz, region.name_ru, region.name_en):
            lookup[region_key(spelling)] = region.code
    return lookup


@dataclass(frozen=True)
class CohortSeats:
    id: int
    code: str
    seats: int
    seats_taken: int
    language: str
    published: bool

    @property
    def seats_left(self) -> int:
        return max(0, self.seats - self.seats_taken)


def cohorts_by_code(session: Session, codes: Iterable[str]) -> dict[str, CohortSeats]:
    """Cohorts by the code as written in the file (an exact match, else one ignoring case)."""
    wanted = sorted(set(codes))
    columns = (
        Cohort.id,
        Cohort.code,
        Cohort.seats,
        Cohort.seats_taken,
        Cohort.language,
        Course.status,
    )
    found: dict[str, CohortSeats] = {}

    def seats(row: Any) -> CohortSeats:
        return CohortSeats(row[0], row[1], row[2], row[3], row[4], row[5] is CourseStatus.PUBLISHED)

    for batch in chunks(wanted):
        for row in session.execute(select(*columns).join(Course).where(Cohort.code.in_(batch))):
            found[row[1]] = seats(row)
    missing = {code.upper(): code for code in wanted if code not in found}
    for batch in chunks(sorted(missing)):
        for row in session.execute(select(*columns).join(Course).where(func.upper(Cohort.code).in_(batch))):
            found[missing[row[1].upper()]] = seats(row)
    return found


@dataclass(frozen=True)
class Account:
    id: int
    role: Role
    active: bool


def users_by_email(session: Session, emails: Sequence[str]) -> dict[str, Account]:
    found: dict[str, Account] = {}
    for batch in chunks(sorted(set(emails))):
        stmt = select(User.id, User.email, User.role, User.active).where(User.email.in_(batch))
        for id_, email, role, active in session.execute(stmt):
            found[email] = Account(id_, role, active)
    return found


def enrolments_held(
    session: Session, student_ids: Sequence[int], cohort_ids: Sequence[int]
) -> dict[tuple[int, int], tuple[int, EnrolmentStatus]]:
    """(student, cohort) -> (enrolment id, status) for the given students in the given cohorts."""
    held: dict[tuple[int, int], tuple[int, EnrolmentStatus]] = {}
    if not cohort_ids:
        return held
    for batch in chunks(sorted(set(student_ids))):
        stmt = select(Enrolment.id, Enrolment.student_id, Enrolment.cohort_id, Enrolment.status).where(
            Enrolment.student_id.in_(batch), Enrolment.cohort_id.in_(cohort_ids)
        )
        for id_, student_id, cohort_id, status in session.execute(stmt):
            held[(student_id, cohort_id)] = (id_, status)
    return held
