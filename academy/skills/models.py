"""Skills, with names and descriptions in the three languages."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from academy.db import Base, enum_column, in_locale
from academy.tracks import Track


class Skill(Base):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    track: Mapped[Track] = mapped_column(enum_column(Track), index=True)
    name_uz: Mapped[str] = mapped_column(String(120))
    name_ru: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_uz: Mapped[str] = mapped_column(Text, default="")
    description_ru: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    # Levels run from 1 to max_level: 3 for most skills, 6 (A1..C2) for languages.
    max_level: Mapped[int] = mapped_column(default=3)
    cefr: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    def name(self, locale: str) -> str:
        return in_locale(self, "name", locale)

    def description(self, locale: str) -> str:
        return in_locale(self, "description", locale)

    def level_label(self, level: int) -> str:
        """``B2`` for a CEFR skill at level 4, else the number."""
        return ("A1", "A2", "B1", "B2", "C1", "C2")[level - 1] if self.cefr else str(level)

    def __repr__(self) -> str:
        return f"<Skill {self.code}>"
