"""The notification list, marking read, the unread badge: one's own only, in one's own language."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.db import utcnow
from academy.notifications.models import NotificationKind
from tests.conftest import Browser, Factory, QueryCounter
from tests.notifications.conftest import news

UNREAD = 'class="notification unread"'


def badge(body: str) -> str | None:
    found = re.search(r'<span class="badge count">([^<]+)<', body)
    return found.group(1) if found else None


def test_the_list_shows_my_own_news_newest_first_with_unread_marked(
    browser: Browser, db: Session, make: Factory
) -> None:
    student = browser.login()
    older_cohort, newer_cohort = make.cohort(), make.cohort()
    older = news(db, student, NotificationKind.ENROLLED, older_cohort)
    older.created_at = utcnow() - timedelta(hours=2)
    older.read_at = utcnow() - timedelta(hours=1)
    news(db, student, NotificationKind.WAITLISTED, newer_cohort)
    reset = news(db, student, NotificationKind.PASSWORD_RESET)  # e-mail only
    someone_else = news(db, make.user(), NotificationKind.PROMOTED, make.cohort())
    db.flush()

    response = browser.get("/notifications")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    course = newer_cohort.course.title_en
    waitlisted = f"The cohort {newer_cohort.code} of {course} is full, so you are on its waitlist."
    enrolled = f"You are enrolled in {older_cohort.course.title_en}, cohort {older_cohort.code}."
    assert waitlisted in body and enrolled in body
    assert body.index(waitlisted) < body.index(enrolled)  # newest first
    assert body.count(UNREAD) == 1 and body.count('class="notification"') == 1
    assert f'href="/cohorts/{newer_cohort.code}"' in body and f'href="/cohorts/{older_cohort.code}"' in body
    assert f"/notifications/{reset.id}/read" not in body
    assert f"/notifications/{someone_else.id}/read" not in body
    assert someone_else.cohort is not None and someone_else.cohort.code not in body
    assert badge(body) == "1"


def test_sentences_are_in_the_readers_language(browser: Browser, db: Session, make: Factory) -> None:
    student = browser.login(browser.make.user(locale="ru"))
    cohort = make.cohort()
    news(db, student, NotificationKind.STARTING_TOMORROW, cohort)
    body = browser.get("/notifications").get_data(as_text=True)
    assert '<html lang="ru">' in body
    assert cohort.course.title_ru in body and cohort.course.title_en not in body


def test_empty_list_and_no_badge(browser: Browser) -> None:
    browser.login(Role.INSTRUCTOR)
    body = browser.get("/notifications").get_data(as_text=True)
    assert "No notifications yet." in body and badge(body) is None
    assert "Mark all as read" not in body


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.EMPLOYER, Role.ADMIN])
def test_only_a_student_is_told_to_enrol_for_news(browser: Browser, make: Factory, role: Role) -> None:
    user = make.employer(locale="ru") if role is Role.EMPLOYER else make.user(role, locale="ru")
    browser.login(user)
    body = browser.get("/notifications").get_data(as_text=True)
    assert "Уведомлений пока нет." in body
    assert "запишетесь" not in body


def test_an_empty_list_tells_a_student_how_news_comes(browser: Browser, make: Factory) -> None:
    browser.login(make.user(locale="uz"))
    body = browser.get("/notifications").get_data(as_text=True)
    assert "Guruhga yozilganingizda" in body


def test_the_list_is_paginated(browser: Browser, db: Session, make: Factory) -> None:
    student = browser.login()
    cohort = make.cohort()
    for _ in range(25):
        news(db, student, NotificationKind.ENROLLED, cohort)
    first = browser.get("/notifications").get_data(as_text=True)
    second = browser.get("/notifications?page=2").get_data(as_text=True)
    beyond = browser.get("/notifications?page=99").get_data(as_text=True)
    assert first.count(UNREAD) == 20 and second.count(UNREAD) == 5 and beyond.count(UNREAD) == 5
    assert 'rel="next"' in first and "Page 2 of 2" in second
    assert badge(first) == "25"


def test_mark_one_read_and_come_back_to_the_same_page(browser: Browser, db: Session, make: Factory) -> None:
    student = browser.login()
    cohort = make.cohort()
    first, second = (news(db, student, NotificationKind.ENROLLED, cohort) for _ in range(2))
    response = browser.post(f"/notifications/{first.id}/read", {"next": "/notifications?page=1"})
    assert response.status_code == 302 and response.headers["Location"] == "/notifications?page=1"
    db.expire_all()
    assert first.read_at is not None and second.read_at is None
    body = browser.get("/notifications").get_data(as_text=True)
    assert body.count(UNREAD) == 1 and badge(body) == "1"
    # Twice is harmless; a foreign "next" is not followed.
    again = browser.post(f"/notifications/{first.id}/read", {"next": "https://evil.example/"})
    assert again.status_code == 302 and again.headers["Location"] == "/notifications"


def test_nobody_marks_another_users_notification(browser: Browser, db: Session, make: Factory) -> None:
    owner = make.user()
    theirs = news(db, owner, NotificationKind.ENROLLED, make.cohort())
    mine_but_email_only = news(db, browser.login(), NotificationKind.INVITATION)
    for notification_id in (theirs.id, mine_but_email_only.id, 999_999):
        response = browser.post(f"/notifications/{notification_id}/read")
        assert response.status_code == 404, notification_id
    assert browser.post("/notifications/read-all-of-them").status_code == 404
    db.expire_all()
    assert theirs.read_at is None


def test_marking_needs_the_form_token(browser: Browser, db: Session, make: Factory) -> None:
    student = browser.login()
    notification = news(db, student, NotificationKind.ENROLLED, make.cohort())
    assert browser.post(f"/notifications/{notification.id}/read", csrf=False).status_code == 400
    assert browser.post("/notifications/read", csrf=False).status_code == 400
    assert browser.get(f"/notifications/{notification.id}/read").status_code == 405
    db.expire_all()
    assert notification.read_at is None


def test_mark_all_read_touches_only_mine(browser: Browser, db: Session, make: Factory) -> None:
    student = browser.login()
    cohort = make.cohort()
    mine = [news(db, student, NotificationKind.ENROLLED, cohort) for _ in range(3)]
    mine[0].read_at = utcnow()
    theirs = news(db, make.user(), NotificationKind.ENROLLED, cohort)
    response = browser.post("/notifications/read", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "2 notifications marked as read." in body and UNREAD not in body and badge(body) is None
    db.expire_all()
    assert all(n.read_at is not None for n in mine) and theirs.read_at is None


def test_signed_out_visitors_are_sent_to_sign_in(browser: Browser) -> None:
    response = browser.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert badge(browser.get("/login").get_data(as_text=True)) is None


def fill(db: Session, make: Factory, user: User, how_many: int) -> None:
    kinds = [NotificationKind.ENROLLED, NotificationKind.WAITLISTED, NotificationKind.STARTING_TOMORROW]
    for n in range(how_many):
        news(db, user, kinds[n % 3], make.cohort())  # each with its own cohort and course
    db.flush()


def test_the_list_costs_the_same_queries_for_2_and_20_notifications(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    few, many = make.user(), make.user()
    fill(db, make, few, 2)
    fill(db, make, many, 20)
    counts = []
    for user in (few, many):
        browser.login(user)
        browser.get("/notifications")  # warm up
        count_queries.statements.clear()
        assert browser.get("/notifications").status_code == 200
        counts.append(count_queries.count)
        browser.logout()
    assert counts[0] == counts[1], count_queries.statements


def test_the_badge_is_one_count_whatever_the_news(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    student = browser.login()
    browser.get("/dashboard")
    count_queries.statements.clear()
    browser.get("/dashboard")
    without = count_queries.count
    fill(db, make, student, 12)
    count_queries.statements.clear()
    body = browser.get("/dashboard").get_data(as_text=True)
    assert count_queries.count == without and badge(body) == "12"
    assert sum("notifications" in s for s in count_queries.statements) == 1
