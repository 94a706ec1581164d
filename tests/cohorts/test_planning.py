"""Planning cohorts (create, edit, seats through the waitlist), outcomes and waitlist positions."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts import planning, services
from academy.cohorts.models import Cohort, EnrolmentEvent, EnrolmentStatus
from academy.cohorts.planning import CohortPhase, CohortPlan
from academy.db import utcnow
from academy.errors import Conflict, DomainError
from tests.cohorts.conftest import running_cohort, today
from tests.conftest import Factory, QueryCounter

pytestmark = pytest.mark.usefixtures("app_ctx")


def a_plan(make: Factory, **fields: object) -> CohortPlan:
    now = utcnow()
    values: dict[str, object] = {
        "course_id": make.course().id,
        "code": "BPO-CC-SA-2701-1",
        "region_code": "UZ-SA",
        "venue": "Academy centre, Registan street 1",
        "language": "ru",
        "starts_on": today() + timedelta(days=30),
        "ends_on": today() + timedelta(days=90),
        "enrolment_opens_at": now,
        "enrolment_closes_at": now + timedelta(days=29),
        "seats": 20,
        "instructor_ids": [make.user(Role.INSTRUCTOR).id],
    }
    values.update(fields)
    return CohortPlan(**values)  # type: ignore[arg-type]


def test_an_admin_creates_a_cohort(db: Session, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    plan = a_plan(make, instructor_ids=[make.user(Role.INSTRUCTOR).id, make.user(Role.INSTRUCTOR).id])
    cohort = planning.create_cohort(db, plan, admin)
    assert cohort.id and cohort.code == plan.code and cohort.seats == 20 and cohort.seats_taken == 0
    assert sorted(u.id for u in cohort.instructors) == sorted(plan.instructor_ids)
    online = planning.create_cohort(db, a_plan(make, code="ONLINE-1", region_code=None, venue=""), admin)
    assert online.online


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"course_id": 999_999}, "course"),
        ({"region_code": "UZ-XX"}, "region"),
        ({"venue": "  "}, "venue"),
        ({"language": "de"}, "language"),
        ({"ends_on": "before start"}, "ends_on"),
        ({"enrolment_closes_at": "at opening"}, "enrolment_closes_at"),
        ({"seats": -1}, "seats"),
        ({"instructor_ids": []}, "instructors"),
        ({"instructor_ids": "a student"}, "instructors"),
        ({"instructor_ids": [999_999]}, "instructors"),
    ],
)
def test_bad_cohorts_are_refused_on_their_field(
    db: Session, make: Factory, fields: dict[str, object], field: str
) -> None:
    plan = a_plan(make)
    if fields.get("ends_on"):
        fields["ends_on"] = plan.starts_on - timedelta(days=1)
    if fields.get("enrolment_closes_at"):
        fields["enrolment_closes_at"] = plan.enrolment_opens_at
    if fields.get("instructor_ids") == "a student":
        fields["instructor_ids"] = [plan.instructor_ids[0], make.user().id]
    with pytest.raises(DomainError) as raised:
        planning.create_cohort(db, dataclasses.replace(plan, **fields), make.user(Role.ADMIN))
    assert raised.value.field == field
    assert db.scalar(select(Cohort).where(Cohort.code == plan.code)) is None


def test_codes_are_unique(db: Session, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    first = planning.create_cohort(db, a_plan(make, code="DUP-1"), admin)
    with pytest.raises(planning.CodeTaken):
        planning.create_cohort(db, a_plan(make, code="DUP-1"), admin)
    other = planning.create_cohort(db, a_plan(make, code="DUP-2"), admin)
    with pytest.raises(planning.CodeTaken):
        planning.update_cohort(db, other, a_plan(make, code="DUP-1"), other.version, admin)
    # Keeping one's own code is fine.
    planning.update_cohort(db, first, a_plan(make, code="DUP-1", seats=25), first.version, admin)
    assert first.seats == 25


def test_edits_carry_the_version_even_when_only_instructors_change(db: Session, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    plan = a_plan(make)
    cohort = planning.create_cohort(db, plan, admin)
    assert cohort.version == 1
    newcomer = make.user(Role.INSTRUCTOR)
    planning.update_cohort(db, cohort, dataclasses.replace(plan, instructor_ids=[newcomer.id]), 1, admin)
    assert cohort.version == 2 and [u.id for u in cohort.instructors] == [newcomer.id]
    with pytest.raises(Conflict):
        planning.update_cohort(db, cohort, dataclasses.replace(plan, venue="Somewhere else"), 1, admin)
    assert cohort.venue == plan.venue


def test_an_edit_racing_another_is_a_conflict(db: Session, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    plan = a_plan(make)
    cohort = planning.create_cohort(db, plan, admin)
    db.execute(update(Cohort).where(Cohort.id == cohort.id).values(version=2))  # saved meanwhile
    with pytest.raises(Conflict):
        planning.update_cohort(db, cohort, dataclasses.replace(plan, venue="Mine"), 1, admin)


def test_added_seats_promote_the_waitlist(db: Session, make: Factory) -> None:
    klass = running_cohort(db, make, students=3, seats=3)
    waiting = [make.user() for _ in range(3)]
    for student in waiting:
        services.enrol(db, klass.cohort, student, check_window=False)
    cohort, admin = klass.cohort, make.user(Role.ADMIN)
    plan = CohortPlan(
        course_id=cohort.course_id,
        code=cohort.code,
        region_code=cohort.region_code,
        venue="Academy centre",
        language=cohort.language,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        enrolment_opens_at=cohort.enrolment_opens_at,
        enrolment_closes_at=cohort.enrolment_closes_at,
        seats=5,
        instructor_ids=[klass.instructor.id],
    )
    change = planning.update_cohort(db, cohort, plan, cohort.version, admin)
    assert [e.student_id for e in change.promoted] == [waiting[0].id, waiting[1].id]
    assert (cohort.seats, cohort.seats_taken, cohort.waitlist_length) == (5, 5, 1)
    with pytest.raises(services.SeatsBelowTaken) as raised:
        planning.update_cohort(db, cohort, dataclasses.replace(plan, seats=4), cohort.version, admin)
    assert raised.value.field == "seats"


def test_record_outcome_keeps_the_history(db: Session, make: Factory) -> None:
    klass = running_cohort(db, make, students=2)
    admin = make.user(Role.ADMIN)
    first, second = (services.enrol(db, klass.cohort, s, check_window=False) for s in klass.students)
    services.record_outcome(db, first, EnrolmentStatus.COMPLETED, admin, note="Final exam 87%")
    services.record_outcome(db, second, EnrolmentStatus.FAILED, admin)
    assert (first.status, second.status) == (EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED)
    last = db.scalars(select(EnrolmentEvent).where(EnrolmentEvent.enrolment_id == first.id)).all()[-1]
    assert (last.from_status, last.to_status, last.actor_id, last.note) == (
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.COMPLETED,
        admin.id,
        "Final exam 87%",
    )
    assert klass.cohort.seats_taken == 2  # the seats were used: the cohort ran
    with pytest.raises(services.NotEnrolled) as raised:
        services.record_outcome(db, first, EnrolmentStatus.FAILED, admin)
    assert raised.value.status == 409 and first.status is EnrolmentStatus.COMPLETED
    with pytest.raises(services.NotAnOutcome):
        services.record_outcome(db, second, EnrolmentStatus.WITHDRAWN, admin)


def test_only_enrolled_places_get_an_outcome(db: Session, make: Factory) -> None:
    klass = running_cohort(db, make, students=1, seats=1)
    admin = make.user(Role.ADMIN)
    waiting = services.enrol(db, klass.cohort, make.user(), check_window=False)
    with pytest.raises(services.NotEnrolled):
        services.record_outcome(db, waiting, EnrolmentStatus.COMPLETED, admin)
    assert waiting.status is EnrolmentStatus.WAITLISTED


def test_waitlist_positions_of_a_whole_cohort_in_one_query(
    db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    klass = running_cohort(db, make, students=1, seats=1)
    waiting = [services.enrol(db, klass.cohort, make.user(), check_window=False) for _ in range(4)]
    services.withdraw(db, waiting[1], actor=waiting[1].student)
    count_queries.statements.clear()
    positions = services.cohort_waitlist(db, klass.cohort.id)
    assert count_queries.count == 1
    assert positions == {waiting[0].id: 1, waiting[2].id: 2, waiting[3].id: 3}
    assert positions == {
        e.id: services.waitlist_position(db, e) for e in (waiting[0], waiting[2], waiting[3])
    }


def test_cohort_phases_and_the_instructors_list(db: Session, make: Factory) -> None:
    day = today()
    teacher = make.user(Role.INSTRUCTOR)
    past = make.cohort(starts_on=day - timedelta(days=90), ends_on=day - timedelta(days=10))
    running = make.cohort(starts_on=day - timedelta(days=5), ends_on=day + timedelta(days=10))
    soon = make.cohort(starts_on=day + timedelta(days=3), ends_on=day + timedelta(days=40))
    later = make.cohort(starts_on=day + timedelta(days=30), ends_on=day + timedelta(days=90))
    older = make.cohort(starts_on=day - timedelta(days=200), ends_on=day - timedelta(days=100))
    make.cohort()  # someone else's
    for cohort in (past, later, older, running, soon):
        cohort.instructors.append(teacher)
    db.flush()
    assert [planning.phase_of(c, day) for c in (past, running, soon)] == [
        CohortPhase.PAST,
        CohortPhase.RUNNING,
        CohortPhase.UPCOMING,
    ]
    taught = db.scalars(planning.cohorts_taught_by(teacher, day)).unique().all()
    assert [c.id for c in taught] == [running.id, soon.id, later.id, past.id, older.id]
    admin = make.user(Role.ADMIN)
    assert len(db.scalars(planning.cohorts_taught_by(admin, day)).unique().all()) >= 6
    assert planning.teaches(db, teacher, past) and planning.teaches(db, admin, past)
    assert not planning.teaches(db, make.user(Role.INSTRUCTOR), past)
    assert not planning.teaches(db, make.user(), past)


def test_admin_search_filters(db: Session, make: Factory) -> None:
    day = today()
    course = make.course()
    online = make.cohort(course=course, region_code=None, starts_on=day + timedelta(days=5))
    regional = make.cohort(course=course, region_code="UZ-AN", starts_on=day - timedelta(days=5))
    make.cohort(region_code="UZ-AN")

    def found(**filters: object) -> set[int]:
        return {c.id for c in db.scalars(planning.search_cohorts(day, **filters)).unique()}  # type: ignore[arg-type]

    assert found(course_id=course.id) == {online.id, regional.id}
    assert found(course_id=course.id, place="online") == {online.id}
    assert found(course_id=course.id, place="UZ-AN") == {regional.id}
    assert found(course_id=course.id, phase=CohortPhase.RUNNING) == {regional.id}
    assert found(course_id=course.id, phase=CohortPhase.UPCOMING) == {online.id}
    assert found(course_id=course.id, phase=CohortPhase.PAST) == set()


def test_window_times_are_kept_in_utc(db: Session, make: Factory) -> None:
    opens = datetime(2027, 1, 10, 4, 0, tzinfo=UTC)
    cohort = planning.create_cohort(
        db,
        a_plan(make, enrolment_opens_at=opens, enrolment_closes_at=opens + timedelta(days=5)),
        make.user(Role.ADMIN),
    )
    db.expire_all()
    assert db.get(Cohort, cohort.id).enrolment_opens_at == opens  # type: ignore[union-attr]
