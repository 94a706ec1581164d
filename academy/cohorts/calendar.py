"""iCalendar feeds (RFC 5545) of timetables: a cohort's public feed and a person's own feed.

The public feed of a cohort gives its sessions with their room or venue but never the online links;
a person's own feed (reached through the secret ``User.calendar_token``) has every session of the
cohorts they are enrolled in, or teach, with the links. Times are written in UTC; the ``icalendar``
package escapes text, folds lines at 75 octets and ends them with CRLF.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event, vDuration
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, CohortSession, Enrolment, EnrolmentStatus, cohort_instructors
from academy.courses.models import Course, CourseStatus
from academy.errors import NotFound

PRODUCT = "-//BPO-KPO Academy//Timetable//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
REFRESH = timedelta(hours=6)


def issue_calendar_token(session: Session, user: User) -> str:
    """Give ``user`` a new secret feed address; the old one stops working."""
    user.calendar_token = secrets.token_urlsafe(32)
    session.flush()
    return user.calendar_token


def ensure_calendar_token(session: Session, user: User) -> bool:
    """Give a student or instructor their feed address on first asking; True when one was created."""
    if user.calendar_token is not None or user.role not in (Role.STUDENT, Role.INSTRUCTOR):
        return False
    issue_calendar_token(session, user)
    return True


def owner_of_token(session: Session, token: str) -> User:
    """The active account whose feed ``token`` opens; 404 for any other token."""
    user = session.scalar(select(User).where(User.calendar_token == token)) if token else None
    if user is None or not user.active:
        raise NotFound()
    return user


def published_cohort(session: Session, code: str) -> Cohort:
    """A cohort whose course is published (the public may see its timetable); 404 otherwise."""
    cohort = session.scalar(
        select(Cohort)
        .join(Cohort.course)
        .options(joinedload(Cohort.course), joinedload(Cohort.region))
        .where(Cohort.code == code, Course.status == CourseStatus.PUBLISHED)
    )
    if cohort is None:
        raise NotFound()
    return cohort


def _place(cohort_session: CohortSession, locale: str) -> str:
    cohort = cohort_session.cohort
    if cohort.online:
        return _("Online")
    parts = [cohort_session.room, cohort.venue, cohort.region.name(locale) if cohort.region else ""]
    return ", ".join(part for part in parts if part)


def _event(cohort_session: CohortSession, locale: str, domain: str, now: datetime, with_links: bool) -> Event:
    cohort = cohort_session.cohort
    title = cohort.course.title(locale)
    event = Event()
    event.add("uid", f"cohort-session-{cohort_session.id}@{domain}")
    event.add("dtstamp", now)
    event.add("dtstart", cohort_session.starts_at)
    event.add("dtend", cohort_session.ends_at)
    event.add("sequence", max(0, cohort_session.version - 1))  # every edit bumps the version
    event.add("summary", f"{title}: {cohort_session.topic}" if cohort_session.topic else title)
    description = [_("Cohort %(code)s", code=cohort.code)]
    if with_links and cohort_session.link:
        event.add("location", cohort_session.link)
        event.add("url", cohort_session.link)
        description.append(cohort_session.link)
    else:
        event.add("location", _place(cohort_session, locale))
    event.add("description", "\n".join(description))
    return event


def _calendar(
    name: str, sessions: Sequence[CohortSession], locale: str, domain: str, now: datetime, with_links: bool
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    # How often a calendar app should fetch the feed again (RFC 7986, and Outlook's older name).
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for cohort_session in sessions:
        calendar.add_component(_event(cohort_session, locale, domain, now, with_links))
    ical: bytes = calendar.to_ical()
    return ical


def _sessions(session: Session, *where: object) -> Sequence[CohortSession]:
    return session.scalars(
        select(CohortSession)
        .join(CohortSession.cohort)
        .options(
            joinedload(CohortSession.cohort).joinedload(Cohort.course),
            joinedload(CohortSession.cohort).joinedload(Cohort.region),
        )
        .where(*where)  # type: ignore[arg-type]
        .order_by(CohortSession.starts_at, CohortSession.id)
    ).all()


def cohort_feed(session: Session, cohort: Cohort, locale: str, domain: str, now: datetime) -> bytes:
    """The public feed of one cohort: sessions with topic and place, no online links."""
    sessions = _sessions(session, CohortSession.cohort_id == cohort.id)
    name = f"{cohort.course.title(locale)} ({cohort.code})"
    return _calendar(name, sessions, locale, domain, now, with_links=False)


def personal_feed(session: Session, user: User, locale: str, domain: str, now: datetime) -> bytes:
    """Every session of the cohorts ``user`` is enrolled in (or teaches), with the online links."""
    enrolled = select(Enrolment.cohort_id).where(
        Enrolment.student_id == user.id, Enrolment.status == EnrolmentStatus.ENROLLED
    )
    teaching = select(cohort_instructors.c.cohort_id).where(cohort_instructors.c.instructor_id == user.id)
    sessions = _sessions(
        session, or_(CohortSession.cohort_id.in_(enrolled), CohortSession.cohort_id.in_(teaching))
    )
    return _calendar(_("My academy timetable"), sessions, locale, domain, now, with_links=True)
