"""A cohort's timetable: sessions added one by one or as a weekly series, edited and removed.

Times are entered in the academy's local time (Asia/Tashkent, the same zone as
``BABEL_DEFAULT_TIMEZONE``, which has no daylight saving) and stored in UTC.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from academy.cohorts.models import Attendance, Cohort, CohortSession
from academy.errors import Conflict, DomainError

log = logging.getLogger(__name__)
LOCAL_TIME = ZoneInfo("Asia/Tashkent")
MAX_SERIES = 200  # sessions one weekly series may add at once
SERIES_MINUTES = (15, 600)


class OutsideCohortDates(DomainError):
    message = _l("The date must fall between the cohort's start and end dates.")
    field = "day"


class EndsBeforeStart(DomainError):
    message = _l("A session must end after it starts.")
    field = "ends"


class BadLink(DomainError):
    message = _l("Enter a web address that starts with http:// or https://.")
    field = "link"


class SessionHasAttendance(DomainError):
    message = _l("Attendance has been taken at this session, so it cannot be removed.")
    status = 409


class SeriesDatesReversed(DomainError):
    message = _l("The last day must not be before the first.")
    field = "last_day"


class EmptySeries(DomainError):
    message = _l("No day between these dates falls on the chosen weekdays.")
    field = "weekdays"


class SeriesTooLong(DomainError):
    field = "last_day"

    def __init__(self) -> None:
        super().__init__(_l("A series can add at most %(count)s sessions at once.", count=MAX_SERIES))


class BadDuration(DomainError):
    field = "minutes"

    def __init__(self) -> None:
        low, high = SERIES_MINUTES
        super().__init__(_l("A session lasts between %(low)s and %(high)s minutes.", low=low, high=high))


def local_to_utc(day: date, at: time) -> datetime:
    """The UTC moment of a local date and wall-clock time."""
    return datetime.combine(day, at, tzinfo=LOCAL_TIME).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TIME)


def check_link(link: str) -> str:
    """``link`` stripped, when empty or an http(s) address; otherwise :class:`BadLink`."""
    link = link.strip()
    if not link:
        return ""
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in link):
        raise BadLink()
    return link


@dataclass(frozen=True)
class SessionPlan:
    """One session as entered: a local date and times, what is taught, and where."""

    day: date
    starts: time
    ends: time
    topic: str = ""
    room: str = ""
    link: str = ""


@dataclass(frozen=True)
class WeeklySeries:
    """Sessions on some weekdays (0 = Monday) at one time, from ``first_day`` to ``last_day``."""

    weekdays: frozenset[int]
    starts: time
    minutes: int
    first_day: date
    last_day: date
    topic: str = ""
    room: str = ""
    link: str = ""


def _within(cohort: Cohort, day: date, field: str = "day") -> None:
    if not cohort.starts_on <= day <= cohort.ends_on:
        error = OutsideCohortDates()
        error.field = field
        raise error


def _apply(cohort_session: CohortSession, plan: SessionPlan) -> None:
    starts_at = local_to_utc(plan.day, plan.starts)
    ends_at = local_to_utc(plan.day, plan.ends)
    if ends_at <= starts_at:
        raise EndsBeforeStart()
    cohort_session.starts_at = starts_at
    cohort_session.ends_at = ends_at
    cohort_session.topic = plan.topic.strip()
    cohort_session.room = plan.room.strip()
    cohort_session.link = check_link(plan.link)


def add_session(session: Session, cohort: Cohort, plan: SessionPlan) -> CohortSession:
    """Add one session to ``cohort``'s timetable, on a day within the cohort's dates."""
    _within(cohort, plan.day)
    cohort_session = CohortSession(cohort_id=cohort.id)
    _apply(cohort_session, plan)
    session.add(cohort_session)
    session.flush()
    log.info("session %s added to cohort %s", cohort_session.id, cohort.id)
    return cohort_session


def _check_version(cohort_session: CohortSession, expected_version: int) -> None:
    if cohort_session.version != expected_version:
        raise Conflict()


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise Conflict() from None


def update_session(
    session: Session, cohort_session: CohortSession, plan: SessionPlan, expected_version: int
) -> CohortSession:
    """Change a session, unless someone else changed it since ``expected_version`` (409)."""
    _check_version(cohort_session, expected_version)
    _within(cohort_session.cohort, plan.day)
    _apply(cohort_session, plan)
    _flush(session)
    log.info("session %s changed", cohort_session.id)
    return cohort_session


def delete_session(session: Session, cohort_session: CohortSession, expected_version: int) -> None:
    """Remove a session from the timetable; one whose attendance was taken stays."""
    _check_version(cohort_session, expected_version)
    taken = session.scalar(select(exists().where(Attendance.session_id == cohort_session.id)))
    if taken or cohort_session.attendance_taken_at is not None:
        raise SessionHasAttendance()
    session.delete(cohort_session)
    _flush(session)
    log.info("session %s removed", cohort_session.id)


def series_days(series: WeeklySeries) -> list[date]:
    days, day = [], series.first_day
    while day <= series.last_day:
        if day.weekday() in series.weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days


def add_weekly_series(session: Session, cohort: Cohort, series: WeeklySeries) -> list[CohortSession]:
    """Add a session on each chosen weekday between two dates within the cohort's dates.

    A session that already starts at the same moment is not added twice, so sending the same
    series again adds nothing.
    """
    _within(cohort, series.first_day, "first_day")
    _within(cohort, series.last_day, "last_day")
    if series.last_day < series.first_day:
        raise SeriesDatesReversed()
    if not SERIES_MINUTES[0] <= series.minutes <= SERIES_MINUTES[1]:
        raise BadDuration()
    link = check_link(series.link)
    days = series_days(series)
    if not days:
        raise EmptySeries()
    if len(days) > MAX_SERIES:
        raise SeriesTooLong()
    existing = set(
        session.scalars(select(CohortSession.starts_at).where(CohortSession.cohort_id == cohort.id))
    )
    added = []
    for day in days:
        starts_at = local_to_utc(day, series.starts)
        if starts_at in existing:
            continue
        added.append(
            CohortSession(
                cohort_id=cohort.id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=series.minutes),
                topic=series.topic.strip(),
                room=series.room.strip(),
                link=link,
            )
        )
    session.add_all(added)
    session.flush()
    log.info("weekly series added %d sessions to cohort %s", len(added), cohort.id)
    return added


def next_sessions(session: Session, cohort_ids: Iterable[int], now: datetime) -> dict[int, CohortSession]:
    """Each cohort's next session, or the one under way (none when its timetable is over), in one
    query."""
    ids = list(cohort_ids)
    if not ids:
        return {}
    first = (
        select(CohortSession.cohort_id, func.min(CohortSession.starts_at).label("starts_at"))
        .where(CohortSession.cohort_id.in_(ids), CohortSession.ends_at > now)
        .group_by(CohortSession.cohort_id)
        .subquery()
    )
    found: dict[int, CohortSession] = {}
    for meeting in session.scalars(
        select(CohortSession).join(
            first,
            (CohortSession.cohort_id == first.c.cohort_id) & (CohortSession.starts_at == first.c.starts_at),
        )
    ):
        found.setdefault(meeting.cohort_id, meeting)
    return found
