"""User accounts and password-reset tokens."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.db import Base, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from academy.employers.models import Company
    from academy.regions.models import Region


class Role(enum.StrEnum):
    STUDENT = "student"
    INSTRUCTOR = "instructor"
    EMPLOYER = "employer"
    ADMIN = "admin"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    """Anyone who signs in. ``session_token`` is part of the login cookie: changing it ends every
    session of the account (deactivation, password change)."""

    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_created_at", "created_at", "id"),  # the newest-first account list
        Index("ix_users_role_created_at", "role", "created_at"),  # the same, filtered by role
        Index("ix_users_role_active_region_code", "role", "active", "region_code"),  # counts per region
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    locale: Mapped[str] = mapped_column(String(5), default="uz")
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # The secret in the address of the user's own iCalendar feed; None until first asked for.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    region: Mapped[Region | None] = relationship()
    company: Mapped[Company | None] = relationship(back_populates="members", foreign_keys=[company_id])

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class PasswordResetToken(Base):
    """A single-use, expiring password-reset link; only a hash of the secret is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
