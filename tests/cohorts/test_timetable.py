"""The timetable: local times stored in UTC, sessions within the cohort's dates, links, versions, series."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from academy.cohorts import timetable
from academy.cohorts.attendance import record_attendance
from academy.cohorts.models import AttendanceStatus, CohortSession
from academy.cohorts.timetable import SessionPlan, WeeklySeries
from academy.db import utcnow
from academy.errors import Conflict, DomainError
from tests.cohorts.conftest import Class, today
from tests.conftest import Factory, QueryCounter

pytestmark = pytest.mark.usefixtures("app_ctx")


def plan(day: date, **fields: object) -> SessionPlan:
    values: dict[str, object] = {
        "day": day,
        "starts": time(18, 30),
        "ends": time(20, 0),
        "topic": "Greetings",
    }
    values.update(fields)
    return SessionPlan(**values)  # type: ignore[arg-type]


def test_a_session_is_entered_in_tashkent_time_and_stored_in_utc(db: Session, klass: Class) -> None:
    day = today() + timedelta(days=3)
    added = timetable.add_session(db, klass.cohort, plan(day, room=" Room 4 ", link=""))
    db.expire_all()
    stored = db.get(CohortSession, added.id)
    assert stored is not None
    assert stored.starts_at == datetime.combine(day, time(13, 30), tzinfo=UTC)  # UTC+5
    assert stored.ends_at == datetime.combine(day, time(15, 0), tzinfo=UTC)
    assert stored.room == "Room 4" and stored.topic == "Greetings" and stored.version == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"day": "before"}, "day"),
        ({"day": "after"}, "day"),
        ({"ends": time(18, 30)}, "ends"),
        ({"ends": time(9, 0)}, "ends"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"link": "ftp://files.example.uz/x"}, "link"),
        ({"link": "https://"}, "link"),
        ({"link": "meet.example.uz/room"}, "link"),
        ({"link": "https://meet.example.uz/a b"}, "link"),
    ],
)
def test_bad_sessions_are_refused_on_their_field(
    db: Session, klass: Class, fields: dict[str, object], field: str
) -> None:
    cohort = klass.cohort
    if fields.get("day") == "before":
        fields["day"] = cohort.starts_on - timedelta(days=1)
    elif fields.get("day") == "after":
        fields["day"] = cohort.ends_on + timedelta(days=1)
    with pytest.raises(DomainError) as raised:
        timetable.add_session(db, cohort, plan(fields.pop("day", today()), **fields))  # type: ignore[arg-type]
    assert raised.value.field == field and raised.value.status == 400
    assert db.scalar(select(func.count()).select_from(CohortSession)) == 0


def test_links_may_be_http_or_https(db: Session, klass: Class) -> None:
    for link in ("https://meet.example.uz/abc?x=1", "http://zoom.example.com/j/123"):
        assert timetable.add_session(db, klass.cohort, plan(today(), link=link)).link == link


def test_edits_carry_the_version(db: Session, klass: Class) -> None:
    lesson = timetable.add_session(db, klass.cohort, plan(today()))
    timetable.update_session(db, lesson, plan(today(), topic="Numbers"), expected_version=1)
    assert lesson.version == 2 and lesson.topic == "Numbers"
    with pytest.raises(Conflict):
        timetable.update_session(db, lesson, plan(today(), topic="Stale"), expected_version=1)
    assert lesson.topic == "Numbers"


def test_an_edit_racing_another_is_a_conflict_at_flush(db: Session, klass: Class) -> None:
    lesson = timetable.add_session(db, klass.cohort, plan(today()))
    # Another request saved the session after this one loaded it.
    db.execute(update(CohortSession).where(CohortSession.id == lesson.id).values(version=2))
    with pytest.raises(Conflict):
        timetable.update_session(db, lesson, plan(today(), topic="Mine"), expected_version=1)


def test_removing_a_session(db: Session, klass: Class) -> None:
    lesson = timetable.add_session(db, klass.cohort, plan(today()))
    with pytest.raises(Conflict):
        timetable.delete_session(db, lesson, expected_version=7)
    timetable.delete_session(db, lesson, expected_version=1)
    assert db.scalar(select(func.count()).select_from(CohortSession)) == 0


def test_a_session_with_attendance_stays(db: Session, klass: Class) -> None:
    lesson = timetable.add_session(db, klass.cohort, plan(today(), starts=time(0, 0), ends=time(1, 0)))
    record_attendance(db, lesson, {klass.students[0].id: AttendanceStatus.PRESENT}, 0, klass.instructor)
    with pytest.raises(timetable.SessionHasAttendance) as raised:
        timetable.delete_session(db, lesson, expected_version=lesson.version)
    assert raised.value.status == 409


def series(first: date, last: date, **fields: object) -> WeeklySeries:
    values: dict[str, object] = {
        "weekdays": frozenset({0, 2, 4}),
        "starts": time(18, 0),
        "minutes": 90,
        "first_day": first,
        "last_day": last,
        "room": "Room 2",
    }
    values.update(fields)
    return WeeklySeries(**values)  # type: ignore[arg-type]


def test_a_weekly_series_adds_one_session_per_chosen_weekday(db: Session, klass: Class) -> None:
    monday = klass.cohort.starts_on + timedelta(days=7 - klass.cohort.starts_on.weekday())
    added = timetable.add_weekly_series(db, klass.cohort, series(monday, monday + timedelta(days=20)))
    days = [timetable.to_local(s.starts_at) for s in added]
    assert [d.strftime("%a") for d in days] == ["Mon", "Wed", "Fri"] * 3
    assert {(d.hour, d.minute) for d in days} == {(18, 0)}
    assert all(s.ends_at - s.starts_at == timedelta(minutes=90) and s.room == "Room 2" for s in added)
    # Sending the same series again adds nothing; a wider one adds only the new days.
    assert timetable.add_weekly_series(db, klass.cohort, series(monday, monday + timedelta(days=20))) == []
    more = timetable.add_weekly_series(db, klass.cohort, series(monday, monday + timedelta(days=21)))
    assert len(more) == 1  # the fourth Monday


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_day": "before"}, "first_day"),
        ({"last_day": "after"}, "last_day"),
        ({"reversed": True}, "last_day"),
        ({"minutes": 5}, "minutes"),
        ({"minutes": 601}, "minutes"),
        ({"weekdays": frozenset({6}), "short": True}, "weekdays"),
        ({"link": "mailto:x@example.uz"}, "link"),
    ],
)
def test_bad_series_are_refused(db: Session, klass: Class, change: dict[str, object], field: str) -> None:
    cohort = klass.cohort
    monday = cohort.starts_on + timedelta(days=7 - cohort.starts_on.weekday())
    first, last = monday, monday + timedelta(days=13)
    if change.pop("first_day", None):
        first = cohort.starts_on - timedelta(days=1)
    if change.pop("last_day", None):
        last = cohort.ends_on + timedelta(days=1)
    if change.pop("reversed", None):
        first, last = last, first
    if change.pop("short", None):
        last = first + timedelta(days=2)  # Monday to Wednesday: no Sunday
    with pytest.raises(DomainError) as raised:
        timetable.add_weekly_series(db, cohort, series(first, last, **change))
    assert raised.value.field == field
    assert db.scalar(select(func.count()).select_from(CohortSession)) == 0


def test_a_series_has_a_ceiling(db: Session, klass: Class, make: Factory) -> None:
    long = make.cohort(starts_on=today(), ends_on=today() + timedelta(days=400))
    with pytest.raises(timetable.SeriesTooLong):
        timetable.add_weekly_series(
            db, long, series(today(), today() + timedelta(days=400), weekdays=frozenset(range(7)))
        )


def test_next_sessions_of_many_cohorts_in_one_query(
    db: Session, klass: Class, count_queries: QueryCounter
) -> None:
    klass.session_on(db, today() - timedelta(days=2))
    coming = klass.session_on(db, today() + timedelta(days=2))
    klass.session_on(db, today() + timedelta(days=4))
    count_queries.statements.clear()
    found = timetable.next_sessions(db, [klass.cohort.id, 999_999], utcnow())
    assert count_queries.count == 1
    assert found == {klass.cohort.id: coming}
    assert timetable.next_sessions(db, [], utcnow()) == {}
