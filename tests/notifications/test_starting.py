""" "Starts tomorrow": every enrolled student of tomorrow's cohorts, once, with Tashkent's calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.cohorts import services as cohort_services
from academy.cohorts.models import Cohort, EnrolmentStatus
from academy.notifications import services
from academy.notifications.models import Notification, NotificationKind
from tests.conftest import Factory

pytestmark = pytest.mark.usefixtures("app_ctx")
TODAY = date(2026, 9, 1)


def reminders(db: Session) -> list[tuple[int | None, int]]:
    return sorted(
        (cohort_id, user_id)
        for cohort_id, user_id in db.execute(
            select(Notification.cohort_id, Notification.user_id).where(
                Notification.kind == NotificationKind.STARTING_TOMORROW
            )
        )
    )


def seated(
    db: Session, make: Factory, seats: int, students: int, cohort: Cohort | None = None, **fields: object
) -> list[int]:
    """``students`` enrolment requests for a cohort of ``seats`` seats; the ids of those enrolled."""
    cohort = cohort or make.cohort(seats=seats, **fields)
    ids = []
    for _ in range(students):
        student = make.user()
        if cohort_services.enrol(db, cohort, student, check_window=False).status is EnrolmentStatus.ENROLLED:
            ids.append(student.id)
    return ids


def test_enrolled_students_of_tomorrows_cohorts_are_told_once(db: Session, make: Factory) -> None:
    tomorrow = TODAY + timedelta(days=1)
    cohort = make.cohort(seats=2, starts_on=tomorrow)
    stays, leaver, promoted, waiting = (make.user() for _ in range(4))
    places = {
        s.id: cohort_services.enrol(db, cohort, s, check_window=False)
        for s in (stays, leaver, promoted, waiting)
    }
    cohort_services.withdraw(db, places[leaver.id], actor=leaver)  # ``promoted`` moves up, ``waiting`` waits
    assert [places[s.id].status for s in (leaver, promoted, waiting)] == [
        EnrolmentStatus.WITHDRAWN,
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.WAITLISTED,
    ]
    online = make.cohort(starts_on=tomorrow, region_code=None)
    [online_student] = seated(db, make, 5, 1, cohort=online)
    seated(db, make, 5, 2, starts_on=TODAY)  # started today: too late
    seated(db, make, 5, 2, starts_on=tomorrow + timedelta(days=1))  # the day after: not yet

    assert services.notify_cohorts_starting(db, TODAY) == 3
    expected = sorted([(cohort.id, stays.id), (cohort.id, promoted.id), (online.id, online_student)])
    assert reminders(db) == expected
    keys = db.scalars(
        select(Notification.dedupe_key).where(Notification.kind == NotificationKind.STARTING_TOMORROW)
    ).all()
    assert sorted(keys) == sorted(f"starting:{c}:{u}" for c, u in expected)  # type: ignore[type-var]

    # A second run (the cron fired twice, or someone ran it by hand) writes nothing.
    assert services.notify_cohorts_starting(db, TODAY) == 0
    assert reminders(db) == expected


def test_a_concurrent_run_that_wrote_first_is_not_repeated(
    db: Session, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seated(db, make, 5, 3, starts_on=TODAY + timedelta(days=1))
    cohort_id = db.scalar(select(Notification.cohort_id).where(Notification.user_id == ids[0]))
    assert cohort_id is not None
    # The other run commits one of the messages after this run has looked for existing ones.
    services.notify(
        db, ids[0], NotificationKind.STARTING_TOMORROW, cohort_id, services.starting_key(cohort_id, ids[0])
    )
    db.flush()
    looked = []
    original = services._existing_keys

    def stale_first_look(session: Session, cohort_ids: list[int]) -> set[str]:
        looked.append(cohort_ids)
        return set() if len(looked) == 1 else original(session, cohort_ids)

    monkeypatch.setattr(services, "_existing_keys", stale_first_look)
    assert services.notify_cohorts_starting(db, TODAY) == 2  # the savepoint caught the collision
    assert len(looked) == 2
    assert reminders(db) == sorted((cohort_id, student) for student in ids)


@pytest.mark.parametrize(
    ("utc_moment", "tashkent_day"),
    [
        (datetime(2026, 8, 31, 18, 59, 59, tzinfo=UTC), date(2026, 8, 31)),  # 23:59:59 in Tashkent
        (datetime(2026, 8, 31, 19, 0, tzinfo=UTC), date(2026, 9, 1)),  # midnight in Tashkent
        (datetime(2026, 9, 1, 18, 0, tzinfo=UTC), date(2026, 9, 1)),
    ],
)
def test_today_is_tashkents_today(utc_moment: datetime, tashkent_day: date) -> None:
    assert services.academy_today(utc_moment) == tashkent_day


def test_the_daily_command_uses_tashkents_date(
    app: Flask, db: Session, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20:30 UTC on 31 August is already 1 September in Tashkent: cohorts of 2 September are next.
    seated(db, make, 5, 1, starts_on=date(2026, 9, 1))
    told = seated(db, make, 5, 2, starts_on=date(2026, 9, 2))
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 8, 31, 20, 30, tzinfo=UTC))
    result = app.test_cli_runner().invoke(args=["notify-starting-tomorrow"])
    assert result.exit_code == 0, result.output
    assert "2 students told that their cohort starts on 2026-09-02" in result.output
    assert sorted(user for _c, user in reminders(db)) == sorted(told)
    again = app.test_cli_runner().invoke(args=["notify-starting-tomorrow", "--today", "2026-09-01"])
    assert "0 students" in again.output


def test_the_daily_command_refuses_a_bad_date(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["notify-starting-tomorrow", "--today", "tomorrow"])
    assert result.exit_code == 2 and "Invalid value for '--today'" in result.output
