"""The student's dashboard: places with their next session and waitlist position."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from academy.cohorts import services
from academy.cohorts.models import Attendance, AttendanceStatus, CohortSession
from academy.courses.models import CourseModule, Lesson, LessonProgress
from academy.db import utcnow
from academy.main.services import my_cohorts
from tests.conftest import Browser, Factory, QueryCounter


def add_sessions(db: Session, cohort_id: int, *days: int) -> list[CohortSession]:
    now = utcnow()
    meetings = [
        CohortSession(
            cohort_id=cohort_id,
            starts_at=now + timedelta(days=d),
            ends_at=now + timedelta(days=d, hours=2),
            room=f"Room {d}",
        )
        for d in days
    ]
    db.add_all(meetings)
    db.flush()
    return meetings


def test_my_cohorts_gives_the_next_session_and_waitlist_positions(
    db: Session, make: Factory, app_ctx: None
) -> None:
    student, other = make.user(), make.user()
    seated, full, left = make.cohort(), make.cohort(seats=1), make.cohort()
    add_sessions(db, seated.id, -3, 2, 9)
    services.enrol(db, full, other)
    services.enrol(db, seated, student)
    services.enrol(db, full, student)
    services.withdraw(db, services.enrol(db, left, student), student)

    places = {p.cohort.id: p for p in my_cohorts(db, student, utcnow())}
    assert set(places) == {seated.id, full.id}  # the withdrawn place is not shown
    assert places[seated.id].next_session is not None and places[seated.id].next_session.room == "Room 2"
    assert places[seated.id].waitlist_position is None
    assert places[full.id].waitlist_position == 1 and places[full.id].next_session is None
    assert my_cohorts(db, make.user(), utcnow()) == []


def test_my_cohorts_gives_progress_and_attendance(db: Session, make: Factory, app_ctx: None) -> None:
    student = make.user()
    cohort = make.cohort()
    module = CourseModule(course_id=cohort.course_id, position=1, title="Basics")
    lessons = [Lesson(module=module, position=n, title=f"Lesson {n}") for n in range(1, 5)]
    db.add_all([module, *lessons])
    past = add_sessions(db, cohort.id, -9, -6, -3)
    services.enrol(db, cohort, student)
    db.add_all(
        [
            LessonProgress(student_id=student.id, lesson_id=lessons[0].id),
            Attendance(session_id=past[0].id, student_id=student.id, status=AttendanceStatus.PRESENT),
            Attendance(session_id=past[1].id, student_id=student.id, status=AttendanceStatus.ABSENT),
            Attendance(session_id=past[2].id, student_id=student.id, status=AttendanceStatus.EXCUSED),
        ]
    )
    db.flush()
    (place,) = my_cohorts(db, student, utcnow())
    assert (place.progress.done, place.progress.total, place.progress.percent) == (1, 4, 25)
    assert place.attendance.value == 0.5  # the excused session does not count


def test_dashboard_shows_places_without_a_query_per_cohort(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    student = browser.login()

    def page_queries() -> tuple[int, str]:
        count_queries.statements.clear()
        body = browser.get("/dashboard").get_data(as_text=True)
        return count_queries.count, body

    def add_places(n: int) -> None:
        for _ in range(n):
            cohort = make.cohort()
            module = CourseModule(course_id=cohort.course_id, position=1, title="Basics")
            db.add_all([module, Lesson(module=module, position=1, title="One")])
            past, _next = add_sessions(db, cohort.id, -1, 1)
            services.enrol(db, cohort, student)
            db.add(Attendance(session_id=past.id, student_id=student.id, status=AttendanceStatus.LATE))
            services.enrol(db, make.cohort(seats=0), student)

    add_places(1)
    few, body = page_queries()
    assert "Next session" in body and "Room 1" in body
    assert "0 of 1 lessons done" in body and "Attendance: 100%" in body
    assert "Your place on the waitlist: 1" in body
    add_places(8)
    many, body = page_queries()
    assert many == few
    assert body.count("Your place on the waitlist: 1") == 9


def test_instructor_dashboard_lists_only_their_cohorts(browser: Browser, db: Session, make: Factory) -> None:
    from academy.auth.models import Role

    teacher, colleague = make.user(Role.INSTRUCTOR), make.user(Role.INSTRUCTOR)
    mine, theirs = make.cohort(), make.cohort()
    mine.instructors.append(teacher)
    theirs.instructors.append(colleague)
    add_sessions(db, mine.id, 3)
    db.flush()
    browser.login(teacher)
    body = browser.get("/dashboard").get_data(as_text=True)
    assert mine.code in body and "Room 3" in body
    assert theirs.code not in body
