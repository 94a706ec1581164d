"""Editing the skills taxonomy: codes stay unique, levels stay within what courses already teach."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from academy.courses.models import Course, CourseSkill
from academy.errors import DomainError
from academy.skills.models import Skill
from academy.tracks import Track
from academy.versions import check_version, flush_or_conflict

log = logging.getLogger(__name__)

# The seeded taxonomy writes codes in lower case (``contact-centre-en``); new codes follow it.
SKILL_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CEFR_LEVELS = 6  # A1, A2, B1, B2, C1, C2
MAX_LEVELS = 6


class InvalidSkillCode(DomainError):
    message = _l("Use letters, digits and single dashes, such as excel-advanced.")
    field = "code"


class DuplicateSkillCode(DomainError):
    message = _l("Another skill already has this code.")
    field = "code"
    status = 409


class InvalidLevels(DomainError):
    field = "max_level"


class LevelsTaughtAbove(DomainError):
    field = "max_level"
    status = 409

    def __init__(self, level: int, codes: list[str]) -> None:
        super().__init__(
            _l(
                "Courses already teach this skill up to level %(level)s (%(courses)s): "
                "the number of levels cannot be lower.",
                level=level,
                courses=", ".join(codes),
            )
        )


@dataclass(frozen=True)
class SkillData:
    """What an administrator fills in for a skill."""

    code: str
    track: Track
    name_uz: str
    name_ru: str
    name_en: str
    description_uz: str = ""
    description_ru: str = ""
    description_en: str = ""
    max_level: int = 3
    cefr: bool = False


def normalise_code(raw: str) -> str:
    return raw.strip().lower()


def list_skills(session: Session, track: Track | None = None) -> list[Skill]:
    """Skills by track, then code."""
    stmt = select(Skill).order_by(Skill.track, Skill.code)
    if track is not None:
        stmt = stmt.where(Skill.track == track)
    return list(session.scalars(stmt))


def courses_per_skill(session: Session) -> dict[int, int]:
    """How many courses teach each skill (skills no course teaches are absent)."""
    rows = session.execute(select(CourseSkill.skill_id, func.count()).group_by(CourseSkill.skill_id))
    return {skill_id: count for skill_id, count in rows}


def _validate(session: Session, data: SkillData, skill: Skill | None) -> str:
    code = normalise_code(data.code)
    if not SKILL_CODE.match(code) or len(code) > 40:
        raise InvalidSkillCode()
    if not 1 <= data.max_level <= MAX_LEVELS:
        raise InvalidLevels(_l("A skill has from 1 to %(most)s levels.", most=MAX_LEVELS))
    if data.cefr and data.max_level != CEFR_LEVELS:
        raise InvalidLevels(_l("A CEFR skill has six levels, A1 to C2."))
    clash = session.scalar(select(Skill.id).where(func.lower(Skill.code) == code))
    if clash is not None and (skill is None or clash != skill.id):
        raise DuplicateSkillCode()
    if skill is not None:
        _check_levels_taught(session, skill, data.max_level)
    return code


def _check_levels_taught(session: Session, skill: Skill, max_level: int) -> None:
    rows = session.execute(
        select(Course.code, CourseSkill.level)
        .join(Course, Course.id == CourseSkill.course_id)
        .where(CourseSkill.skill_id == skill.id, CourseSkill.level > max_level)
        .order_by(CourseSkill.level.desc(), Course.code)
    ).all()
    if rows:
        raise LevelsTaughtAbove(rows[0].level, [row.code for row in rows])


def _apply(skill: Skill, data: SkillData, code: str) -> None:
    skill.code = code
    skill.track = data.track
    for field in ("name", "description"):
        for locale in ("uz", "ru", "en"):
            setattr(skill, f"{field}_{locale}", getattr(data, f"{field}_{locale}").strip())
    skill.max_level = data.max_level
    skill.cefr = data.cefr


def _flush_unique(session: Session) -> None:
    """Flush; a code taken by a concurrent request in the meantime is a field error, not a 500."""
    try:
        flush_or_conflict(session)
    except IntegrityError as error:
        raise DuplicateSkillCode() from error


def create_skill(session: Session, data: SkillData) -> Skill:
    code = _validate(session, data, None)
    skill = Skill()
    _apply(skill, data, code)
    session.add(skill)
    _flush_unique(session)
    log.info("skill %s created", skill.code)
    return skill


def update_skill(session: Session, skill: Skill, data: SkillData, version: int | None) -> Skill:
    """Save an edit made on version ``version`` of ``skill``; ``Conflict`` if it has changed since."""
    check_version(skill, version)
    code = _validate(session, data, skill)
    _apply(skill, data, code)
    _flush_unique(session)
    log.info("skill %s updated to version %s", skill.code, skill.version)
    return skill
