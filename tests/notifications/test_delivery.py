"""The sender: every kind of message, written once, in the recipient's language, with secrets made at
send time; what happens without a mail server, for deactivated accounts and broken messages."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask_babel import format_time
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth import services as auth_services
from academy.auth.models import PasswordResetToken, Role
from academy.cohorts import services as cohort_services
from academy.cohorts.models import CohortSession
from academy.i18n import format_day
from academy.mail import Mail
from academy.notifications.delivery import deliver_pending
from academy.notifications.models import EmailStatus, Notification, NotificationKind
from tests.conftest import Factory
from tests.notifications.conftest import enrolled, news

pytestmark = pytest.mark.usefixtures("app_ctx")


def link_in(body: str, app: Flask) -> str:
    found = re.search(re.escape(app.config["BASE_URL"]) + r"/reset-password/(\S+)", body)
    assert found is not None, body
    return found.group(1)


def test_enrolment_is_emailed_once_with_course_dates_and_place(
    app: Flask, db: Session, make: Factory, mailbox: list[Mail]
) -> None:
    student, cohort = enrolled(db, make)
    report = deliver_pending(db)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [mail] = mailbox
    assert mail.to == student.email
    assert mail.subject == f"You are enrolled: {cohort.course.title_en}"
    assert f"You are enrolled in {cohort.course.title_en}, cohort {cohort.code}." in mail.body
    assert (
        format_day(cohort.starts_on, "long") in mail.body and format_day(cohort.ends_on, "long") in mail.body
    )
    assert "Place: Academy centre, room 4, Samarkand Region" in mail.body
    assert f"{app.config['BASE_URL']}/cohorts/{cohort.code}" in mail.body
    notification = db.scalars(select(Notification)).one()
    assert notification.email_status is EmailStatus.SENT and notification.emailed_at is not None
    assert notification.email_attempts == 0 and notification.last_error == ""
    # Never twice: the next run finds nothing to do.
    assert deliver_pending(db).handled == 0 and len(mailbox) == 1


def test_waitlisted_gets_the_position_and_promoted_is_told(
    db: Session, make: Factory, mailbox: list[Mail]
) -> None:
    cohort = make.cohort(seats=1, region_code=None, venue="")
    seated, _ = enrolled(db, make, cohort)
    first_waiting, _ = enrolled(db, make, cohort)
    second_waiting, _ = enrolled(db, make, cohort)
    deliver_pending(db)
    by_recipient = {mail.to: mail for mail in mailbox}
    assert by_recipient[second_waiting.email].subject == f"You are on the waitlist: {cohort.course.title_en}"
    assert "Your place in the queue: 2." in by_recipient[second_waiting.email].body
    assert "Your place in the queue: 1." in by_recipient[first_waiting.email].body
    assert "Place: Online" in by_recipient[seated.email].body

    mailbox.clear()
    enrolment = cohort_services._find(db, cohort.id, seated.id)
    assert enrolment is not None
    cohort_services.withdraw(db, enrolment, actor=seated)
    deliver_pending(db)
    [mail] = mailbox
    assert mail.to == first_waiting.email and mail.subject == f"A seat is yours: {cohort.course.title_en}"
    assert "you have moved up from the waitlist and are now enrolled" in mail.body


def test_starting_tomorrow_gives_the_first_session_and_its_room_or_link(
    db: Session, make: Factory, mailbox: list[Mail]
) -> None:
    first = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)  # 09:00 in Tashkent
    in_room = make.cohort(venue="IT Park, block B")
    online = make.cohort(region_code=None, venue="")
    no_timetable = make.cohort()
    for cohort, room, link in ((in_room, "Room 12", ""), (online, "", "https://meet.example.uz/abc")):
        for day in (1, 0):  # the later one first: the earliest session is the first
            db.add(
                CohortSession(
                    cohort_id=cohort.id,
                    starts_at=first + timedelta(days=day),
                    ends_at=first + timedelta(days=day, hours=2),
                    room=room,
                    link=link,
                )
            )
    student = make.user()
    for cohort in (in_room, online, no_timetable):
        news(db, student, NotificationKind.STARTING_TOMORROW, cohort)
    deliver_pending(db)
    room_mail, online_mail, plain_mail = mailbox
    assert room_mail.subject == f"Starts tomorrow: {in_room.course.title_en}"
    assert f"First session: {format_day(first, 'full')}, {format_time(first, 'short')}" in room_mail.body
    assert "Room: Room 12" in room_mail.body and "Place: IT Park, block B, Samarkand Region" in room_mail.body
    assert "Join online: https://meet.example.uz/abc" in online_mail.body and "Room:" not in online_mail.body
    assert "First session" not in plain_mail.body and "Place: " in plain_mail.body


def test_invitation_link_is_made_when_sent_and_lasts_seven_days(
    app: Flask, db: Session, mailbox: list[Mail]
) -> None:
    user = auth_services.invite_user(
        db,
        role=Role.STUDENT,  # bulk imports invite students exactly so
        email="new@example.uz",
        first_name="Nodir",
        last_name="Aliev",
        region_code="UZ-SA",
        locale="en",
    )
    assert db.scalar(select(func.count()).select_from(PasswordResetToken)) == 0  # nothing usable at rest
    sent_at = datetime.now(UTC)
    deliver_pending(db, now=sent_at)
    [mail] = mailbox
    assert (
        mail.to == "new@example.uz" and mail.subject == "Your academy account" and "seven days" in mail.body
    )
    raw = link_in(mail.body, app)
    token = db.scalars(select(PasswordResetToken)).one()
    assert token.expires_at == sent_at + timedelta(days=7) and raw not in token.token_hash
    assert auth_services.check_reset_token(db, raw) is user
    assert db.scalars(select(Notification)).one().email_status is EmailStatus.SENT


def test_password_reset_link_is_valid_one_hour_from_sending(
    app: Flask, db: Session, make: Factory, mailbox: list[Mail]
) -> None:
    user = make.user()
    auth_services.request_password_reset(db, user.email)
    sent_at = datetime.now(UTC) + timedelta(minutes=30)  # the sender ran half an hour later
    deliver_pending(db, now=sent_at)
    [mail] = mailbox
    assert mail.subject == "Reset your academy password" and "within an hour" in mail.body
    raw = link_in(mail.body, app)
    assert auth_services.check_reset_token(db, raw, now=sent_at + timedelta(minutes=59)) is user
    with pytest.raises(auth_services.InvalidResetToken):
        auth_services.check_reset_token(db, raw, now=sent_at + timedelta(minutes=61))
    notification = db.scalars(select(Notification)).one()
    assert raw not in (notification.last_error, notification.dedupe_key)


def test_a_message_that_cannot_be_written_does_not_stop_the_others(
    db: Session, make: Factory, mailbox: list[Mail]
) -> None:
    student, _ = enrolled(db, make)
    broken = news(db, student, NotificationKind.PROMOTED)  # names no cohort: cannot be written
    fine, _ = enrolled(db, make)
    report = deliver_pending(db)
    assert (report.sent, report.retrying) == (2, 1)
    assert sorted(m.to for m in mailbox) == sorted([student.email, fine.email])
    assert broken.email_status is EmailStatus.PENDING and broken.email_attempts == 1
    assert "ValueError" in broken.last_error


def test_deactivated_accounts_are_not_emailed(db: Session, make: Factory, mailbox: list[Mail]) -> None:
    student, _ = enrolled(db, make)
    student.active = False
    report = deliver_pending(db)
    assert report.failed == 1 and mailbox == []
    notification = db.scalars(select(Notification)).one()
    assert notification.email_status is EmailStatus.FAILED and "deactivated" in notification.last_error


def test_limit_and_ids_bound_a_run_oldest_first(db: Session, make: Factory, mailbox: list[Mail]) -> None:
    students = [enrolled(db, make)[0] for _ in range(4)]
    ids = db.scalars(select(Notification.id).order_by(Notification.id)).all()
    assert deliver_pending(db, limit=2).sent == 2
    assert [m.to for m in mailbox] == [s.email for s in students[:2]]
    assert deliver_pending(db, ids=[ids[3]]).sent == 1
    assert mailbox[-1].to == students[3].email
    assert (
        db.scalar(select(Notification.email_status).where(Notification.id == ids[2])) is EmailStatus.PENDING
    )


@pytest.mark.usefixtures("no_mail_server")
def test_without_a_mail_server_news_stays_in_the_app_quietly(
    db: Session, make: Factory, mailbox: list[Mail], caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(3):
        enrolled(db, make)
    caplog.set_level(logging.DEBUG, logger="academy.mail")
    report = deliver_pending(db)
    assert (report.in_app_only, report.sent) == (3, 0) and mailbox == []
    assert [r for r in caplog.records if r.name == "academy.mail"] == []  # no line per notification
    statuses = db.execute(select(Notification.email_status, Notification.emailed_at)).all()
    assert statuses == [(EmailStatus.SENT, None)] * 3  # settled: configuring SMTP later sends no stale news
    assert deliver_pending(db).handled == 0


@pytest.mark.parametrize(("env_name", "link_logged"), [("testing", False), ("development", True)])
def test_without_a_mail_server_a_reset_link_is_logged_only_in_development(
    app: Flask,
    db: Session,
    make: Factory,
    no_mail_server: Flask,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    env_name: str,
    link_logged: bool,
) -> None:
    monkeypatch.setitem(app.config, "ENV_NAME", env_name)
    user = make.user()
    auth_services.request_password_reset(db, user.email)
    caplog.set_level(logging.INFO, logger="academy.mail")
    assert deliver_pending(db).in_app_only == 1
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "academy.mail")
    assert user.email in logged
    assert ("/reset-password/" in logged) is link_logged
