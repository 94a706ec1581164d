"""Demo timetables and attendance: evening sessions two or three times a week for every cohort, marks
for the students of past sessions, and the demo instructor teaching a running, an upcoming, a past and an
online cohort. Rows go in with bulk INSERTs, so a demo of thousands of students loads in seconds."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from academy.auth.models import User
from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    Enrolment,
    EnrolmentStatus,
    cohort_instructors,
)
from academy.cohorts.timetable import local_to_utc, to_local

DEMO_INSTRUCTOR = "instructor@demo.academy.uz"
DEMO_STUDENT = "student@demo.academy.uz"
WEEKLY_PATTERNS = [(0, 2, 4), (1, 3), (1, 3, 5), (0, 3), (2, 5)]  # 0 = Monday
EVENINGS = [time(18, 0), time(18, 30), time(19, 0)]
ROOMS = ["Room 1", "Room 2", "Room 4", "Room 7", "Computer lab 1", "Computer lab 2", "Training hall"]
TOPICS = {"uz": "{n}-mashgʻulot", "ru": "Занятие {n}", "en": "Session {n}"}
# How often each mark is given: most students come; those who went on to fail come less.
MARKS = list(AttendanceStatus)
WEIGHTS_GOOD = [82, 8, 6, 4]
WEIGHTS_FAILING = [55, 10, 30, 5]
CHUNK = 2000


def _bulk(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    for offset in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[offset : offset + CHUNK])


def _session_rows(cohort: Any, now: datetime, rng: random.Random, online_link: str) -> list[dict[str, Any]]:
    pattern, at = rng.choice(WEEKLY_PATTERNS), rng.choice(EVENINGS)
    minutes, room = rng.choice([90, 120]), "" if cohort.region_code is None else rng.choice(ROOMS)
    rows: list[dict[str, Any]] = []
    day: date = cohort.starts_on
    while day <= cohort.ends_on:
        if day.weekday() in pattern:
            starts_at = local_to_utc(day, at)
            rows.append(
                {
                    "cohort_id": cohort.id,
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(minutes=minutes),
                    "topic": TOPICS.get(cohort.language, TOPICS["en"]).format(n=len(rows) + 1),
                    "room": room,
                    "link": online_link if cohort.region_code is None else "",
                    "version": 1,
                    "attendance_version": 0,
                    "attendance_taken_at": None,
                }
            )
        day += timedelta(days=1)
    # A running cohort's latest past session is still waiting for its register, as in real life.
    past = [row for row in rows if row["ends_at"] < now]
    for row in past[:-1] if cohort.ends_on >= to_local(now).date() else past:
        row["attendance_version"], row["attendance_taken_at"] = 1, row["ends_at"]
    return rows


def _assign_demo_instructor(session: Session, cohorts: list[Any], today: date) -> int:
    """The demo instructor teaches a running, an upcoming, a past and an online cohort (if there are);
    the running one is the demo student's, so that each sees the other's side of the same work."""
    instructor_id = session.scalar(select(User.id).where(User.email == DEMO_INSTRUCTOR))
    if instructor_id is None:
        return 0
    already = set(
        session.scalars(
            select(cohort_instructors.c.cohort_id).where(cohort_instructors.c.instructor_id == instructor_id)
        )
    )
    wanted: list[int] = list(
        session.scalars(
            select(Enrolment.cohort_id)
            .join(User, User.id == Enrolment.student_id)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(
                User.email == DEMO_STUDENT,
                Enrolment.status == EnrolmentStatus.ENROLLED,
                Cohort.starts_on <= today,
                Cohort.ends_on >= today,
            )
            .limit(1)
        )
    )
    tests = [
        lambda c: c.starts_on <= today <= c.ends_on,
        lambda c: c.starts_on > today,
        lambda c: c.ends_on < today,
        lambda c: c.region_code is None and c.ends_on >= today,
    ]
    for test in tests[1:] if wanted else tests:
        found = next((c.id for c in cohorts if test(c) and c.region_code == "UZ-SA"), None)
        found = found or next((c.id for c in cohorts if test(c) and c.id not in wanted), None)
        if found is not None and found not in wanted:
            wanted.append(found)
    rows = [{"cohort_id": c, "instructor_id": instructor_id} for c in wanted if c not in already]
    if rows:
        session.execute(insert(cohort_instructors), rows)
    return len(already | set(wanted))


def load_timetable(session: Session, now: datetime, rng: random.Random) -> dict[str, int]:
    """Sessions for every cohort and attendance for their past sessions; returns the counts."""
    today = to_local(now).date()
    cohorts = session.execute(
        select(
            Cohort.id, Cohort.code, Cohort.region_code, Cohort.language, Cohort.starts_on, Cohort.ends_on
        ).order_by(Cohort.id)
    ).all()
    _assign_demo_instructor(session, list(cohorts), today)
    session_rows: list[dict[str, Any]] = []
    for cohort in cohorts:
        link = f"https://meet.demo.academy.uz/{cohort.code.lower()}"
        session_rows.extend(_session_rows(cohort, now, rng, link))
    _bulk(session, CohortSession, session_rows)

    roster: dict[int, list[tuple[int, EnrolmentStatus]]] = defaultdict(list)
    for cohort_id, student_id, status in session.execute(
        select(Enrolment.cohort_id, Enrolment.student_id, Enrolment.status)
        .where(Enrolment.status.in_(ROSTER_STATUSES))
        .order_by(Enrolment.cohort_id, Enrolment.student_id)
    ):
        roster[cohort_id].append((student_id, status))
    teacher: dict[int, int] = {}
    for cohort_id, instructor_id in session.execute(
        select(cohort_instructors.c.cohort_id, cohort_instructors.c.instructor_id).order_by(
            cohort_instructors.c.cohort_id, cohort_instructors.c.instructor_id
        )
    ):
        teacher.setdefault(cohort_id, instructor_id)
    taken = session.execute(
        select(CohortSession.id, CohortSession.cohort_id, CohortSession.ends_at)
        .where(CohortSession.attendance_version > 0)
        .order_by(CohortSession.id)
    ).all()
    marks: list[dict[str, Any]] = []
    for session_id, cohort_id, ends_at in taken:
        for student_id, status in roster[cohort_id]:
            weights = WEIGHTS_FAILING if status is EnrolmentStatus.FAILED else WEIGHTS_GOOD
            marks.append(
                {
                    "session_id": session_id,
                    "student_id": student_id,
                    "status": rng.choices(MARKS, weights)[0],
                    "recorded_by_id": teacher.get(cohort_id),
                    "recorded_at": ends_at,
                }
            )
    _bulk(session, Attendance, marks)
    session.flush()
    return {"sessions": len(session_rows), "attendance marks": len(marks)}
