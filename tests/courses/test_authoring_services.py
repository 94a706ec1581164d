"""Course authoring rules: codes, skills and levels, prerequisites without cycles, publishing, versions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.courses import services
from academy.courses.models import Course, CourseStatus
from academy.errors import Conflict
from academy.tracks import Track
from tests.conftest import Factory
from tests.courses.conftest import Courses


def data(courses: Courses, **changes: Any) -> services.CourseData:
    base = services.CourseData(
        code="bpo-new",
        track=Track.BPO,
        title_uz="Yangi kurs",
        title_ru="Новый курс",
        title_en="New course",
        hours=40,
        language="uz",
        pass_mark=60,
        skills={courses.skill("excel").id: 2},
    )
    return replace(base, **changes)


def data_of(course: Course, **changes: Any) -> services.CourseData:
    values = {
        name: getattr(course, name)
        for name in services.CourseData.__dataclass_fields__
        if name not in ("skills", "prerequisite_ids")
    }
    values["skills"] = {t.skill_id: t.level for t in course.skills}
    values["prerequisite_ids"] = frozenset(c.id for c in course.prerequisites)
    values.update(changes)
    return services.CourseData(**values)


def test_create_a_draft(db: Session, courses: Courses, app_ctx: None) -> None:
    course = services.create_course(db, data(courses))
    assert course.code == "BPO-NEW" and course.status is CourseStatus.DRAFT and course.version == 1
    assert [(t.skill.code, t.level) for t in course.skills] == [("excel", 2)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "BPO NEW"}, "code"),
        ({"code": "BPO--NEW"}, "code"),
        ({"code": "X" * 21}, "code"),
        ({"hours": 0}, "hours"),
        ({"hours": 2001}, "hours"),
        ({"pass_mark": -1}, "pass_mark"),
        ({"pass_mark": 101}, "pass_mark"),
        ({"language": "de"}, "language"),
    ],
)
def test_bad_values_are_field_errors(
    db: Session, courses: Courses, app_ctx: None, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(services.InvalidCourse) as caught:
        services.create_course(db, data(courses, **changes))
    assert caught.value.field == field


def test_a_duplicate_code_is_refused(db: Session, courses: Courses, make: Factory, app_ctx: None) -> None:
    make.course(code="BPO-NEW")
    before = db.scalar(select(func.count()).select_from(Course))
    with pytest.raises(services.DuplicateCourseCode):
        services.create_course(db, data(courses, code="bpo-new"))
    assert db.scalar(select(func.count()).select_from(Course)) == before


@pytest.mark.parametrize(("code", "level"), [("excel", 0), ("excel", 4), ("contact-centre-en", 7)])
def test_a_level_out_of_range_is_refused(
    db: Session, courses: Courses, app_ctx: None, code: str, level: int
) -> None:
    with pytest.raises(services.SkillLevelOutOfRange) as caught:
        services.create_course(db, data(courses, skills={courses.skill(code).id: level}))
    assert caught.value.field == "skills" and code in str(caught.value.message)


def test_a_cefr_skill_goes_up_to_c2(db: Session, courses: Courses, app_ctx: None) -> None:
    course = services.create_course(db, data(courses, skills={courses.skill("contact-centre-en").id: 6}))
    assert course.skills[0].skill.level_label(course.skills[0].level) == "C2"


def test_an_unknown_skill_is_refused(db: Session, courses: Courses, app_ctx: None) -> None:
    with pytest.raises(services.InvalidCourse) as caught:
        services.create_course(db, data(courses, skills={999999: 1}))
    assert caught.value.field == "skills"


def test_skills_are_replaced_and_the_version_moves(db: Session, courses: Courses, app_ctx: None) -> None:
    course = courses.course()
    version = course.version
    chat = courses.skill("chat-support").id
    services.update_course(db, course, data_of(course, skills={chat: 3}), version)
    assert {(t.skill_id, t.level) for t in course.skills} == {(chat, 3)}
    assert course.version == version + 1


def test_prerequisites_are_saved(db: Session, courses: Courses, make: Factory, app_ctx: None) -> None:
    first, second = make.course(), make.course()
    course = services.create_course(db, data(courses, prerequisite_ids=frozenset({first.id, second.id})))
    assert {c.id for c in course.prerequisites} == {first.id, second.id}


def test_a_course_cannot_require_itself(db: Session, courses: Courses, app_ctx: None) -> None:
    course = courses.course()
    with pytest.raises(services.InvalidCourse) as caught:
        services.update_course(
            db, course, data_of(course, prerequisite_ids=frozenset({course.id})), course.version
        )
    assert caught.value.field == "prerequisites"


def test_a_two_course_cycle_is_refused(db: Session, courses: Courses, make: Factory, app_ctx: None) -> None:
    a, b = courses.course(code="A-COURSE"), courses.course(code="B-COURSE")
    services.update_course(db, a, data_of(a, prerequisite_ids=frozenset({b.id})), a.version)
    version = b.version
    with pytest.raises(services.PrerequisiteCycle) as caught:
        services.update_course(db, b, data_of(b, prerequisite_ids=frozenset({a.id})), b.version)
    assert "A-COURSE → B-COURSE" in str(caught.value.message)
    db.expire_all()
    assert b.prerequisites == [] and b.version == version


def test_a_longer_cycle_is_refused_with_its_chain(db: Session, courses: Courses, app_ctx: None) -> None:
    a, b, c = (courses.course(code=code) for code in ("CYC-A", "CYC-B", "CYC-C"))
    services.update_course(db, a, data_of(a, prerequisite_ids=frozenset({b.id})), a.version)  # A needs B
    services.update_course(db, b, data_of(b, prerequisite_ids=frozenset({c.id})), b.version)  # B needs C
    with pytest.raises(services.PrerequisiteCycle) as caught:  # C needs A: a cycle
        services.update_course(db, c, data_of(c, prerequisite_ids=frozenset({a.id})), c.version)
    assert "CYC-A → CYC-B → CYC-C" in str(caught.value.message)


def test_a_diamond_is_not_a_cycle(db: Session, courses: Courses, app_ctx: None) -> None:
    top, left, right, base = (courses.course(code=code) for code in ("D-TOP", "D-LEFT", "D-RIGHT", "D-BASE"))
    services.update_course(db, left, data_of(left, prerequisite_ids=frozenset({base.id})), left.version)
    services.update_course(db, right, data_of(right, prerequisite_ids=frozenset({base.id})), right.version)
    services.update_course(
        db, top, data_of(top, prerequisite_ids=frozenset({left.id, right.id})), top.version
    )
    assert [c.code for c in top.prerequisites] == ["D-LEFT", "D-RIGHT"]


def test_publishing_needs_a_lesson_and_a_skill(db: Session, courses: Courses, app_ctx: None) -> None:
    with pytest.raises(services.NotReadyToPublish):
        services.create_course(db, data(courses, status=CourseStatus.PUBLISHED))
    empty = services.create_course(db, data(courses))
    with pytest.raises(services.NotReadyToPublish) as caught:
        services.set_status(db, empty, CourseStatus.PUBLISHED, empty.version)
    assert "lesson" in str(caught.value.message)
    ready = courses.course(status=CourseStatus.DRAFT)
    with pytest.raises(services.NotReadyToPublish) as caught:
        services.update_course(
            db, ready, data_of(ready, skills={}, status=CourseStatus.PUBLISHED), ready.version
        )
    assert "skill" in str(caught.value.message)
    services.set_status(db, ready, CourseStatus.PUBLISHED, ready.version)
    assert ready.status is CourseStatus.PUBLISHED


def test_publishing_needs_weights_that_total_100(
    db: Session, courses: Courses, make: Factory, app_ctx: None
) -> None:
    course = courses.course(status=CourseStatus.DRAFT)
    services.set_status(db, course, CourseStatus.PUBLISHED, course.version)  # no assessments at all: fine
    services.set_status(db, course, CourseStatus.DRAFT, course.version)
    make.assessment(course, weight=60)
    task = make.assessment(course, weight=30)
    with pytest.raises(services.NotReadyToPublish) as caught:
        services.set_status(db, course, CourseStatus.PUBLISHED, course.version)
    assert "add up to 90, not 100" in str(caught.value.message)
    with pytest.raises(services.NotReadyToPublish):
        services.update_course(db, course, data_of(course, status=CourseStatus.PUBLISHED), course.version)
    db.expire_all()
    assert course.status is CourseStatus.DRAFT
    task.weight = 50
    db.flush()
    with pytest.raises(services.NotReadyToPublish):  # over 100 is refused as well
        services.set_status(db, course, CourseStatus.PUBLISHED, course.version)
    task.weight = 40
    db.flush()
    services.set_status(db, course, CourseStatus.PUBLISHED, course.version)
    assert course.status is CourseStatus.PUBLISHED


def test_unpublish_and_stale_status_changes(db: Session, courses: Courses, app_ctx: None) -> None:
    course = courses.course()
    version = course.version
    services.set_status(db, course, CourseStatus.DRAFT, version)
    assert course.status is CourseStatus.DRAFT and course.version == version + 1
    with pytest.raises(Conflict):
        services.set_status(db, course, CourseStatus.PUBLISHED, version)
    assert course.status is CourseStatus.DRAFT


def test_a_stale_edit_changes_nothing(db: Session, courses: Courses, app_ctx: None) -> None:
    course = courses.course()
    version = course.version
    services.update_course(db, course, data_of(course, title_en="First"), version)
    with pytest.raises(Conflict):
        services.update_course(db, course, data_of(course, title_en="Second", skills={}), version)
    db.expire_all()
    assert course.title_en == "First" and len(course.skills) == 1


def test_search_by_code_track_and_status(db: Session, courses: Courses, make: Factory) -> None:
    make.course(code="KPO-ZETA", track=Track.KPO, status=CourseStatus.DRAFT, title_en="Zeta analytics")
    make.course(code="BPO-ZETA", track=Track.BPO)
    codes = lambda **kw: [c.code for c in db.scalars(services.search_courses(**kw))]  # noqa: E731
    assert codes(query="zeta") == ["BPO-ZETA", "KPO-ZETA"]
    assert codes(query="zeta", track=Track.KPO) == ["KPO-ZETA"]
    assert codes(query="ZETA", status=CourseStatus.PUBLISHED) == ["BPO-ZETA"]
    assert codes(query="analytics") == ["KPO-ZETA"]
    assert codes(query="100%_") == []


def test_count_content(db: Session, courses: Courses, make: Factory) -> None:
    full, empty = courses.course(modules=3, lessons=2), make.course()
    counts = services.count_content(db, [full.id, empty.id])
    assert counts[full.id] == services.ContentCount(3, 6) and empty.id not in counts
