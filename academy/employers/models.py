"""Partner companies, approved by the academy before their members may act for them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.db import Base, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from academy.auth.models import User


class CompanyStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    # INN: the 9-digit taxpayer number every Uzbek legal entity has.
    tax_id: Mapped[str] = mapped_column(String(9), unique=True)
    website: Mapped[str | None] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    status: Mapped[CompanyStatus] = mapped_column(
        enum_column(CompanyStatus), default=CompanyStatus.PENDING, index=True
    )
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="company", foreign_keys="User.company_id")

    @property
    def is_approved(self) -> bool:
        return self.status is CompanyStatus.APPROVED

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.status.value}>"
