"""The catalogue, course and cohort pages through the test client: filters, bad input, access, queries."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts.models import CohortSession
from academy.cohorts.services import enrol
from academy.courses.models import CourseModule, CourseStatus, Lesson
from academy.db import utcnow
from academy.tracks import Track
from tests.catalogue.conftest import Catalogue, text_of
from tests.conftest import Browser, QueryCounter


def test_catalogue_is_public_and_lists_courses_with_cohorts(browser: Browser, catalogue: Catalogue) -> None:
    course = catalogue.course(title_en="Customer chat support", hours=60, skills=(("contact-centre-en", 4),))
    catalogue.cohort(course, region="UZ-SA", language="ru", seats=10, seats_taken=10, waitlist_length=3)
    catalogue.cohort(course, region=None, language="en", starts_in=30, seats=20, seats_taken=5)
    response = browser.get("/")
    assert response.status_code == 200
    page = text_of(response)
    assert "Customer chat support" in page and "60 hours" in page and "BPO" in page
    assert "Contact-centre service in English · Level B2" in page
    assert "Samarkand Region" in page and "Online" in page and "Русский" in page
    assert "Full" in page and "3 on the waitlist" in page and "15 seats left" in page


def test_catalogue_keeps_working_for_signed_in_users(browser: Browser, catalogue: Catalogue) -> None:
    catalogue.cohort(catalogue.course(title_en="Telesales"))
    for role in Role:
        browser.login(role)
        response = browser.get("/")
        assert response.status_code == 200 and "Telesales" in text_of(response), role
        browser.logout()


def test_titles_come_in_the_readers_language(browser: Browser, catalogue: Catalogue) -> None:
    catalogue.course(title_uz="Ish uchun Excel", title_ru="Excel для работы", title_en="Excel for work")
    assert "Excel для работы" in text_of(browser.get("/", headers={"Accept-Language": "ru"}))
    assert "Ish uchun Excel" in text_of(browser.get("/", headers={"Accept-Language": "uz"}))


def test_filters_are_a_plain_get_form(browser: Browser, catalogue: Catalogue) -> None:
    body = browser.get("/").get_data(as_text=True)
    form = re.search(r'<form method="get" action="/"[^>]*>(.*?)</form>', body, re.S)
    assert form is not None
    for name in ("q", "region", "track", "language", "skill", "month"):
        assert f'name="{name}"' in form.group(1), name
    assert "<script" not in body


def test_filtering_by_query_string(browser: Browser, catalogue: Catalogue) -> None:
    bpo = catalogue.course(
        code="BPO-ONE", title_en="Paperwork pro", track=Track.BPO, skills=(("back-office", 2),)
    )
    kpo = catalogue.course(
        code="KPO-ONE", title_en="Bug hunting", track=Track.KPO, skills=(("qa-manual", 2),)
    )
    catalogue.cohort(bpo, region="UZ-SA", language="uz")
    catalogue.cohort(kpo, region=None, language="en")
    cases = {
        "/?region=UZ-SA": "Paperwork pro",
        "/?region=online": "Bug hunting",
        "/?track=kpo": "Bug hunting",
        "/?language=uz": "Paperwork pro",
        "/?skill=qa-manual": "Bug hunting",
        "/?q=hunting": "Bug hunting",
        "/?q=BPO-ONE&track=bpo&region=UZ-SA": "Paperwork pro",
    }
    for url, expected in cases.items():
        page = text_of(browser.get(url))
        other = "Paperwork pro" if expected == "Bug hunting" else "Bug hunting"
        assert expected in page and other not in page, url
        assert "1 course" in page, url


def test_month_filter_and_its_choices(browser: Browser, catalogue: Catalogue) -> None:
    course = catalogue.course(title_en="Monthly")
    cohort = catalogue.cohort(course, starts_in=40)
    month = f"{cohort.starts_on:%Y-%m}"
    body = browser.get(f"/?month={month}").get_data(as_text=True)
    assert f'<option selected value="{month}">' in body and "Monthly" in body
    # A well-formed month outside the list is kept as a choice, and simply finds nothing.
    body = browser.get("/?month=2031-02").get_data(as_text=True)
    assert '<option selected value="2031-02">' in body and "Monthly" not in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("region=UZ-XX", "Choose a region from the list."),
        ("region=%3Cscript%3E", "Choose a region from the list."),
        ("track=ito", "Choose an option from the list."),
        ("language=de", "Choose an option from the list."),
        ("skill=juggling", "Choose an option from the list."),
        ("month=2026-13", "Choose a month from the list."),
        ("month=next", "Choose a month from the list."),
        ("month=1999-01", "Choose a month from the list."),
    ],
)
def test_bad_filter_values_are_field_errors_and_ignored(
    browser: Browser, catalogue: Catalogue, query: str, message: str
) -> None:
    catalogue.cohort(catalogue.course(title_en="Still listed"))
    response = browser.get(f"/?{query}")
    assert response.status_code == 200
    page = text_of(response)
    assert message in page and "Still listed" in page
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query", ["page=abc", "page=-3", "page=99999999999999999999", "page=", "q=" + "x" * 5000]
)
def test_odd_page_numbers_and_long_searches_never_fail(
    browser: Browser, catalogue: Catalogue, query: str
) -> None:
    catalogue.cohort(catalogue.course())
    assert browser.get(f"/?{query}").status_code == 200


def test_pager_links_keep_the_filters(browser: Browser, catalogue: Catalogue) -> None:
    for n in range(12):
        catalogue.cohort(catalogue.course(code=f"PG{n:02d}", title_en=f"Paged {n:02d}"), region="UZ-SA")
    body = browser.get("/?region=UZ-SA&track=bpo&q=paged&region_bad=1").get_data(as_text=True)
    next_link = re.search(r'<a rel="next" href="([^"]+)"', body)
    assert next_link is not None
    href = unescape(next_link.group(1))
    assert "page=2" in href and "region=UZ-SA" in href and "track=bpo" in href and "q=paged" in href
    second = text_of(browser.get(href))
    assert "Paged 10" in second and "Paged 00" not in second and "Page 2 of 2" in second
    # A filter with an error is not carried into the pager's links.
    body = browser.get("/?region=nowhere&q=paged").get_data(as_text=True)
    next_link = re.search(r'<a rel="next" href="([^"]+)"', body)
    assert next_link is not None and "nowhere" not in next_link.group(1)


def test_catalogue_query_count_does_not_grow(
    browser: Browser, catalogue: Catalogue, count_queries: QueryCounter
) -> None:
    def measure() -> int:
        count_queries.statements.clear()
        assert browser.get("/?region=UZ-SA").status_code == 200
        return count_queries.count

    def add(courses: int) -> None:
        for _ in range(courses):
            course = catalogue.course(skills=(("excel", 1), ("back-office", 2)))
            for starts_in in (5, 10, 15, 20, 25, 30):
                catalogue.cohort(course, starts_in=starts_in)

    add(2)
    few = measure()
    add(18)
    assert measure() == few


def test_course_page_shows_outline_skills_and_cohorts(browser: Browser, catalogue: Catalogue) -> None:
    basics = catalogue.course(title_en="Excel basics")
    course = catalogue.course(
        title_en="Bookkeeping", pass_mark=70, hours=144, skills=(("bookkeeping-1c", 2),)
    )
    course.prerequisites.append(basics)
    module = CourseModule(position=1, title="Getting started with 1C")
    course.modules.append(module)
    module.lessons.append(
        Lesson(
            position=1, title="The chart of accounts", body_markdown="SECRET BODY", body_html="SECRET BODY"
        )
    )
    cohort = catalogue.cohort(course, region="UZ-TK")
    catalogue.cohort(course, starts_in=-200, lasts=10)
    page = text_of(browser.get(f"/courses/{course.code}"))
    assert "Bookkeeping" in page and "144" in page and "70%" in page
    assert "Level 2" in page and "Excel basics" in page
    assert "Getting started with 1C" in page and "The chart of accounts" in page
    assert "SECRET BODY" not in page
    assert page.count("Tashkent City") == 1 and cohort.starts_on.strftime("%Y") in page
    assert "Samarkand Region" not in page  # the cohort that is over


def test_course_page_404s(browser: Browser, catalogue: Catalogue) -> None:
    draft = catalogue.course(status=CourseStatus.DRAFT, title_en="Half written")
    assert browser.get("/courses/NO-SUCH").status_code == 404
    assert browser.get(f"/courses/{draft.code}").status_code == 404
    for role in (Role.STUDENT, Role.INSTRUCTOR, Role.EMPLOYER):
        browser.login(role)
        assert browser.get(f"/courses/{draft.code}").status_code == 404, role
        browser.logout()
    browser.login(Role.ADMIN)
    response = browser.get(f"/courses/{draft.code}")
    assert response.status_code == 200 and "Draft" in text_of(response)


def test_cohort_page_shows_the_cohort(browser: Browser, catalogue: Catalogue) -> None:
    teacher = catalogue.make.user(Role.INSTRUCTOR, first_name="Rustam", last_name="Qosimov")
    cohort = catalogue.cohort(
        catalogue.course(title_en="Telesales"), region="UZ-SA", venue="Registon street 5", seats=12
    )
    cohort.instructors.append(teacher)
    start = utcnow().replace(hour=5, minute=0, second=0, microsecond=0)
    cohort.sessions.append(
        CohortSession(starts_at=start, ends_at=start.replace(hour=8), topic="Cold calls", room="Room 7")
    )
    catalogue.session.flush()
    page = text_of(browser.get(f"/cohorts/{cohort.code}"))
    for expected in (
        "Telesales",
        "Samarkand Region",
        "Registon street 5",
        "Oʻzbekcha",
        "Rustam Qosimov",
        "Cold calls",
        "Room: Room 7",
        "10:00–13:00",
        "12 seats left",
        "12 of 12 free",
    ):
        assert expected in page, expected


def test_cohort_page_404s(browser: Browser, catalogue: Catalogue) -> None:
    hidden = catalogue.cohort(catalogue.course(status=CourseStatus.DRAFT))
    assert browser.get("/cohorts/NOPE").status_code == 404
    assert browser.get(f"/cohorts/{hidden.code}").status_code == 404
    browser.login(Role.ADMIN)
    assert browser.get(f"/cohorts/{hidden.code}").status_code == 200


def test_online_link_only_for_enrolled_students_instructors_and_admins(
    browser: Browser, catalogue: Catalogue, db: Session
) -> None:
    teacher = catalogue.make.user(Role.INSTRUCTOR)
    cohort = catalogue.cohort(catalogue.course(), region=None, seats=1)
    cohort.instructors.append(teacher)
    start = utcnow()
    cohort.sessions.append(
        CohortSession(starts_at=start, ends_at=start + timedelta(hours=2), link="https://meet.example.uz/x1")
    )
    seated, waiting = catalogue.make.user(), catalogue.make.user()
    enrol(db, cohort, seated)
    enrol(db, cohort, waiting)
    url = f"/cohorts/{cohort.code}"
    assert "meet.example.uz" not in browser.get(url).get_data(as_text=True)
    for who, sees in (
        (seated, True),
        (teacher, True),
        (catalogue.make.user(Role.ADMIN), True),
        (waiting, False),
        (catalogue.make.user(Role.INSTRUCTOR), False),
        (catalogue.make.user(), False),
    ):
        browser.login(who)
        body = browser.get(url).get_data(as_text=True)
        assert ("https://meet.example.uz/x1" in body) is sees, who.email
        assert sees or "enrolled students see the link here" in body
        browser.logout()


def test_cohort_page_query_count_does_not_grow(
    browser: Browser, catalogue: Catalogue, db: Session, count_queries: QueryCounter
) -> None:
    cohort = catalogue.cohort(catalogue.course(), seats=1)
    student = catalogue.make.user()
    enrol(db, cohort, catalogue.make.user())
    enrol(db, cohort, student)  # waitlisted: the page shows the position
    for _ in range(20):
        enrol(db, cohort, catalogue.make.user())  # behind the student
    browser.login(student)

    def grow(n: int) -> None:
        for _ in range(n):
            cohort.instructors.append(catalogue.make.user(Role.INSTRUCTOR))
            cohort.course.prerequisites.append(catalogue.course())
            start = utcnow()
            cohort.sessions.append(CohortSession(starts_at=start, ends_at=start + timedelta(hours=2)))
        db.flush()

    def measure() -> int:
        count_queries.statements.clear()
        response = browser.get(f"/cohorts/{cohort.code}")
        assert response.status_code == 200 and "number 1 on the waitlist" in text_of(response)
        return count_queries.count

    grow(2)
    few = measure()
    grow(18)
    assert measure() == few
