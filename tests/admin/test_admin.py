"""Administrators' account pages."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.mail import Mail
from tests.conftest import Browser, Factory, QueryCounter


def test_the_admin_menu_names_each_courses_link_for_what_it_opens(browser: Browser) -> None:
    """The catalogue and course authoring were both called "Courses" in the same menu."""
    browser.login(Role.ADMIN)
    body = browser.get("/dashboard").get_data(as_text=True)
    nav = body[body.index('<nav class="main-nav"') : body.index("</nav>")]
    links = dict((text, href) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav))
    assert links["Courses"] == "/"
    assert links["Manage courses"] == "/admin/courses"
    assert nav.count(">Courses</a>") == 1


def test_users_list_filters_and_searches(browser: Browser, make: Factory) -> None:
    make.user(first_name="Sardor", email="sardor@example.uz")
    make.user(Role.INSTRUCTOR, first_name="Kamola", email="kamola@example.uz")
    browser.login(Role.ADMIN)
    body = browser.get("/admin/users?role=instructor").get_data(as_text=True)
    assert "kamola@example.uz" in body and "sardor@example.uz" not in body
    body = browser.get("/admin/users?q=SARD").get_data(as_text=True)
    assert "sardor@example.uz" in body and "kamola@example.uz" not in body
    odd = browser.get("/admin/users?role=wizard&page=-3&q=" + "x" * 500)
    assert odd.status_code == 200


def test_users_list_pages(browser: Browser, make: Factory) -> None:
    for n in range(30):
        make.user(email=f"bulk{n:02d}@example.uz")
    browser.login(Role.ADMIN)
    first = browser.get("/admin/users?role=student").get_data(as_text=True)
    second = browser.get("/admin/users?role=student&page=2").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert len(re.findall(r"bulk\d\d@", first)) == 25 and len(re.findall(r"bulk\d\d@", second)) == 5


def test_users_list_query_count_does_not_grow(
    browser: Browser, make: Factory, count_queries: QueryCounter
) -> None:
    admin = browser.login(Role.ADMIN)
    make.employer()
    browser.get("/admin/users")
    count_queries.statements.clear()
    browser.get("/admin/users")
    few = count_queries.count
    for _ in range(20):
        make.employer()
        make.user()
    count_queries.statements.clear()
    browser.get("/admin/users")
    assert count_queries.count == few, count_queries.statements
    assert admin.active


def test_invite_staff_sends_a_set_password_link(browser: Browser, db: Session, mailbox: list[Mail]) -> None:
    browser.login(Role.ADMIN)
    response = browser.post(
        "/admin/users/new",
        {
            "role": "instructor",
            "first_name": "Olim",
            "last_name": "Sobirov",
            "email": "olim@example.uz",
            "region": "UZ-BU",
            "locale": "en",
        },
    )
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.email == "olim@example.uz"))
    assert user is not None and user.role is Role.INSTRUCTOR and user.region_code == "UZ-BU"
    assert mailbox[-1].to == "olim@example.uz" and "seven days" in mailbox[-1].body
    base_url = browser.client.application.config["BASE_URL"]  # links use the public address
    link = re.search(re.escape(base_url) + r"(/reset-password/\S+)", mailbox[-1].body)
    assert link is not None
    browser.logout()
    assert (
        browser.post(link.group(1), {"password": "olim-passphrase", "confirm": "olim-passphrase"}).status_code
        == 302
    )
    browser.login(user, password="olim-passphrase")


def test_invite_refuses_students_and_duplicates(browser: Browser, make: Factory, mailbox: list[Mail]) -> None:
    make.user(email="taken@example.uz")
    browser.login(Role.ADMIN)
    bad_role = browser.post(
        "/admin/users/new",
        {"role": "student", "first_name": "A", "last_name": "B", "email": "new@example.uz", "locale": "en"},
    )
    assert bad_role.status_code == 200 and "Not a valid choice" in bad_role.get_data(as_text=True)
    taken = browser.post(
        "/admin/users/new",
        {"role": "admin", "first_name": "A", "last_name": "B", "email": "TAKEN@example.uz", "locale": "en"},
    )
    assert "already exists" in taken.get_data(as_text=True)
    assert mailbox == []


def test_admin_cannot_deactivate_themselves(browser: Browser, db: Session) -> None:
    admin = browser.login(Role.ADMIN)
    response = browser.post(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 400 and "your own account" in response.get_data(as_text=True)
    db.expire_all()
    assert admin.active


def test_reactivation(browser: Browser, make: Factory, db: Session) -> None:
    user = make.user(active=False)
    browser.login(Role.ADMIN)
    assert (
        browser.post(f"/admin/users/{user.id}/activate", {"next": "/admin/users?role=student"}).headers[
            "Location"
        ]
        == "/admin/users?role=student"
    )
    db.expire_all()
    assert user.active
    assert browser.post("/admin/users/987654/activate").status_code == 404


def test_admin_dashboard_counts(browser: Browser, make: Factory) -> None:
    make.user(region_code="UZ-QR")
    make.employer()
    browser.login(Role.ADMIN)
    body = browser.get("/dashboard").get_data(as_text=True)
    assert "Students by region" in body and "Republic of Karakalpakstan" in body
