"""Account rules, tested without HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth import passwords, services
from academy.auth.models import PasswordResetToken, Role, User
from academy.db import utcnow
from academy.notifications.models import EmailStatus, Notification, NotificationKind
from tests.conftest import PASSWORD, Factory

pytestmark = pytest.mark.usefixtures("app_ctx")
TTL = timedelta(hours=1)


def register(db: Session, **overrides: str) -> User:
    fields = {
        "email": "Aziza.Karimova@Example.UZ",
        "password": "a-long-passphrase",
        "first_name": " Aziza ",
        "last_name": "Karimova",
        "region_code": "UZ-FA",
        "locale": "ru",
    }
    fields.update(overrides)
    return services.register_student(db, **fields)


def test_register_student_normalises_and_hashes(db: Session) -> None:
    user = register(db)
    assert user.email == "aziza.karimova@example.uz"
    assert user.first_name == "Aziza"
    assert user.role is Role.STUDENT and user.region_code == "UZ-FA" and user.locale == "ru"
    assert user.password_hash.startswith("$argon2id$")
    assert passwords.verify_password(user.password_hash, "a-long-passphrase")


def test_email_is_unique_whatever_its_case(db: Session) -> None:
    register(db)
    with pytest.raises(services.EmailTaken):
        register(db, email="AZIZA.karimova@example.uz")
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_unknown_region_is_refused(db: Session) -> None:
    with pytest.raises(services.UnknownRegion):
        register(db, region_code="UZ-XX")
    assert db.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize(
    ("password", "email", "problem"),
    [
        ("short", None, "at least 10"),
        ("1234567890", None, "too easy"),
        ("aaaaaaaaaaaa", None, "too easy"),
        ("me@example.uz", "me@example.uz", "e-mail"),
        ("a-long-passphrase", "me@example.uz", None),
    ],
)
def test_password_rule(password: str, email: str | None, problem: str | None) -> None:
    found = services.password_problem(password, email)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_weak_password_is_refused_by_the_service(db: Session) -> None:
    with pytest.raises(services.WeakPassword):
        register(db, password="short")


def test_authenticate_fails_alike_for_unknown_email_and_wrong_password(db: Session, make: Factory) -> None:
    user = make.user()
    with pytest.raises(services.InvalidCredentials) as unknown:
        services.authenticate(db, "nobody@example.uz", PASSWORD)
    with pytest.raises(services.InvalidCredentials) as wrong:
        services.authenticate(db, user.email, "not-the-password")
    assert str(unknown.value.message) == str(wrong.value.message)


def test_authenticate_records_the_login(db: Session, make: Factory) -> None:
    user = make.user()
    assert services.authenticate(db, user.email.upper(), PASSWORD) is user
    assert user.last_login_at is not None


def test_deactivated_account_cannot_sign_in(db: Session, make: Factory) -> None:
    user = make.user(active=False)
    with pytest.raises(services.AccountInactive):
        services.authenticate(db, user.email, PASSWORD)


def test_outdated_hash_is_upgraded_on_login(db: Session, make: Factory) -> None:
    from argon2 import PasswordHasher

    old = PasswordHasher(time_cost=1, memory_cost=16, parallelism=2).hash(PASSWORD)
    user = make.user(password_hash=old)
    services.authenticate(db, user.email, PASSWORD)
    assert user.password_hash != old
    assert passwords.verify_password(user.password_hash, PASSWORD)


def test_change_password_checks_the_current_one_and_ends_sessions(db: Session, make: Factory) -> None:
    user = make.user()
    token = user.session_token
    with pytest.raises(services.WrongPassword):
        services.change_password(db, user, "wrong-password", "another-passphrase")
    assert user.session_token == token
    services.change_password(db, user, PASSWORD, "another-passphrase")
    assert user.session_token != token
    assert passwords.verify_password(user.password_hash, "another-passphrase")


def reset_link_secret(db: Session, email: str) -> str:
    """Ask for a reset as the view does, then make the link's secret as the sender does."""
    user = services.request_password_reset(db, email)
    assert user is not None
    return services.issue_password_token(db, user, TTL)


def test_reset_request_queues_an_email_and_stores_no_secret(db: Session, make: Factory) -> None:
    user = make.user()
    assert services.request_password_reset(db, user.email.upper()) is user
    queued = db.scalars(select(Notification).where(Notification.user_id == user.id)).all()
    assert [n.kind for n in queued] == [NotificationKind.PASSWORD_RESET]
    assert queued[0].email_status is EmailStatus.PENDING
    # The link's secret is made when the e-mail is sent, not when it is asked for.
    assert db.scalar(select(func.count()).select_from(PasswordResetToken)) == 0


def test_reset_token_is_single_use_and_kills_the_others(db: Session, make: Factory) -> None:
    user = make.user()
    first = reset_link_secret(db, user.email)
    second = reset_link_secret(db, user.email)
    assert first != second
    stored = db.scalars(select(PasswordResetToken.token_hash)).all()
    assert first not in stored and second not in stored  # only hashes are stored
    old_session = user.session_token

    services.reset_password(db, first, "brand-new-passphrase")
    assert passwords.verify_password(user.password_hash, "brand-new-passphrase")
    assert user.session_token != old_session
    with pytest.raises(services.InvalidResetToken):
        services.reset_password(db, first, "yet-another-passphrase")
    with pytest.raises(services.InvalidResetToken):
        services.check_reset_token(db, second)


def test_reset_token_expires(db: Session, make: Factory) -> None:
    user = make.user()
    raw = reset_link_secret(db, user.email)
    assert services.check_reset_token(db, raw, now=utcnow() + TTL - timedelta(seconds=1)) is user
    with pytest.raises(services.InvalidResetToken):
        services.reset_password(db, raw, "brand-new-passphrase", now=utcnow() + TTL + timedelta(seconds=1))


def test_reset_is_not_offered_for_unknown_or_inactive_accounts(db: Session, make: Factory) -> None:
    inactive = make.user(active=False)
    assert services.request_password_reset(db, "nobody@example.uz") is None
    assert services.request_password_reset(db, inactive.email) is None
    assert db.scalar(select(func.count()).select_from(PasswordResetToken)) == 0
    assert db.scalar(select(func.count()).select_from(Notification)) == 0


def test_garbage_reset_token_is_invalid(db: Session) -> None:
    with pytest.raises(services.InvalidResetToken):
        services.check_reset_token(db, "not-a-token")


def test_invited_user_cannot_sign_in_before_setting_a_password(db: Session) -> None:
    user = services.invite_user(
        db,
        role=Role.INSTRUCTOR,
        email="teacher@example.uz",
        first_name="Olim",
        last_name="Sobirov",
    )
    queued = db.scalars(select(Notification).where(Notification.user_id == user.id)).all()
    assert [n.kind for n in queued] == [NotificationKind.INVITATION]
    with pytest.raises(services.InvalidCredentials):
        services.authenticate(db, user.email, "")
    raw = services.issue_password_token(db, user, services.INVITATION_TTL)  # what the sender does
    services.reset_password(db, raw, "teacher-passphrase")
    assert services.authenticate(db, user.email, "teacher-passphrase") is user


def test_deactivation_ends_sessions_and_not_for_oneself(db: Session, make: Factory) -> None:
    admin, user = make.user(Role.ADMIN), make.user()
    token = user.session_token
    services.set_active(db, user, False, by=admin)
    assert not user.active and user.session_token != token
    with pytest.raises(services.CannotDeactivateSelf):
        services.set_active(db, admin, False, by=admin)
    services.set_active(db, user, True, by=admin)
    assert user.active


def test_search_users_escapes_like_wildcards(db: Session, make: Factory) -> None:
    make.user(first_name="Ravshan", email="ravshan@example.uz")
    make.user(first_name="Percent", email="a%b@example.uz")
    found = db.scalars(services.search_users(db, None, "%")).all()
    assert [u.email for u in found] == ["a%b@example.uz"]
    assert [u.first_name for u in db.scalars(services.search_users(db, Role.STUDENT, "ravSHAN")).all()] == [
        "Ravshan"
    ]
    assert db.scalars(services.search_users(db, Role.ADMIN, "ravshan")).all() == []
