"""Administrators' cohort pages: the list, create and edit, enrolments and their actions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts import services
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.courses.models import CourseStatus
from tests.cohorts.conftest import running_cohort, today
from tests.conftest import Browser, Factory, QueryCounter


def form_data(make: Factory, **fields: Any) -> dict[str, Any]:
    start = today() + timedelta(days=30)
    data: dict[str, Any] = {
        "course": make.course().id,
        "code": "kpo-qa-an-2701-1",
        "region": "UZ-AN",
        "venue": "Andijan academy centre",
        "language": "uz",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=60)).isoformat(),
        "enrolment_opens_at": f"{today().isoformat()}T09:00",
        "enrolment_closes_at": f"{(start - timedelta(days=1)).isoformat()}T18:00",
        "seats": "16",
        "instructors": [make.user(Role.INSTRUCTOR).id],
    }
    data.update(fields)
    return data


def test_an_admin_creates_a_cohort_through_the_form(browser: Browser, db: Session, make: Factory) -> None:
    browser.login(Role.ADMIN)
    data = form_data(make)
    second = make.user(Role.INSTRUCTOR)
    page = browser.get("/admin/cohorts/new")
    assert (
        page.status_code == 200
        and f'name="instructors" type="checkbox" value="{second.id}"' in page.get_data(as_text=True)
    )
    data["instructors"] = [data["instructors"][0], second.id]
    response = browser.post("/admin/cohorts/new", data)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/teach/cohorts/KPO-QA-AN-2701-1"
    )
    cohort = db.scalar(select(Cohort).where(Cohort.code == "KPO-QA-AN-2701-1"))
    assert cohort is not None and cohort.seats == 16 and len(cohort.instructors) == 2
    # 09:00 in Tashkent is 04:00 UTC.
    assert cohort.enrolment_opens_at == datetime.combine(
        today(), datetime.min.time(), tzinfo=UTC
    ) + timedelta(hours=4)
    online = browser.post("/admin/cohorts/new", form_data(make, code="ONLINE-9", region="", venue=""))
    assert online.status_code == 302
    assert db.scalar(select(Cohort.region_code).where(Cohort.code == "ONLINE-9")) is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": ""}, "This field is required."),
        ({"code": "bad code!"}, "Use capital letters, digits and dashes"),
        ({"starts_on": "31/12/2026"}, "Not a valid date value."),
        ({"ends_on": "earlier"}, "The cohort cannot end before it starts."),
        ({"enrolment_closes_at": "earlier"}, "Enrolment must close after it opens."),
        ({"seats": "-3"}, "Number must be between 0 and 1000."),
        ({"seats": "many"}, "Not a valid integer value."),
        ({"instructors": []}, "Choose at least one instructor."),
        ({"instructors": ["student"]}, "is not a valid choice for this field"),
        ({"enrolment_opens_at": "tomorrow"}, "Not a valid datetime value."),
        ({"region": "UZ-SA", "venue": ""}, "Give the venue of a cohort taught in a region."),
        ({"course": "999999"}, "Not a valid choice"),
        ({"language": "de"}, "Not a valid choice"),
    ],
)
def test_bad_cohort_forms_show_field_errors(
    browser: Browser, db: Session, make: Factory, fields: dict[str, Any], message: str
) -> None:
    browser.login(Role.ADMIN)
    data = form_data(make)
    if fields.get("ends_on") == "earlier":
        fields["ends_on"] = (today() + timedelta(days=10)).isoformat()
    if fields.get("enrolment_closes_at") == "earlier":
        fields["enrolment_closes_at"] = f"{today().isoformat()}T08:00"
    if fields.get("instructors") == ["student"]:
        fields["instructors"] = [make.user().id]
    data.update(fields)
    response = browser.post("/admin/cohorts/new", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and message in body, body[:3000]
    assert 'class="field has-error"' in body or "has-error" in body
    assert db.scalar(select(Cohort).where(Cohort.code == "KPO-QA-AN-2701-1")) is None


def test_a_taken_code_is_a_field_error(browser: Browser, make: Factory) -> None:
    make.cohort(code="TAKEN-1")
    browser.login(Role.ADMIN)
    body = browser.post("/admin/cohorts/new", form_data(make, code="taken-1")).get_data(as_text=True)
    assert "Another cohort already uses this code." in body


def edit_data(cohort: Cohort, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": cohort.version,
        "course": cohort.course_id,
        "code": cohort.code,
        "region": cohort.region_code or "",
        "venue": cohort.venue or "Centre",
        "language": cohort.language,
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "enrolment_opens_at": "2026-01-01T09:00",
        "enrolment_closes_at": "2026-01-10T09:00",
        "seats": cohort.seats,
        "instructors": [u.id for u in cohort.instructors],
    }
    data.update(fields)
    return data


def test_editing_adds_seats_through_the_waitlist(browser: Browser, db: Session, make: Factory) -> None:
    klass = running_cohort(db, make, students=2, seats=2)
    waiting = services.enrol(db, klass.cohort, make.user(), check_window=False)
    browser.login(Role.ADMIN)
    page = browser.get(f"/admin/cohorts/{klass.cohort.code}/edit").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{klass.cohort.version}"' in page
    response = browser.post(f"/admin/cohorts/{klass.cohort.code}/edit", edit_data(klass.cohort, seats=3))
    assert response.status_code == 302
    db.refresh(waiting)
    assert waiting.status is EnrolmentStatus.ENROLLED
    assert "1 student moved up from the waitlist." in browser.get("/admin/cohorts").get_data(as_text=True)
    db.refresh(klass.cohort)
    fewer = browser.post(f"/admin/cohorts/{klass.cohort.code}/edit", edit_data(klass.cohort, seats=1))
    assert fewer.status_code == 200
    assert "fewer seats than students already enrolled" in fewer.get_data(as_text=True)
    db.refresh(klass.cohort)
    assert klass.cohort.seats == 3


def test_a_stale_edit_is_a_409_and_changes_nothing(browser: Browser, db: Session, make: Factory) -> None:
    cohort = make.cohort(venue="Old venue")
    cohort.instructors.append(make.user(Role.INSTRUCTOR))
    db.flush()
    browser.login(Role.ADMIN)
    loaded = edit_data(cohort)
    assert (
        browser.post(f"/admin/cohorts/{cohort.code}/edit", edit_data(cohort, venue="First")).status_code
        == 302
    )
    stale = browser.post(f"/admin/cohorts/{cohort.code}/edit", {**loaded, "venue": "Second"})
    assert stale.status_code == 409 and "Someone else changed this" in stale.get_data(as_text=True)
    db.refresh(cohort)
    assert cohort.venue == "First"
    forged = browser.post(f"/admin/cohorts/{cohort.code}/edit", {**loaded, "version": "x", "venue": "Third"})
    assert forged.status_code == 409


def test_unknown_cohorts_are_404(browser: Browser) -> None:
    browser.login(Role.ADMIN)
    assert browser.get("/admin/cohorts/NOPE/edit").status_code == 404
    assert browser.get("/admin/cohorts/NOPE/enrolments").status_code == 404
    assert browser.post("/admin/enrolments/999999/withdraw").status_code == 404


def test_the_list_filters(browser: Browser, make: Factory) -> None:
    course = make.course(code="FILTER-1")
    make.cohort(course=course, code="ONLINE-NOW", region_code=None, starts_on=today() - timedelta(days=1))
    make.cohort(course=course, code="ANDIJAN-SOON", region_code="UZ-AN")
    make.cohort(code="OTHER-COURSE")
    browser.login(Role.ADMIN)
    body = browser.get(f"/admin/cohorts?course={course.id}").get_data(as_text=True)
    assert "ONLINE-NOW" in body and "ANDIJAN-SOON" in body and "OTHER-COURSE" not in body
    body = browser.get(f"/admin/cohorts?course={course.id}&place=online").get_data(as_text=True)
    assert "ONLINE-NOW" in body and "ANDIJAN-SOON" not in body
    body = browser.get(f"/admin/cohorts?course={course.id}&status=upcoming").get_data(as_text=True)
    assert "ANDIJAN-SOON" in body and "ONLINE-NOW" not in body
    assert browser.get("/admin/cohorts?course=x&status=wizard&place=<b>&page=-1").status_code == 200


def test_the_list_pages_with_a_constant_query_count(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            cohort = make.cohort(course=make.course())
            cohort.instructors.extend([make.user(Role.INSTRUCTOR), make.user(Role.INSTRUCTOR)])
        db.flush()

    browser.login(Role.ADMIN)
    add(2)
    browser.get("/admin/cohorts")
    count_queries.statements.clear()
    browser.get("/admin/cohorts")
    few = count_queries.count
    add(20)
    count_queries.statements.clear()
    body = browser.get("/admin/cohorts").get_data(as_text=True)
    assert count_queries.count == few, count_queries.statements
    assert "22 cohorts" in body and "Page 1 of 1" not in body  # 22 fit one page of 25


def test_the_enrolments_page_shows_statuses_positions_and_history(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    klass = running_cohort(db, make, students=2, seats=2)
    waiting = [services.enrol(db, klass.cohort, make.user(), check_window=False) for _ in range(2)]
    admin = browser.login(Role.ADMIN)
    url = f"/admin/cohorts/{klass.cohort.code}/enrolments"
    body = browser.get(url).get_data(as_text=True)
    assert body.count("position 1") == 1 and body.count("position 2") == 1
    assert waiting[0].student.email in body and "History" in body
    count_queries.statements.clear()
    browser.get(url)
    few = count_queries.count
    for _ in range(18):
        services.enrol(db, klass.cohort, make.user(), actor=admin, check_window=False)
    count_queries.statements.clear()
    body = browser.get(url).get_data(as_text=True)
    assert count_queries.count == few, count_queries.statements
    assert "position 20" in body
    body = browser.get(url + "?status=waitlisted").get_data(as_text=True)
    assert klass.students[0].email not in body and waiting[1].student.email in body


def test_draft_courses_are_marked_in_the_readers_language(browser: Browser, make: Factory) -> None:
    draft = make.course(status=CourseStatus.DRAFT, code="DRAFT-1")
    browser.login(make.user(Role.ADMIN, locale="ru"))
    body = browser.get("/admin/cohorts/new").get_data(as_text=True)
    assert f"DRAFT-1 · {draft.title_ru} (черновик)" in body
    assert "(draft)" not in body


def test_the_enrol_button_says_who_is_enrolled(browser: Browser, make: Factory) -> None:
    """The student's own "Enrol" is "Записаться" (sign me up); the admin enrols someone else."""
    cohort = make.cohort()
    browser.login(make.user(Role.ADMIN, locale="ru"))
    body = browser.get(f"/admin/cohorts/{cohort.code}/enrolments").get_data(as_text=True)
    assert re.search(r"<button [^>]*>Записать студента</button>", body)
    assert "Записаться" not in body


def test_enrol_by_email(browser: Browser, db: Session, make: Factory) -> None:
    cohort = make.cohort(seats=1, enrolment_opens_at=datetime(2020, 1, 1, tzinfo=UTC))  # window: irrelevant
    first, second = make.user(email="first@example.uz"), make.user(email="second@example.uz")
    admin = browser.login(Role.ADMIN)
    url = f"/admin/cohorts/{cohort.code}/enrolments"
    assert browser.post(url, {"email": " First@Example.uz "}).status_code == 302
    enrolment = db.scalar(select(Enrolment).where(Enrolment.student_id == first.id))
    assert enrolment is not None and enrolment.status is EnrolmentStatus.ENROLLED
    assert enrolment.events[0].actor_id == admin.id
    assert browser.post(url, {"email": "second@example.uz"}).status_code == 302
    assert "is on the waitlist" in browser.get(url).get_data(as_text=True)
    assert browser.post(url, {"email": "second@example.uz"}).status_code == 302
    assert "already has a place" in browser.get(url).get_data(as_text=True)
    assert db.scalar(select(Enrolment.status).where(Enrolment.student_id == second.id)) == "waitlisted"


@pytest.mark.parametrize(
    ("email", "status", "message"),
    [
        ("nobody@example.uz", 400, "No account uses this e-mail address."),
        ("not-an-email", 400, "Invalid email address."),
        ("instructor", 400, "Only student accounts can enrol in a cohort."),
    ],
)
def test_enrol_by_email_errors(
    browser: Browser, make: Factory, email: str, status: int, message: str
) -> None:
    cohort = make.cohort()
    if email == "instructor":
        email = make.user(Role.INSTRUCTOR).email
    browser.login(Role.ADMIN)
    response = browser.post(f"/admin/cohorts/{cohort.code}/enrolments", {"email": email})
    assert response.status_code == status and message in response.get_data(as_text=True)


def test_enrolling_in_a_draft_course_or_without_prerequisites_is_explained(
    browser: Browser, db: Session, make: Factory
) -> None:
    draft = make.cohort(course=make.course(status=CourseStatus.DRAFT))
    needs = make.course(code="NEEDS-1")
    needs.prerequisites.append(make.course(code="BASICS-1"))
    advanced = make.cohort(course=needs)
    student = make.user()
    browser.login(Role.ADMIN)
    response = browser.post(f"/admin/cohorts/{draft.code}/enrolments", {"email": student.email})
    assert response.status_code == 409 and "Enrolment in this cohort is not open." in response.get_data(
        as_text=True
    )
    response = browser.post(f"/admin/cohorts/{advanced.code}/enrolments", {"email": student.email})
    assert response.status_code == 409 and "BASICS-1" in response.get_data(as_text=True)
    assert db.scalar(select(Enrolment).where(Enrolment.student_id == student.id)) is None


def test_withdraw_and_outcomes(browser: Browser, db: Session, make: Factory) -> None:
    klass = running_cohort(db, make, students=3, seats=3)
    head = services.enrol(db, klass.cohort, make.user(), check_window=False)
    leaving, passing, failing = (
        db.scalar(select(Enrolment).where(Enrolment.student_id == s.id)) for s in klass.students
    )
    assert leaving and passing and failing
    admin = browser.login(Role.ADMIN)
    assert browser.post(f"/admin/enrolments/{leaving.id}/withdraw", {"note": "moved away"}).status_code == 302
    assert (
        browser.post(f"/admin/enrolments/{passing.id}/outcome", {"outcome": "completed"}).status_code == 302
    )
    assert browser.post(f"/admin/enrolments/{failing.id}/outcome", {"outcome": "failed"}).status_code == 302
    for enrolment in (leaving, passing, failing, head):
        db.refresh(enrolment)
    assert [e.status for e in (leaving, passing, failing, head)] == [
        EnrolmentStatus.WITHDRAWN,
        EnrolmentStatus.COMPLETED,
        EnrolmentStatus.FAILED,
        EnrolmentStatus.ENROLLED,  # promoted into the freed seat
    ]
    assert leaving.events[-1].note == "moved away" and leaving.events[-1].actor_id == admin.id
    # Domain errors come back as translated messages, never a 500.
    again = browser.post(
        f"/admin/enrolments/{passing.id}/outcome", {"outcome": "failed"}, follow_redirects=True
    )
    assert "Only an enrolled student can be given an outcome." in again.get_data(as_text=True)
    again = browser.post(f"/admin/enrolments/{passing.id}/withdraw", follow_redirects=True)
    assert "Only an enrolled or waitlisted place can be given up." in again.get_data(as_text=True)
    assert browser.post(f"/admin/enrolments/{head.id}/outcome", {"outcome": "withdrawn"}).status_code == 400
    assert (
        browser.post(f"/admin/enrolments/{head.id}/outcome", {"outcome": "completed"}, csrf=False).status_code
        == 400
    )
    body = browser.get(f"/admin/cohorts/{klass.cohort.code}/enrolments").get_data(as_text=True)
    assert re.search(r"Enrolled\s*→\s*Withdrawn", body) and "moved away" in body


def test_cohort_pages_are_for_admins_only(browser: Browser, make: Factory) -> None:
    cohort = make.cohort()
    browser.login(Role.INSTRUCTOR)
    assert browser.get("/admin/cohorts").status_code == 403
    assert browser.get(f"/admin/cohorts/{cohort.code}/enrolments").status_code == 403
