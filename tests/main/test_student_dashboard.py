"""The student's dashboard: places with their next session and waitlist position."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from academy.cohorts import services
from academy.cohorts.models import CohortSession
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
            add_sessions(db, cohort.id, 1)
            services.enrol(db, cohort, student)
            services.enrol(db, make.cohort(seats=0), student)

    add_places(1)
    few, body = page_queries()
    assert "Next session" in body and "Room 1" in body
    assert "Your place on the waitlist: 1" in body
    add_places(8)
    many, body = page_queries()
    assert many == few
    assert body.count("Your place on the waitlist: 1") == 9
