"""Regions, keyed by ISO 3166-2 code; their rows come from a migration, not from the app."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from academy.db import Base, in_locale


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name_uz: Mapped[str] = mapped_column(String(80))
    name_ru: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(default=0)

    def name(self, locale: str) -> str:
        """The region's name in ``locale`` (uz, ru or en), English otherwise."""
        return in_locale(self, "name", locale)

    def __repr__(self) -> str:
        return f"<Region {self.code}>"
