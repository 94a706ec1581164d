"""iCalendar feeds: RFC 5545 on the wire (CRLF, folding, escaping, UTC), read back with ``icalendar``."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts import services
from academy.cohorts.models import Enrolment, EnrolmentStatus
from academy.courses.models import CourseStatus
from tests.cohorts.conftest import Class, running_cohort, today
from tests.conftest import Browser, Factory, QueryCounter

LINK = "https://meet.example.uz/secret-room"


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def check_wire_format(body: bytes) -> None:
    """CRLF line ends only, no line over 75 octets, continuation lines start with a space."""
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    lines = body.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    for line in lines:
        line.decode("utf-8")  # folding never splits a character


def test_a_published_cohorts_public_feed(browser: Browser, db: Session, make: Factory) -> None:
    klass = running_cohort(db, make, venue="Registan street 5, Samarkand")
    topic = "Возражения; «цена», скидки\\условия — " * 3  # long, Cyrillic, with characters to escape
    lesson = klass.session_on(db, today() + timedelta(days=1), topic=topic, room="Room 4", link=LINK)
    klass.session_on(db, today() + timedelta(days=3), room="Room 5")
    response = browser.get(f"/cohorts/{klass.cohort.code}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.get_data()
    check_wire_format(body)
    assert b"\\;" in body and b"\\," in body and b"\\\\" in body
    assert LINK.encode() not in body  # the public feed never shows the online link
    calendar = parse(body)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"] and calendar["METHOD"] == "PUBLISH"
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    first = events[0]
    assert str(first["UID"]).startswith(f"cohort-session-{lesson.id}@")
    assert first.decoded("DTSTART") == lesson.starts_at and first.decoded("DTSTART").utcoffset() == timedelta(
        0
    )
    assert first.decoded("DTEND") == lesson.ends_at
    assert b"DTSTART:" in body and b"Z\r\n" in body  # written in UTC
    assert isinstance(first.decoded("DTSTAMP"), datetime)
    assert str(first["SUMMARY"]).endswith(topic)
    assert str(first["LOCATION"]) == "Room 4, Registan street 5, Samarkand, Samarkand Region"
    assert "URL" not in first


def test_uids_are_stable_and_edits_raise_the_sequence(browser: Browser, db: Session, klass: Class) -> None:
    lesson = klass.session_on(db, today())
    url = f"/cohorts/{klass.cohort.code}/calendar.ics"
    before = parse(browser.get(url).get_data()).walk("VEVENT")[0]
    lesson.topic = "Moved"
    db.flush()
    after = parse(browser.get(url).get_data()).walk("VEVENT")[0]
    assert before["UID"] == after["UID"] and (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)


def test_feeds_of_draft_or_unknown_cohorts_are_404(browser: Browser, make: Factory) -> None:
    draft = make.cohort(course=make.course(status=CourseStatus.DRAFT))
    assert browser.get(f"/cohorts/{draft.code}/calendar.ics").status_code == 404
    assert browser.get("/cohorts/NO-SUCH/calendar.ics").status_code == 404


def test_the_public_feed_has_a_constant_query_count(
    browser: Browser, klass: Class, db: Session, count_queries: QueryCounter
) -> None:
    url = f"/cohorts/{klass.cohort.code}/calendar.ics"
    klass.session_on(db, today())
    count_queries.statements.clear()
    browser.get(url)
    few = count_queries.count
    for n in range(1, 20):
        klass.session_on(db, today() + timedelta(days=n))
    count_queries.statements.clear()
    assert len(parse(browser.get(url).get_data()).walk("VEVENT")) == 20
    assert count_queries.count == few


def test_the_account_page_gives_a_personal_address(browser: Browser, db: Session, make: Factory) -> None:
    klass = running_cohort(db, make, students=1)
    student = klass.students[0]
    assert student.calendar_token is None
    browser.login(student)
    page = browser.get("/account").get_data(as_text=True)
    db.refresh(student)
    token = student.calendar_token
    assert token and f"http://localhost/calendar/{token}.ics" in page
    browser.get("/account")
    db.refresh(student)
    assert student.calendar_token == token  # created once
    assert browser.get(f"/calendar/{token}.ics").status_code == 200

    response = browser.post("/account/calendar")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account#calendar")
    db.refresh(student)
    assert student.calendar_token != token
    assert browser.get(f"/calendar/{token}.ics").status_code == 404  # the old address stops working
    assert browser.get(f"/calendar/{student.calendar_token}.ics").status_code == 200
    assert browser.post("/account/calendar", csrf=False).status_code == 400


def test_the_personal_feed_has_enrolled_cohorts_with_links(
    browser: Browser, db: Session, make: Factory
) -> None:
    klass = running_cohort(db, make, students=1, region_code=None, venue="")
    student = klass.students[0]
    online = klass.session_on(db, today() + timedelta(days=1), topic="Live call", link=LINK)
    elsewhere = running_cohort(db, make, students=0, seats=0)
    services.enrol(db, elsewhere.cohort, student, check_window=False)  # waitlisted: not in the feed
    elsewhere.session_on(db, today() + timedelta(days=2))
    left = running_cohort(db, make, students=0)
    services.withdraw(db, services.enrol(db, left.cohort, student, check_window=False), actor=student)
    left.session_on(db, today() + timedelta(days=2))
    running_cohort(db, make, students=1).session_on(db, today())  # someone else's
    student.calendar_token = "token-of-the-student-0123456789abcdef"
    db.flush()
    response = browser.get("/calendar/token-of-the-student-0123456789abcdef.ics")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/calendar")
    body = response.get_data()
    check_wire_format(body)
    events = parse(body).walk("VEVENT")
    assert [str(e["UID"]).split("@")[0] for e in events] == [f"cohort-session-{online.id}"]
    assert str(events[0]["URL"]) == LINK and str(events[0]["LOCATION"]) == LINK
    assert LINK in str(events[0]["DESCRIPTION"])


def test_an_instructors_feed_has_the_cohorts_they_teach(browser: Browser, db: Session, klass: Class) -> None:
    klass.session_on(db, today())
    klass.instructor.calendar_token = "instructor-token-0123456789abcdef0123"
    db.flush()
    events = parse(browser.get("/calendar/instructor-token-0123456789abcdef0123.ics").get_data()).walk(
        "VEVENT"
    )
    assert len(events) == 1


def test_unknown_or_deactivated_tokens_are_404(browser: Browser, db: Session, make: Factory) -> None:
    assert browser.get("/calendar/unknown-token.ics").status_code == 404
    gone = make.user(calendar_token="deactivated-0123456789", active=False)
    assert gone.calendar_token and browser.get(f"/calendar/{gone.calendar_token}.ics").status_code == 404


def test_employers_and_admins_get_no_feed_card(browser: Browser, db: Session) -> None:
    admin = browser.login(Role.ADMIN)
    assert "Subscription address" not in browser.get("/account").get_data(as_text=True)
    db.refresh(admin)
    assert admin.calendar_token is None


def test_completed_enrolments_leave_the_personal_feed(browser: Browser, db: Session, make: Factory) -> None:
    klass = running_cohort(db, make, students=1)
    student = klass.students[0]
    klass.session_on(db, today())
    student.calendar_token = "finished-student-token-0123456789"
    place = db.scalars(select(Enrolment).where(Enrolment.student_id == student.id)).one()
    services.record_outcome(db, place, EnrolmentStatus.COMPLETED, actor=make.user(Role.ADMIN))
    feed = browser.get("/calendar/finished-student-token-0123456789.ics")
    assert feed.status_code == 200 and parse(feed.get_data()).walk("VEVENT") == []
