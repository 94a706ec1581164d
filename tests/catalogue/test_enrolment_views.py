"""Enrol and withdraw through the cohort page: every outcome is a message and a redirect, never a 500."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.cohorts.services import enrol
from academy.courses.models import CourseStatus
from academy.db import utcnow
from academy.notifications.models import Notification, NotificationKind
from tests.catalogue.conftest import Catalogue, text_of
from tests.conftest import Browser


def status_of(db: Session, cohort: Cohort, student: User) -> EnrolmentStatus | None:
    db.expire_all()
    return db.scalar(
        select(Enrolment.status).where(Enrolment.cohort_id == cohort.id, Enrolment.student_id == student.id)
    )


def press(browser: Browser, url: str) -> str:
    """POST ``url``, check it redirects to the cohort page, and return that page's text."""
    response = browser.post(url)
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert re.fullmatch(r"/cohorts/[^/]+", location), location
    return text_of(browser.get(location))


def test_student_enrols(browser: Browser, catalogue: Catalogue, db: Session) -> None:
    cohort = catalogue.cohort(catalogue.course(), seats=5)
    student = browser.login()
    page = text_of(browser.get(f"/cohorts/{cohort.code}"))
    assert "Enrol" in page and "Join the waitlist" not in page
    page = press(browser, f"/cohorts/{cohort.code}/enrol")
    assert "You are enrolled. The timetable is below." in page
    assert "You are enrolled in this cohort." in page and "Withdraw" in page
    assert status_of(db, cohort, student) is EnrolmentStatus.ENROLLED
    db.refresh(cohort)
    assert cohort.seats_taken == 1
    kinds = db.scalars(select(Notification.kind).where(Notification.user_id == student.id)).all()
    assert kinds == [NotificationKind.ENROLLED]


def test_full_cohort_puts_the_student_on_the_waitlist_with_a_position(
    browser: Browser, catalogue: Catalogue, db: Session
) -> None:
    cohort = catalogue.cohort(catalogue.course(), seats=1)
    enrol(db, cohort, catalogue.make.user())
    enrol(db, cohort, catalogue.make.user())
    student = browser.login()
    page = text_of(browser.get(f"/cohorts/{cohort.code}"))
    assert "Join the waitlist" in page and "1 on the waitlist" in page
    page = press(browser, f"/cohorts/{cohort.code}/enrol")
    assert "The cohort is full, so you are on its waitlist: number 2." in page
    assert "You are number 2 on the waitlist." in page and "Leave the waitlist" in page
    assert status_of(db, cohort, student) is EnrolmentStatus.WAITLISTED


def test_missing_prerequisites_are_named(browser: Browser, catalogue: Catalogue, db: Session) -> None:
    excel = catalogue.course(code="BPO-XL", title_en="Excel for work")
    course = catalogue.course()
    course.prerequisites.append(excel)
    cohort = catalogue.cohort(course)
    student = browser.login()
    page = press(browser, f"/cohorts/{cohort.code}/enrol")
    assert "Complete these courses first: Excel for work (BPO-XL)" in page
    assert status_of(db, cohort, student) is None


@pytest.mark.parametrize("when", ["closed", "not yet open"])
def test_enrolment_outside_the_window_is_refused(
    browser: Browser, catalogue: Catalogue, db: Session, when: str
) -> None:
    now = utcnow()
    window = (
        {"enrolment_opens_at": now - timedelta(days=30), "enrolment_closes_at": now - timedelta(days=1)}
        if when == "closed"
        else {"enrolment_opens_at": now + timedelta(days=2), "enrolment_closes_at": now + timedelta(days=9)}
    )
    cohort = catalogue.cohort(catalogue.course(), **window)
    student = browser.login()
    page = text_of(browser.get(f"/cohorts/{cohort.code}"))
    assert ("Enrolment closed on" if when == "closed" else "Enrolment opens on") in page
    assert f'action="/cohorts/{cohort.code}/enrol"' not in browser.get(f"/cohorts/{cohort.code}").get_data(
        as_text=True
    )
    page = press(browser, f"/cohorts/{cohort.code}/enrol")  # a stale page's button
    assert "Enrolment in this cohort is not open." in page
    assert status_of(db, cohort, student) is None


def test_double_post_enrols_once(browser: Browser, catalogue: Catalogue, db: Session) -> None:
    cohort = catalogue.cohort(catalogue.course(), seats=3)
    student = browser.login()
    press(browser, f"/cohorts/{cohort.code}/enrol")
    page = press(browser, f"/cohorts/{cohort.code}/enrol")
    assert "You already have a place in this cohort." in page
    count = db.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.student_id == student.id))
    db.refresh(cohort)
    assert count == 1 and cohort.seats_taken == 1
    notifications = db.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == student.id)
    )
    assert notifications == 1


def test_withdraw_asks_for_confirmation_then_frees_the_seat(
    browser: Browser, catalogue: Catalogue, db: Session
) -> None:
    cohort = catalogue.cohort(catalogue.course(), seats=1)
    student = browser.login()
    enrol(db, cohort, student)
    head = catalogue.make.user()
    enrol(db, cohort, head)
    confirm = browser.get(f"/cohorts/{cohort.code}/withdraw")
    assert confirm.status_code == 200
    assert "Give up your seat?" in text_of(confirm) and "next person on the waitlist" in text_of(confirm)
    assert status_of(db, cohort, student) is EnrolmentStatus.ENROLLED  # asking changes nothing
    page = press(browser, f"/cohorts/{cohort.code}/withdraw")
    assert "You have given up your seat in this cohort." in page and "You withdrew from this cohort." in page
    assert status_of(db, cohort, student) is EnrolmentStatus.WITHDRAWN
    assert status_of(db, cohort, head) is EnrolmentStatus.ENROLLED  # promoted from the waitlist
    # Withdrawing again is a message, not an error.
    page = press(browser, f"/cohorts/{cohort.code}/withdraw")
    assert "Only an enrolled or waitlisted place can be given up." in page
    assert browser.get(f"/cohorts/{cohort.code}/withdraw").status_code == 302


def test_leaving_the_waitlist(browser: Browser, catalogue: Catalogue, db: Session) -> None:
    cohort = catalogue.cohort(catalogue.course(), seats=1)
    enrol(db, cohort, catalogue.make.user())
    student = browser.login()
    enrol(db, cohort, student)
    confirm = text_of(browser.get(f"/cohorts/{cohort.code}/withdraw"))
    assert "Leave the waitlist?" in confirm and "You are number 1 on the waitlist" in confirm
    page = press(browser, f"/cohorts/{cohort.code}/withdraw")
    assert "You have left the waitlist." in page
    assert status_of(db, cohort, student) is EnrolmentStatus.WITHDRAWN


def test_another_students_place_cannot_be_touched(
    browser: Browser, catalogue: Catalogue, db: Session
) -> None:
    cohort = catalogue.cohort(catalogue.course(), seats=2)
    owner = catalogue.make.user()
    enrol(db, cohort, owner)
    browser.login()  # a different student, who has no place here
    page = press(browser, f"/cohorts/{cohort.code}/withdraw")
    assert "Only an enrolled or waitlisted place can be given up." in page
    assert status_of(db, cohort, owner) is EnrolmentStatus.ENROLLED
    db.refresh(cohort)
    assert cohort.seats_taken == 1


def test_anonymous_enrol_goes_to_login_and_back_to_the_cohort(browser: Browser, catalogue: Catalogue) -> None:
    cohort = catalogue.cohort(catalogue.course())
    body = browser.get(f"/cohorts/{cohort.code}").get_data(as_text=True)
    link = re.search(r'<a class="button" href="(/login\?[^"]+)">Enrol</a>', body)
    assert link is not None
    login = urlsplit(unescape(link.group(1)))
    assert parse_qs(login.query)["next"] == [f"/cohorts/{cohort.code}"]
    # A POST from a page left open after signing out also ends at the login, then at the cohort.
    response = browser.post(f"/cohorts/{cohort.code}/enrol")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    next_url = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    student = browser.make.user()
    signed_in = browser.post(
        f"/login?next={next_url}", {"email": student.email, "password": "correct-horse-42"}
    )
    assert signed_in.status_code == 302
    landing = browser.get(signed_in.headers["Location"])
    assert landing.status_code == 302 and landing.headers["Location"] == f"/cohorts/{cohort.code}"


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.EMPLOYER, Role.ADMIN])
def test_only_students_have_the_buttons(browser: Browser, catalogue: Catalogue, role: Role) -> None:
    cohort = catalogue.cohort(catalogue.course())
    browser.login(role)
    body = browser.get(f"/cohorts/{cohort.code}").get_data(as_text=True)
    assert "/enrol" not in body and "Only student accounts can enrol in a cohort." in body
    assert browser.post(f"/cohorts/{cohort.code}/enrol").status_code == 403
    assert browser.post(f"/cohorts/{cohort.code}/withdraw").status_code == 403


def test_enrol_in_a_hidden_or_missing_cohort_is_404(
    browser: Browser, catalogue: Catalogue, db: Session
) -> None:
    draft = catalogue.cohort(catalogue.course(status=CourseStatus.DRAFT))
    student = browser.login()
    assert browser.post(f"/cohorts/{draft.code}/enrol").status_code == 404
    assert browser.post("/cohorts/NO-SUCH/enrol").status_code == 404
    assert browser.get("/cohorts/NO-SUCH/withdraw").status_code == 404
    assert status_of(db, draft, student) is None


def test_enrol_without_csrf_token_is_refused(browser: Browser, catalogue: Catalogue, db: Session) -> None:
    cohort = catalogue.cohort(catalogue.course())
    student = browser.login()
    assert browser.post(f"/cohorts/{cohort.code}/enrol", csrf=False).status_code == 400
    assert browser.post(f"/cohorts/{cohort.code}/withdraw", csrf=False).status_code == 400
    assert status_of(db, cohort, student) is None


def test_completed_student_sees_the_outcome_and_no_button(
    browser: Browser, catalogue: Catalogue, db: Session
) -> None:
    cohort = catalogue.cohort(catalogue.course())
    student = browser.login()
    enrolment = enrol(db, cohort, student)
    enrolment.status = EnrolmentStatus.COMPLETED
    db.flush()
    body = browser.get(f"/cohorts/{cohort.code}").get_data(as_text=True)
    assert "You completed this cohort." in body and "/enrol" not in body and "/withdraw" not in body
    page = press(browser, f"/cohorts/{cohort.code}/enrol")
    assert "You already have a place in this cohort." in page
