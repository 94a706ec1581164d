"""Instructors' pages: only their own cohorts, the roster with rates, the timetable, the attendance form."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts import services
from academy.cohorts.attendance import record_attendance, register
from academy.cohorts.models import AttendanceStatus, CohortSession
from academy.cohorts.timetable import to_local
from tests.cohorts.conftest import Class, running_cohort, today
from tests.conftest import Browser, Factory, QueryCounter

P, A = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT


def marks_for(klass: Class, **overrides: str) -> dict[str, str]:
    return {f"mark-{s.id}": overrides.get(s.email, "present") for s in klass.students}


def test_my_cohorts_lists_only_those_taught_current_first(
    browser: Browser, db: Session, make: Factory
) -> None:
    mine = running_cohort(db, make, students=0)
    teacher = mine.instructor
    past = make.cohort(
        code="MINE-PAST", starts_on=today() - timedelta(days=90), ends_on=today() - timedelta(days=9)
    )
    soon = make.cohort(code="MINE-SOON")
    for cohort in (past, soon):
        cohort.instructors.append(teacher)
    make.cohort(code="NOT-MINE")
    mine.session_on(db, today() + timedelta(days=1))
    db.flush()
    browser.login(teacher)
    body = browser.get("/teach").get_data(as_text=True)
    assert "NOT-MINE" not in body
    assert body.index(mine.cohort.code) < body.index("MINE-SOON") < body.index("MINE-PAST")
    assert "Running" in body and "Upcoming" in body and "Past" in body
    assert 'href="/teach"' in browser.get("/dashboard").get_data(as_text=True)  # the nav link


def test_another_instructors_cohort_is_404_everywhere(browser: Browser, db: Session, make: Factory) -> None:
    theirs = running_cohort(db, make)
    lesson = theirs.session_on(db, today())
    browser.login(Role.INSTRUCTOR)  # a different instructor
    code = theirs.cohort.code
    for url in (
        f"/teach/cohorts/{code}",
        f"/teach/cohorts/{code}/sessions/new",
        f"/teach/cohorts/{code}/sessions/series",
        f"/teach/sessions/{lesson.id}/edit",
        f"/teach/sessions/{lesson.id}/attendance",
    ):
        assert browser.get(url).status_code == 404, url
    response = browser.post(f"/teach/sessions/{lesson.id}/attendance", {"version": 0, **marks_for(theirs)})
    assert response.status_code == 404
    assert browser.post(f"/teach/sessions/{lesson.id}/delete", {"version": lesson.version}).status_code == 404
    assert register(db, lesson.id) == {} and db.get(CohortSession, lesson.id) is not None
    body = browser.get(f"/teach/cohorts/{code}").get_data(as_text=True)
    assert theirs.students[0].email not in body


def test_students_and_employers_are_refused(browser: Browser, db: Session, make: Factory) -> None:
    klass = running_cohort(db, make)
    browser.login(klass.students[0])
    assert browser.get(f"/teach/cohorts/{klass.cohort.code}").status_code == 403
    assert browser.get("/teach").status_code == 403


def test_admins_may_run_any_cohort(browser: Browser, db: Session, klass: Class) -> None:
    lesson = klass.session_on(db, today())
    browser.login(Role.ADMIN)
    assert klass.cohort.code in browser.get("/teach").get_data(as_text=True)
    assert browser.get(f"/teach/cohorts/{klass.cohort.code}").status_code == 200
    response = browser.post(f"/teach/sessions/{lesson.id}/attendance", {"version": 0, **marks_for(klass)})
    assert response.status_code == 302 and len(register(db, lesson.id)) == 3


def test_the_roster_shows_contacts_and_rates(browser: Browser, db: Session, klass: Class) -> None:
    one, two, _three = klass.students
    one.phone = "+998 90 123 45 67"
    for n, marks in enumerate([{one.id: P, two.id: A}, {one.id: P, two.id: P}, {one.id: A, two.id: P}]):
        record_attendance(db, klass.session_on(db, today() - timedelta(days=n)), marks, 0, klass.instructor)
    browser.login(klass.instructor)
    body = browser.get(f"/teach/cohorts/{klass.cohort.code}").get_data(as_text=True)
    assert one.email in body and "+998 90 123 45 67" in body and 'href="tel:+998901234567"' in body
    assert body.count("67%") == 2  # two of three sessions each
    assert "—" in body  # the third student has nothing recorded


def test_the_roster_has_a_constant_query_count(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    klass = running_cohort(db, make, students=2)
    lessons = [klass.session_on(db, today() - timedelta(days=n)) for n in range(2)]
    browser.login(klass.instructor)
    url = f"/teach/cohorts/{klass.cohort.code}"
    browser.get(url)
    count_queries.statements.clear()
    browser.get(url)
    few = count_queries.count
    for _ in range(18):
        services.enrol(db, klass.cohort, make.user(), check_window=False)
    lessons += [klass.session_on(db, today() - timedelta(days=n)) for n in range(2, 20)]
    roster = [s.id for s in klass.students]
    for lesson in lessons:
        record_attendance(db, lesson, dict.fromkeys(roster, P), 0, klass.instructor)
    count_queries.statements.clear()
    body = browser.get(url).get_data(as_text=True)
    assert count_queries.count == few, count_queries.statements
    assert "(20)" in body


def test_the_attendance_form_saves_the_whole_register(browser: Browser, db: Session, klass: Class) -> None:
    lesson = klass.session_on(db, today(), topic="Small talk")
    browser.login(klass.instructor)
    page = browser.get(f"/teach/sessions/{lesson.id}/attendance").get_data(as_text=True)
    assert page.count('type="radio"') == 12 and 'name="version" value="0"' in page and "Small talk" in page
    one, two, three = klass.students
    data = {"version": 0, **marks_for(klass, **{two.email: "late", three.email: "excused"})}
    response = browser.post(f"/teach/sessions/{lesson.id}/attendance", data)
    assert response.status_code == 302
    assert register(db, lesson.id) == {
        one.id: AttendanceStatus.PRESENT,
        two.id: AttendanceStatus.LATE,
        three.id: AttendanceStatus.EXCUSED,
    }
    again = browser.get(f"/teach/sessions/{lesson.id}/attendance").get_data(as_text=True)
    assert 'name="version" value="1"' in again and "Last saved" in again
    assert f'name="mark-{two.id}" value="late"\n                       checked' in again


def test_a_stale_register_answers_409_and_keeps_the_other_save(
    browser: Browser, db: Session, make: Factory, klass: Class
) -> None:
    lesson = klass.session_on(db, today())
    one = klass.students[0]
    record_attendance(db, lesson, {s.id: P for s in klass.students}, 0, make.user(Role.ADMIN))  # another tab
    browser.login(klass.instructor)
    stale = {"version": 0, **marks_for(klass, **{one.email: "absent"})}
    response = browser.post(f"/teach/sessions/{lesson.id}/attendance", stale)
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "Someone else saved this register" in body
    assert 'name="version" value="1"' in body  # the form now carries what was saved
    assert register(db, lesson.id)[one.id] is AttendanceStatus.PRESENT


def test_a_forged_student_is_refused_and_nothing_is_saved(
    browser: Browser, db: Session, make: Factory, klass: Class
) -> None:
    lesson = klass.session_on(db, today())
    outsider = running_cohort(db, make, students=1).students[0]
    browser.login(klass.instructor)
    data = {"version": 0, **marks_for(klass), f"mark-{outsider.id}": "absent"}
    response = browser.post(f"/teach/sessions/{lesson.id}/attendance", data)
    assert response.status_code == 400
    assert "Only students on this cohort&#39;s roster can be marked." in response.get_data(as_text=True)
    assert register(db, lesson.id) == {}
    db.refresh(lesson)
    assert lesson.attendance_version == 0


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"mark-ONE": None}, 400),  # a student left without a mark
        ({"mark-ONE": "sleeping"}, 400),
        ({"mark-x": "present"}, 400),
        ({"version": None}, 409),  # no version: it cannot be the current one
        ({"version": "abc"}, 409),
    ],
)
def test_malformed_registers_are_refused(
    browser: Browser, db: Session, klass: Class, change: dict[str, str | None], status: int
) -> None:
    lesson = klass.session_on(db, today())
    data: dict[str, object] = {"version": 0, **marks_for(klass)}
    for key, value in change.items():
        key = key.replace("ONE", str(klass.students[0].id))
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    browser.login(klass.instructor)
    response = browser.post(f"/teach/sessions/{lesson.id}/attendance", data)
    assert response.status_code == status
    assert register(db, lesson.id) == {}
    if change.get("mark-ONE", "") is None:
        assert "Choose a mark for every student." in response.get_data(as_text=True)


def test_a_future_session_cannot_be_marked_yet(browser: Browser, db: Session, klass: Class) -> None:
    lesson = klass.session_on(db, today() + timedelta(days=2))
    browser.login(klass.instructor)
    page = browser.get(f"/teach/sessions/{lesson.id}/attendance").get_data(as_text=True)
    assert "Attendance can be taken from the day of the session." in page and 'type="radio"' not in page
    response = browser.post(f"/teach/sessions/{lesson.id}/attendance", {"version": 0, **marks_for(klass)})
    assert response.status_code == 409 and register(db, lesson.id) == {}


def test_instructors_add_edit_and_remove_sessions(browser: Browser, db: Session, klass: Class) -> None:
    browser.login(klass.instructor)
    code, day = klass.cohort.code, today() + timedelta(days=5)
    form = {
        "day": day.isoformat(),
        "starts": "18:00",
        "ends": "19:30",
        "topic": "Objections",
        "room": "Lab 2",
    }
    assert browser.post(f"/teach/cohorts/{code}/sessions/new", form).status_code == 302
    lesson = db.scalar(select(CohortSession).where(CohortSession.cohort_id == klass.cohort.id))
    assert lesson is not None and to_local(lesson.starts_at).time() == time(18, 0)
    edit = {**form, "version": 1, "topic": "Handling objections", "link": "https://meet.example.uz/x"}
    assert browser.post(f"/teach/sessions/{lesson.id}/edit", edit).status_code == 302
    db.refresh(lesson)
    assert lesson.topic == "Handling objections" and lesson.version == 2
    stale = browser.post(f"/teach/sessions/{lesson.id}/edit", {**edit, "topic": "Old tab"})
    assert stale.status_code == 409
    db.refresh(lesson)
    assert lesson.topic == "Handling objections"
    assert browser.post(f"/teach/sessions/{lesson.id}/delete", {"version": 1}).status_code == 409
    assert browser.post(f"/teach/sessions/{lesson.id}/delete", {"version": 2}).status_code == 302
    assert db.scalar(select(func.count()).select_from(CohortSession)) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"day": "tomorrow"}, "Not a valid date value."),
        ({"starts": "25:00"}, "Not a valid time value."),
        ({"ends": "17:00"}, "A session must end after it starts."),
        ({"day": "1999-01-01"}, "The date must fall between the cohort"),
        ({"link": "javascript:alert(1)"}, "Enter a web address that starts with http:// or https://."),
        ({"topic": "x" * 201}, "Field cannot be longer than 200 characters."),
    ],
)
def test_bad_sessions_show_field_errors(
    browser: Browser, db: Session, klass: Class, change: dict[str, str], message: str
) -> None:
    browser.login(klass.instructor)
    form = {"day": today().isoformat(), "starts": "18:00", "ends": "19:30", **change}
    response = browser.post(f"/teach/cohorts/{klass.cohort.code}/sessions/new", form)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and message in body and "has-error" in body
    assert db.scalar(select(func.count()).select_from(CohortSession)) == 0


def test_a_weekly_series_through_the_form(browser: Browser, db: Session, klass: Class) -> None:
    cohort = klass.cohort
    monday = cohort.starts_on + timedelta(days=7 - cohort.starts_on.weekday())
    browser.login(klass.instructor)
    page = browser.get(f"/teach/cohorts/{cohort.code}/sessions/series").get_data(as_text=True)
    assert "Monday" in page and "Sunday" in page
    form = {
        "weekdays": ["0", "2", "4"],
        "starts": "18:30",
        "minutes": "120",
        "first_day": monday.isoformat(),
        "last_day": (monday + timedelta(days=13)).isoformat(),
        "room": "Room 3",
    }
    response = browser.post(f"/teach/cohorts/{cohort.code}/sessions/series", form)
    assert response.status_code == 302
    assert db.scalar(select(func.count()).select_from(CohortSession)) == 6
    assert "6 sessions are added to the timetable." in browser.get(response.headers["Location"]).get_data(
        as_text=True
    )
    empty = browser.post(f"/teach/cohorts/{cohort.code}/sessions/series", {**form, "weekdays": []})
    assert "Choose at least one weekday." in empty.get_data(as_text=True)
    outside = browser.post(
        f"/teach/cohorts/{cohort.code}/sessions/series", {**form, "last_day": "2099-01-01"}
    )
    assert "The date must fall between the cohort" in outside.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(CohortSession)) == 6


def test_the_session_form_on_a_phone_width_has_no_inline_style(browser: Browser, klass: Class) -> None:
    browser.login(klass.instructor)
    for url in (f"/teach/cohorts/{klass.cohort.code}/sessions/new", f"/teach/cohorts/{klass.cohort.code}"):
        body = browser.get(url).get_data(as_text=True)
        assert "style=" not in body and "<script" not in body
