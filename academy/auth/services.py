"""Account rules: registration, signing in, passwords and reset links, deactivation.

Plain functions taking a Session; they flush, never commit, and raise domain errors.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from academy.auth import passwords
from academy.auth.models import PasswordResetToken, Role, User, new_session_token
from academy.db import utcnow
from academy.errors import DomainError
from academy.notifications.models import NotificationKind
from academy.notifications.services import notify
from academy.regions.models import Region

log = logging.getLogger(__name__)

LOCALES = ("uz", "ru", "en")
PASSWORD_MIN_LENGTH = 10
INVITATION_TTL = timedelta(days=7)  # the invitation e-mail says "within seven days"
_COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "qwertyuiop",
        "password123",
        "parol12345",
        "0123456789",
        "1111111111",
        "abcdefghij",
        "qwerty1234",
        "1q2w3e4r5t",
        "password12",
        "uzbekistan",
    }
)


class EmailTaken(DomainError):
    message = _l("An account with this e-mail already exists. Sign in or reset your password.")
    field = "email"


class InvalidCredentials(DomainError):
    message = _l("The e-mail or password is not correct.")
    status = 401


class AccountInactive(DomainError):
    message = _l("This account has been deactivated. Contact the academy to restore it.")
    status = 403


class WrongPassword(DomainError):
    message = _l("The current password is not correct.")
    field = "current"


class WeakPassword(DomainError):
    field = "password"


class InvalidResetToken(DomainError):
    message = _l("This reset link is invalid, expired or already used. Ask for a new one.")


class UnknownRegion(DomainError):
    message = _l("Choose a region from the list.")
    field = "region"


class CannotDeactivateSelf(DomainError):
    message = _l("You cannot deactivate your own account.")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` is not acceptable, or None. The one password rule for forms and CLI."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return str(_l("Use at least %(n)d characters.", n=PASSWORD_MIN_LENGTH))
    if password.lower() in _COMMON_PASSWORDS or len(set(password)) < 4:
        return str(_l("This password is too easy to guess."))
    if email and password.lower() == normalize_email(email):
        return str(_l("The password must not be your e-mail address."))
    return None


def _check_password(password: str, email: str | None) -> None:
    problem = password_problem(password, email)
    if problem:
        raise WeakPassword(problem)


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(
    session: Session,
    *,
    role: Role,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str | None = None,
    region_code: str | None = None,
    locale: str = "uz",
    company_id: int | None = None,
    password_hash: str | None = None,
) -> User:
    """Create an account of any role. ``password_hash`` lets bulk loaders reuse one hash."""
    email = normalize_email(email)
    if find_user_by_email(session, email) is not None:
        raise EmailTaken()
    if region_code is not None and session.get(Region, region_code) is None:
        raise UnknownRegion()
    if password_hash is None:
        _check_password(password, email)
        password_hash = passwords.hash_password(password)
    user = User(
        role=role,
        email=email,
        password_hash=password_hash,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=(phone or "").strip() or None,
        region_code=region_code,
        locale=locale if locale in LOCALES else "uz",
        company_id=company_id,
    )
    session.add(user)
    session.flush()
    log.info("created %s account %s", role.value, user.id)
    return user


def register_student(
    session: Session,
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    region_code: str,
    locale: str,
    phone: str | None = None,
) -> User:
    """Self-registration of a student; a student always belongs to a region."""
    if session.get(Region, region_code) is None:
        raise UnknownRegion()
    return create_user(
        session,
        role=Role.STUDENT,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        region_code=region_code,
        locale=locale,
    )


def authenticate(session: Session, email: str, password: str, now: datetime | None = None) -> User:
    """The user with these credentials. Unknown e-mail and wrong password fail alike."""
    user = find_user_by_email(session, email)
    if not passwords.verify_password(user.password_hash if user else None, password) or user is None:
        raise InvalidCredentials()
    if not user.active:
        raise AccountInactive()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = now or utcnow()
    session.flush()
    return user


def end_sessions(user: User) -> None:
    """Every login cookie of ``user`` stops working (the token is part of it)."""
    user.session_token = new_session_token()


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise WrongPassword()
    _check_password(new, user.email)
    user.password_hash = passwords.hash_password(new)
    end_sessions(user)
    session.flush()
    log.info("user %s changed their password", user.id)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def request_password_reset(session: Session, email: str) -> User | None:
    """Queue a set-password e-mail for the active account with ``email``; the account, or None (the
    caller answers the same either way). The secret link is made when the e-mail is sent, so no
    usable secret is ever stored: see :func:`issue_password_token`."""
    user = find_user_by_email(session, email)
    if user is None or not user.active:
        return None
    notify(session, user.id, NotificationKind.PASSWORD_RESET)
    session.flush()
    log.info("password reset requested for user %s", user.id)
    return user


def issue_password_token(session: Session, user: User, ttl: timedelta, now: datetime | None = None) -> str:
    """A new single-use secret that sets ``user``'s password within ``ttl``; only its hash is kept."""
    now = now or utcnow()
    raw = secrets.token_urlsafe(32)
    session.add(
        PasswordResetToken(user_id=user.id, token_hash=_token_hash(raw), created_at=now, expires_at=now + ttl)
    )
    session.flush()
    return raw


def invite_user(
    session: Session,
    *,
    role: Role,
    email: str,
    first_name: str,
    last_name: str,
    region_code: str | None = None,
    locale: str = "uz",
) -> User:
    """An account whose owner sets the password through the link of an invitation e-mail.

    The invitation is queued in this transaction; its link (valid :data:`INVITATION_TTL`) is made
    when it is sent. Works for every role: bulk imports invite students the same way."""
    user = create_user(
        session,
        role=role,
        email=email,
        password="",
        first_name=first_name,
        last_name=last_name,
        region_code=region_code,
        locale=locale,
        password_hash=passwords.hash_password(secrets.token_urlsafe(32)),  # unusable until set
    )
    notify(session, user.id, NotificationKind.INVITATION)
    session.flush()
    return user


def _usable_token(session: Session, raw: str, now: datetime) -> PasswordResetToken:
    token = session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(raw))
    )
    if token is None or token.used_at is not None or token.expires_at <= now or not token.user.active:
        raise InvalidResetToken()
    return token


def check_reset_token(session: Session, raw: str, now: datetime | None = None) -> User:
    """The user a still-usable reset secret belongs to."""
    return _usable_token(session, raw, now or utcnow()).user


def reset_password(session: Session, raw: str, new_password: str, now: datetime | None = None) -> User:
    """Set a new password through a reset secret; the secret and every other one of the user's die."""
    now = now or utcnow()
    token = _usable_token(session, raw, now)
    user = token.user
    _check_password(new_password, user.email)
    # Conditional update: of two requests racing with the same secret, only one can use it.
    used = session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == token.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidResetToken()
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    user.password_hash = passwords.hash_password(new_password)
    end_sessions(user)
    session.flush()
    log.info("user %s reset their password", user.id)
    return user


def set_active(session: Session, user: User, active: bool, by: User) -> None:
    """Deactivate (ending every session) or reactivate an account."""
    if user.id == by.id and not active:
        raise CannotDeactivateSelf()
    user.active = active
    if not active:
        end_sessions(user)
    session.flush()
    log.info("user %s %s by admin %s", user.id, "reactivated" if active else "deactivated", by.id)


def set_locale(session: Session, user: User, locale: str) -> None:
    if locale in LOCALES:
        user.locale = locale
        session.flush()


def search_users(session: Session, role: Role | None = None, text: str = "") -> Select[User]:
    """Accounts matching a role and a piece of name or e-mail, newest first (a statement to page)."""
    stmt = select(User).options(joinedload(User.region), joinedload(User.company))
    if role is not None:
        stmt = stmt.where(User.role == role)
    text = text.strip().lower()
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                User.email.like(like, escape="\\"),
                func.lower(User.first_name + " " + User.last_name).like(like, escape="\\"),
            )
        )
    return stmt.order_by(User.created_at.desc(), User.id.desc())


def count_users_by_role(session: Session) -> dict[Role, int]:
    rows = session.execute(select(User.role, func.count()).group_by(User.role)).all()
    counts = dict.fromkeys(Role, 0)
    counts.update({role: n for role, n in rows})
    return counts
