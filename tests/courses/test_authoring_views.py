"""Administrators author courses through the pages: forms, errors, versions, content, query counts."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.access import rule_of
from academy.auth.models import Role
from academy.courses.models import Course, CourseStatus, Lesson
from academy.skills.models import Skill
from academy.tracks import Track
from tests.conftest import Browser, Factory, QueryCounter
from tests.courses.conftest import Courses


def course_form(db: Session, course: Course | None = None, **changes: Any) -> dict[str, Any]:
    """The course form as the page would post it: every skill row, levels from ``course``."""
    skills = db.scalars(select(Skill).order_by(Skill.track, Skill.code)).all()
    taught = {t.skill_id: t.level for t in course.skills} if course else {}
    data: dict[str, Any] = {
        "code": course.code if course else "BPO-NEW",
        "track": course.track.value if course else "bpo",
        "title_uz": course.title_uz if course else "Yangi kurs",
        "title_ru": course.title_ru if course else "Новый курс",
        "title_en": course.title_en if course else "New course",
        "hours": course.hours if course else 40,
        "language": course.language if course else "ru",
        "pass_mark": course.pass_mark if course else 70,
        "certificate_valid_months": (course.certificate_valid_months or "") if course else "",
        "status": course.status.value if course else "draft",
        "version": course.version if course else "",
        "prerequisites": [c.id for c in course.prerequisites] if course else [],
    }
    for i, skill in enumerate(skills):
        data[f"skills-{i}-skill_id"] = skill.id
        data[f"skills-{i}-level"] = taught.get(skill.id, 2 if skill.code == "excel" and not course else 0)
    data.update(changes)
    return data


def level_key(db: Session, code: str) -> str:
    codes = db.scalars(select(Skill.code).order_by(Skill.track, Skill.code)).all()
    return f"skills-{codes.index(code)}-level"


def test_an_admin_creates_a_course(browser: Browser, db: Session) -> None:
    browser.login(Role.ADMIN)
    page = browser.get("/admin/courses/new").get_data(as_text=True)
    assert "Skills taught" in page and "Prerequisite courses" in page
    response = browser.post("/admin/courses/new", course_form(db, code="bpo-fresh"))
    assert response.status_code == 302, response.get_data(as_text=True)
    course = db.scalar(select(Course).where(Course.code == "BPO-FRESH"))
    assert course is not None and course.language == "ru" and course.pass_mark == 70
    assert [(t.skill.code, t.level) for t in course.skills] == [("excel", 2)]
    assert response.headers["Location"].endswith(f"/admin/courses/{course.id}")


def test_bad_input_is_shown_and_nothing_is_written(browser: Browser, db: Session, make: Factory) -> None:
    make.course(code="BPO-TAKEN")
    browser.login(Role.ADMIN)
    before = db.scalar(select(func.count()).select_from(Course))
    for changes, message in [
        ({"code": "BPO-TAKEN"}, "Another course already has this code."),
        ({"code": "bpo taken"}, "Use capital letters, digits and single dashes"),
        ({"pass_mark": "101"}, "Number must be between 0 and 100."),
        ({"hours": "0"}, "Number must be between 1 and 2000."),
        ({"hours": "many"}, "Not a valid integer value."),
        ({"certificate_valid_months": "0"}, "Number must be between 1 and 120."),
        ({"certificate_valid_months": "121"}, "Number must be between 1 and 120."),
        ({"certificate_valid_months": "a year"}, "Not a valid integer value."),
        ({"language": "de"}, "Not a valid choice."),
        ({level_key(db, "excel"): "4"}, "Not a valid choice."),
        ({"status": "published"}, "A course needs at least one module with a lesson before it is published."),
        ({"prerequisites": ["999999"]}, "is not a valid choice for this field"),
    ]:
        response = browser.post("/admin/courses/new", course_form(db, **changes))
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and message in body, (changes, body[:3000])
    assert db.scalar(select(func.count()).select_from(Course)) == before


def test_certificates_validity_is_saved_and_shown(browser: Browser, db: Session) -> None:
    browser.login(Role.ADMIN)
    response = browser.post(
        "/admin/courses/new", course_form(db, code="BPO-VALID", certificate_valid_months="24")
    )
    assert response.status_code == 302
    course = db.scalars(select(Course).where(Course.code == "BPO-VALID")).one()
    assert course.certificate_valid_months == 24
    assert "24 months" in browser.get(f"/admin/courses/{course.id}").get_data(as_text=True)
    edit = course_form(db, course, certificate_valid_months="")
    assert browser.post(f"/admin/courses/{course.id}/edit", edit).status_code == 302
    db.refresh(course)
    assert course.certificate_valid_months is None
    assert "Never expire" in browser.get(f"/admin/courses/{course.id}").get_data(as_text=True)


def test_an_edit_saves_skills_and_prerequisites(browser: Browser, db: Session, courses: Courses) -> None:
    course, base = courses.course(code="BPO-MAIN"), courses.course(code="BPO-BASE")
    version = course.version
    browser.login(Role.ADMIN)
    page = browser.get(f"/admin/courses/{course.id}/edit").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{version}"' in page
    assert (
        "BPO-BASE: " in page and "BPO-MAIN: " not in page
    )  # a course is not offered as its own prerequisite
    form = course_form(db, course, prerequisites=[base.id], **{level_key(db, "chat-support"): "3"})
    response = browser.post(f"/admin/courses/{course.id}/edit", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.expire_all()
    assert [c.code for c in course.prerequisites] == ["BPO-BASE"]
    assert {t.skill.code: t.level for t in course.skills} == {"excel": 2, "chat-support": 3}
    assert course.version == version + 1


def test_a_cycle_is_refused_on_the_form(browser: Browser, db: Session, courses: Courses) -> None:
    a, b = courses.course(code="CYCLE-A"), courses.course(code="CYCLE-B")
    a.prerequisites.append(b)
    db.flush()
    browser.login(Role.ADMIN)
    response = browser.post(f"/admin/courses/{b.id}/edit", course_form(db, b, prerequisites=[a.id]))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "CYCLE-A cannot be a prerequisite" in body
    db.expire_all()
    assert b.prerequisites == []


def test_a_stale_course_form_answers_409(browser: Browser, db: Session, courses: Courses) -> None:
    course = courses.course()
    browser.login(Role.ADMIN)
    stale = course_form(
        db, course, title_en="Mine", **{level_key(db, "excel"): "0", level_key(db, "telesales"): "1"}
    )
    assert (
        browser.post(
            f"/admin/courses/{course.id}/edit", course_form(db, course, title_en="Theirs")
        ).status_code
        == 302
    )
    response = browser.post(f"/admin/courses/{course.id}/edit", stale)
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "Someone else changed this" in body and 'value="Mine"' in body
    db.expire_all()
    assert course.title_en == "Theirs" and [t.skill.code for t in course.skills] == ["excel"]


def test_publish_and_unpublish(browser: Browser, db: Session, courses: Courses, make: Factory) -> None:
    ready = courses.course(status=CourseStatus.DRAFT)
    empty = courses.course(modules=0, status=CourseStatus.DRAFT)
    browser.login(Role.ADMIN)
    refused = browser.post(f"/admin/courses/{empty.id}/publish", {"version": empty.version})
    assert refused.status_code == 409 and "at least one module with a lesson" in refused.get_data(
        as_text=True
    )
    stale = browser.post(f"/admin/courses/{ready.id}/publish", {"version": ready.version - 1})
    assert stale.status_code == 409
    db.expire_all()
    assert ready.status is CourseStatus.DRAFT
    assert browser.post(f"/admin/courses/{ready.id}/publish", {"version": ready.version}).status_code == 302
    db.expire_all()
    assert ready.status is CourseStatus.PUBLISHED
    assert browser.post(f"/admin/courses/{ready.id}/unpublish", {"version": ready.version}).status_code == 302
    db.expire_all()
    assert ready.status is CourseStatus.DRAFT


def test_publishing_with_unbalanced_weights_is_refused(
    browser: Browser, db: Session, courses: Courses, make: Factory
) -> None:
    course = courses.course(status=CourseStatus.DRAFT)
    make.assessment(course, weight=70)
    browser.login(Role.ADMIN)
    refused = browser.post(f"/admin/courses/{course.id}/publish", {"version": course.version})
    assert refused.status_code == 409 and "add up to 70, not 100" in refused.get_data(as_text=True)
    db.expire_all()
    assert course.status is CourseStatus.DRAFT


def test_the_list_filters_and_searches(browser: Browser, courses: Courses, make: Factory) -> None:
    courses.course(code="BPO-LIST")
    make.course(code="KPO-LIST", status=CourseStatus.DRAFT, track=Track.KPO)
    browser.login(Role.ADMIN)
    everything = browser.get("/admin/courses?q=list").get_data(as_text=True)
    assert "BPO-LIST" in everything and "KPO-LIST" in everything
    drafts = browser.get("/admin/courses?status=draft&q=list").get_data(as_text=True)
    assert "KPO-LIST" in drafts and "BPO-LIST" not in drafts
    kpo = browser.get("/admin/courses?track=kpo").get_data(as_text=True)
    assert "KPO-LIST" in kpo and "BPO-LIST" not in kpo
    assert browser.get("/admin/courses?track=x&status=y&page=-1&q=" + "%" * 300).status_code == 200


def test_the_list_query_count_does_not_grow(
    browser: Browser, courses: Courses, count_queries: QueryCounter
) -> None:
    browser.login(Role.ADMIN)
    for _ in range(2):
        courses.course(modules=1, lessons=1)
    browser.get("/admin/courses")
    count_queries.statements.clear()
    browser.get("/admin/courses")
    few = count_queries.count
    for _ in range(18):
        courses.course(modules=2, lessons=2)
    count_queries.statements.clear()
    body = browser.get("/admin/courses").get_data(as_text=True)
    assert count_queries.count == few, count_queries.statements
    assert body.count("Spreadsheets (Excel) (2)") >= 20


def test_the_course_page_query_count_does_not_grow(
    browser: Browser, courses: Courses, count_queries: QueryCounter
) -> None:
    browser.login(Role.ADMIN)
    small, big = courses.course(modules=1, lessons=2).id, courses.course(modules=4, lessons=5).id
    browser.get(f"/admin/courses/{small}")
    count_queries.statements.clear()
    browser.get(f"/admin/courses/{small}")
    few = count_queries.count
    count_queries.statements.clear()
    body = browser.get(f"/admin/courses/{big}").get_data(as_text=True)
    assert count_queries.count == few and "Lesson 4.5" in body


def test_modules_and_lessons_through_the_pages(browser: Browser, db: Session, courses: Courses) -> None:
    course = courses.course(modules=2, lessons=1, status=CourseStatus.DRAFT)
    browser.login(Role.ADMIN)
    base = f"/admin/courses/{course.id}"
    assert browser.post(f"{base}/modules", {"title": ""}).status_code == 200  # re-shown with the error
    assert browser.post(f"{base}/modules", {"title": "Practice"}).status_code == 302
    module = course.modules[0]
    moved = browser.post(f"{base}/modules/{module.id}/move/down")
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"#module-{module.id}")
    db.expire_all()
    assert [m.title for m in course.modules] == ["Module 2", "Module 1", "Practice"]

    new = browser.post(
        f"{base}/modules/{module.id}/lessons/new",
        {"title": "Shortcuts", "minutes": "12", "body_markdown": "| Key | Does |\n|---|---|\n| F2 | Edit |"},
    )
    assert new.status_code == 302
    lesson = db.scalar(select(Lesson).where(Lesson.title == "Shortcuts"))
    assert lesson is not None and "<td>F2</td>" in lesson.body_html and lesson.position == 2

    renamed = browser.post(f"{base}/modules/{module.id}/edit", {"title": "Basics", "version": module.version})
    assert renamed.status_code == 302
    stale = browser.post(f"{base}/modules/{module.id}/edit", {"title": "Late", "version": module.version - 1})
    assert stale.status_code == 409
    db.expire_all()
    assert module.title == "Basics"

    confirm = browser.get(f"{base}/modules/{module.id}/delete").get_data(as_text=True)
    assert "its 2 lessons" in confirm
    assert browser.post(f"{base}/modules/{module.id}/delete", {"version": module.version}).status_code == 302
    db.expire_all()
    assert [m.title for m in course.modules] == ["Module 2", "Practice"]


def test_lesson_preview_saves_nothing(browser: Browser, db: Session, courses: Courses) -> None:
    course = courses.course(modules=1, lessons=1)
    lesson = courses.lessons(course)[0]
    browser.login(Role.ADMIN)
    url = f"/admin/courses/{course.id}/lessons/{lesson.id}/edit"
    response = browser.post(
        url,
        {
            "title": "Draft title",
            "minutes": "9",
            "body_markdown": "# Hello\n\n<script>alert(1)</script> [x](javascript:alert(1))",
            "version": lesson.version,
            "preview": "Preview",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Preview (not saved yet)" in body and "<h2>Hello</h2>" in body
    assert "<script>alert" not in body and 'href="javascript' not in body
    db.expire_all()
    assert lesson.title == "Lesson 1.1"


def test_lesson_edit_conflict_and_errors(browser: Browser, db: Session, courses: Courses) -> None:
    course = courses.course(modules=1, lessons=1)
    lesson = courses.lessons(course)[0]
    browser.login(Role.ADMIN)
    url = f"/admin/courses/{course.id}/lessons/{lesson.id}/edit"
    form = {"title": "New title", "minutes": "9", "body_markdown": "text", "version": lesson.version}
    assert browser.post(url, {**form, "minutes": "0"}).status_code == 200
    assert browser.post(url, form).status_code == 302
    again = browser.post(url, {**form, "title": "Stale"})
    assert again.status_code == 409 and 'value="Stale"' in again.get_data(as_text=True)
    db.expire_all()
    assert lesson.title == "New title"


def test_deleting_the_last_lesson_of_a_published_course(
    browser: Browser, db: Session, courses: Courses
) -> None:
    course = courses.course(modules=1, lessons=1)
    lesson = courses.lessons(course)[0]
    browser.login(Role.ADMIN)
    response = browser.post(
        f"/admin/courses/{course.id}/lessons/{lesson.id}/delete", {"version": lesson.version}
    )
    assert response.status_code == 409 and "Unpublish the course first" in response.get_data(as_text=True)
    assert db.get(Lesson, lesson.id) is not None


def test_ids_of_another_course_are_404(browser: Browser, courses: Courses) -> None:
    mine, other = courses.course(), courses.course()
    theirs_module, theirs_lesson = other.modules[0], courses.lessons(other)[0]
    browser.login(Role.ADMIN)
    base = f"/admin/courses/{mine.id}"
    assert browser.get(f"{base}/modules/{theirs_module.id}/edit").status_code == 404
    assert browser.post(f"{base}/modules/{theirs_module.id}/move/up").status_code == 404
    assert browser.get(f"{base}/lessons/{theirs_lesson.id}/edit").status_code == 404
    assert browser.post(f"{base}/lessons/{theirs_lesson.id}/delete", {"version": 1}).status_code == 404
    assert browser.get("/admin/courses/999999").status_code == 404


def test_authoring_pages_are_for_admins_only(app: Flask) -> None:
    for endpoint, view in app.view_functions.items():
        if endpoint.split(".")[0] in ("authoring", "content", "skills"):
            rule = rule_of(view)
            assert rule is not None and rule.kind == "roles" and rule.allowed == {Role.ADMIN}, endpoint


def test_students_and_instructors_cannot_author(browser: Browser, db: Session, courses: Courses) -> None:
    course = courses.course(modules=1, lessons=2)
    lesson = courses.lessons(course)[0]
    for role in (Role.STUDENT, Role.INSTRUCTOR):
        browser.login(role)
        assert browser.get(f"/admin/courses/{course.id}").status_code == 403
        form = {"title": "Hacked", "minutes": "1", "body_markdown": "x", "version": lesson.version}
        assert browser.post(f"/admin/courses/{course.id}/lessons/{lesson.id}/edit", form).status_code == 403
        browser.logout()
    db.expire_all()
    assert lesson.title == "Lesson 1.1"
