"""Editing the skills taxonomy: codes, levels, versions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.courses.models import CourseSkill
from academy.errors import Conflict
from academy.skills import services
from academy.skills.models import Skill
from academy.tracks import Track
from tests.conftest import Factory

NEW = services.SkillData(
    code="Excel-Advanced ",
    track=Track.BPO,
    name_uz="Excel: yuqori daraja",
    name_ru="Excel: продвинутый уровень",
    name_en="Advanced Excel",
    description_en="Pivot tables, lookups and charts.",
)


def skill(db: Session, code: str) -> Skill:
    found = db.scalar(select(Skill).where(Skill.code == code))
    assert found is not None
    return found


def data_of(row: Skill, **changes: object) -> services.SkillData:
    values = {
        name: getattr(row, name)
        for name in services.SkillData.__dataclass_fields__  # every field of the form
    }
    return replace(services.SkillData(**values), **changes)  # type: ignore[arg-type]


def test_the_taxonomy_is_seeded_and_listed_by_track(db: Session) -> None:
    skills = services.list_skills(db)
    assert len(skills) >= 13
    assert [s.track for s in skills] == sorted(s.track for s in skills)
    assert {s.track for s in services.list_skills(db, Track.KPO)} == {Track.KPO}


def test_create_normalises_the_code(db: Session, app_ctx: None) -> None:
    created = services.create_skill(db, NEW)
    assert created.code == "excel-advanced" and created.version == 1 and created.max_level == 3


@pytest.mark.parametrize("code", ["", "excel advanced", "excel--x", "-excel", "excel-", "эксель", "x" * 41])
def test_a_bad_code_is_a_field_error(db: Session, app_ctx: None, code: str) -> None:
    with pytest.raises(services.InvalidSkillCode) as caught:
        services.create_skill(db, replace(NEW, code=code))
    assert caught.value.field == "code"


def test_a_duplicate_code_is_refused_whatever_its_case(db: Session, app_ctx: None) -> None:
    before = db.scalar(select(func.count()).select_from(Skill))
    with pytest.raises(services.DuplicateSkillCode) as caught:
        services.create_skill(db, replace(NEW, code="EXCEL"))
    assert caught.value.field == "code"
    assert db.scalar(select(func.count()).select_from(Skill)) == before


def test_renaming_onto_another_code_is_refused(db: Session, app_ctx: None) -> None:
    excel = skill(db, "excel")
    with pytest.raises(services.DuplicateSkillCode):
        services.update_skill(db, excel, data_of(excel, code="telesales"), excel.version)


@pytest.mark.parametrize(("levels", "cefr"), [(0, False), (7, False), (-1, False), (3, True), (5, True)])
def test_levels_out_of_range_are_refused(db: Session, app_ctx: None, levels: int, cefr: bool) -> None:
    with pytest.raises(services.InvalidLevels) as caught:
        services.create_skill(db, replace(NEW, max_level=levels, cefr=cefr))
    assert caught.value.field == "max_level"


def test_a_cefr_skill_has_six_levels(db: Session, app_ctx: None) -> None:
    created = services.create_skill(db, replace(NEW, code="german", max_level=6, cefr=True))
    assert created.level_label(6) == "C2"


def test_update_bumps_the_version(db: Session, app_ctx: None) -> None:
    excel = skill(db, "excel")
    version = excel.version
    services.update_skill(db, excel, data_of(excel, name_en="Excel at work"), version)
    assert excel.version == version + 1 and excel.name_en == "Excel at work"


def test_a_stale_version_changes_nothing(db: Session, app_ctx: None) -> None:
    excel = skill(db, "excel")
    services.update_skill(db, excel, data_of(excel, name_en="First"), excel.version)
    with pytest.raises(Conflict):
        services.update_skill(db, excel, data_of(excel, name_en="Second"), excel.version - 1)
    with pytest.raises(Conflict):
        services.update_skill(db, excel, data_of(excel, name_en="Third"), None)
    db.expire_all()
    assert skill(db, "excel").name_en == "First"


def test_levels_cannot_drop_below_what_courses_teach(db: Session, make: Factory, app_ctx: None) -> None:
    excel = skill(db, "excel")
    course = make.course(code="XL-DEEP")
    db.add(CourseSkill(course_id=course.id, skill_id=excel.id, level=3))
    db.flush()
    with pytest.raises(services.LevelsTaughtAbove) as caught:
        services.update_skill(db, excel, data_of(excel, max_level=2), excel.version)
    assert "XL-DEEP" in str(caught.value.message) and "3" in str(caught.value.message)
    raised = services.update_skill(db, excel, data_of(excel, max_level=4), excel.version)
    assert raised.max_level == 4


def test_courses_per_skill_counts_the_courses(db: Session, make: Factory) -> None:
    excel = skill(db, "excel")
    for _ in range(2):
        db.add(CourseSkill(course_id=make.course().id, skill_id=excel.id, level=1))
    db.flush()
    assert services.courses_per_skill(db)[excel.id] == 2
