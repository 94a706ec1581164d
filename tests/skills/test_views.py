"""The skills pages for administrators."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.courses.models import CourseSkill
from academy.skills.models import Skill
from tests.conftest import Browser, Factory


def skill(db: Session, code: str) -> Skill:
    found = db.scalar(select(Skill).where(Skill.code == code))
    assert found is not None
    return found


def form_of(row: Skill, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": row.code,
        "track": row.track.value,
        "max_level": row.max_level,
        "version": row.version,
        **{
            f"{f}_{lang}": getattr(row, f"{f}_{lang}")
            for f in ("name", "description")
            for lang in ("uz", "ru", "en")
        },
    }
    if row.cefr:
        data["cefr"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_list_shows_skills_by_track(browser: Browser) -> None:
    browser.login(Role.ADMIN)
    body = browser.get("/admin/skills").get_data(as_text=True)
    assert "Contact-centre service in English" in body and "CEFR, A1 to C2" in body
    kpo = browser.get("/admin/skills?track=kpo").get_data(as_text=True)
    assert "Bookkeeping" in kpo and "Contact-centre service in English" not in kpo
    assert browser.get("/admin/skills?track=nonsense").status_code == 200


def test_an_admin_adds_a_skill(browser: Browser, db: Session) -> None:
    browser.login(Role.ADMIN)
    response = browser.post(
        "/admin/skills/new",
        {
            "code": "Excel-VBA",
            "track": "kpo",
            "name_uz": "Excel VBA",
            "name_ru": "Excel VBA",
            "name_en": "Excel VBA macros",
            "max_level": "3",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert skill(db, "excel-vba").track.value == "kpo"


def test_a_duplicate_code_is_a_field_error_not_a_500(browser: Browser, db: Session) -> None:
    browser.login(Role.ADMIN)
    response = browser.post(
        "/admin/skills/new",
        {"code": "excel", "track": "bpo", "name_uz": "x", "name_ru": "x", "name_en": "x", "max_level": "3"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Another skill already has this code." in body
    assert 'aria-invalid="true"' in body


def test_bad_input_is_shown_on_the_form(browser: Browser, db: Session) -> None:
    browser.login(Role.ADMIN)
    excel = skill(db, "excel")
    for changes, message in [
        ({"max_level": "9"}, "From 1 to 6."),
        ({"max_level": "abc"}, "Not a valid integer value."),
        ({"max_level": "3", "cefr": "y"}, "A CEFR skill has six levels, A1 to C2."),
        ({"code": "has space"}, "Use letters, digits and single dashes"),
        ({"name_en": ""}, "This field is required."),
        ({"track": "ito"}, "Not a valid choice."),
    ]:
        response = browser.post(f"/admin/skills/{excel.id}/edit", form_of(excel, **changes))
        assert response.status_code == 200 and message in response.get_data(as_text=True), changes
    db.expire_all()
    assert skill(db, "excel").version == excel.version


def test_an_edit_is_saved(browser: Browser, db: Session) -> None:
    browser.login(Role.ADMIN)
    excel = skill(db, "excel")
    version = excel.version
    form = browser.get(f"/admin/skills/{excel.id}/edit").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{version}"' in form
    response = browser.post(f"/admin/skills/{excel.id}/edit", form_of(excel, name_en="Excel for the office"))
    assert response.status_code == 302
    db.expire_all()
    assert excel.name_en == "Excel for the office" and excel.version == version + 1


def test_a_stale_form_answers_409_and_changes_nothing(browser: Browser, db: Session) -> None:
    browser.login(Role.ADMIN)
    excel = skill(db, "excel")
    stale = form_of(excel, name_en="Mine")
    assert browser.post(f"/admin/skills/{excel.id}/edit", form_of(excel, name_en="Theirs")).status_code == 302
    response = browser.post(f"/admin/skills/{excel.id}/edit", stale)
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this in the meantime" in body and 'value="Mine"' in body
    db.expire_all()
    assert excel.name_en == "Theirs"


def test_lowering_levels_below_a_course_is_refused(browser: Browser, db: Session, make: Factory) -> None:
    browser.login(Role.ADMIN)
    excel = skill(db, "excel")
    db.add(CourseSkill(course_id=make.course(code="XL-PRO").id, skill_id=excel.id, level=3))
    db.flush()
    response = browser.post(f"/admin/skills/{excel.id}/edit", form_of(excel, max_level="2"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "XL-PRO" in body and "cannot be lower" in body
    db.expire_all()
    assert excel.max_level == 3


def test_unknown_skill_is_404(browser: Browser) -> None:
    browser.login(Role.ADMIN)
    assert browser.get("/admin/skills/999999/edit").status_code == 404


def test_skills_are_for_admins_only(browser: Browser, db: Session) -> None:
    browser.login(Role.INSTRUCTOR)
    excel = skill(db, "excel")
    assert browser.get("/admin/skills").status_code == 403
    assert browser.post(f"/admin/skills/{excel.id}/edit", form_of(excel, name_en="Hacked")).status_code == 403
    db.expire_all()
    assert excel.name_en != "Hacked"
