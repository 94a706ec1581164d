"""Modules and ordered lessons: adding, renaming, moving, deleting, and the Markdown saved with them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.courses import content
from academy.courses.models import CourseModule, CourseStatus, Lesson, LessonProgress
from academy.courses.services import InvalidCourse
from academy.errors import Conflict, NotFound
from tests.conftest import Factory
from tests.courses.conftest import Courses


def titles(courses: Courses, course_id: int) -> list[str]:
    courses.session.expire_all()
    outline = content.course_outline(courses.session, course_id)
    assert outline is not None
    return [f"{m.title}: " + ", ".join(lesson.title for lesson in m.lessons) for m in outline.modules]


def test_modules_and_lessons_are_added_at_the_end(db: Session, courses: Courses, app_ctx: None) -> None:
    course = courses.course(modules=1, lessons=1)
    module = content.add_module(db, course, "  Wrap-up ")
    assert module.position == 2 and module.title == "Wrap-up"
    lesson = content.add_lesson(db, module, content.LessonData("Recap", 20, "# Recap\n\n<script>x</script>"))
    assert lesson.position == 1 and lesson.minutes == 20
    assert lesson.body_html == "<h2>Recap</h2>\n<p>&lt;script&gt;x&lt;/script&gt;</p>\n"
    assert titles(courses, course.id) == ["Module 1: Lesson 1.1", "Wrap-up: Recap"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (content.LessonData("", 10, ""), "title"),
        (content.LessonData("x" * 201, 10, ""), "title"),
        (content.LessonData("Ok", 0, ""), "minutes"),
        (content.LessonData("Ok", 601, ""), "minutes"),
        (content.LessonData("Ok", 10, "x" * 50_001), "body_markdown"),
    ],
)
def test_bad_lessons_are_refused(
    db: Session, courses: Courses, app_ctx: None, data: content.LessonData, field: str
) -> None:
    module = courses.course(modules=1, lessons=0).modules[0]
    with pytest.raises(InvalidCourse) as caught:
        content.add_lesson(db, module, data)
    assert caught.value.field == field
    assert db.scalar(select(func.count()).select_from(Lesson).where(Lesson.module_id == module.id)) == 0


def test_editing_a_lesson_renders_it_again(db: Session, courses: Courses, app_ctx: None) -> None:
    lesson = courses.lessons(courses.course(modules=1, lessons=1))[0]
    version = lesson.version
    content.update_lesson(db, lesson, content.LessonData("New", 5, "[site](https://academy.uz)"), version)
    assert lesson.version == version + 1
    assert 'rel="noopener noreferrer nofollow"' in lesson.body_html


def test_stale_lesson_and_module_edits_change_nothing(db: Session, courses: Courses, app_ctx: None) -> None:
    course = courses.course(modules=1, lessons=1)
    lesson, module = courses.lessons(course)[0], course.modules[0]
    content.update_lesson(db, lesson, content.LessonData("Theirs", 5, "theirs"), lesson.version)
    with pytest.raises(Conflict):
        content.update_lesson(db, lesson, content.LessonData("Mine", 5, "mine"), lesson.version - 1)
    content.rename_module(db, module, "Theirs", module.version)
    with pytest.raises(Conflict):
        content.rename_module(db, module, "Mine", module.version - 1)
    with pytest.raises(Conflict):
        content.delete_module(db, module, module.version - 1)
    db.expire_all()
    assert lesson.title == "Theirs" and lesson.body_markdown == "theirs" and module.title == "Theirs"


def test_moving_modules_and_lessons(db: Session, courses: Courses) -> None:
    course = courses.course(modules=3, lessons=3)
    modules = list(course.modules)
    versions = [m.version for m in modules]
    content.move_module(db, modules[2], "up")
    content.move_module(db, modules[0], "up")  # already first: nothing moves
    assert [m.split(":")[0] for m in titles(courses, course.id)] == ["Module 1", "Module 3", "Module 2"]
    assert [m.version for m in modules] == versions  # a move does not make an open rename form stale
    lessons = courses.lessons(course)[:3]
    content.move_lesson(db, lessons[0], "down")
    content.move_lesson(db, lessons[0], "down")
    content.move_lesson(db, lessons[0], "down")  # already last
    assert titles(courses, course.id)[0] == "Module 1: Lesson 1.2, Lesson 1.3, Lesson 1.1"


def test_deleting_renumbers_and_removes_progress(
    db: Session, courses: Courses, make: Factory, app_ctx: None
) -> None:
    course = courses.course(modules=3, lessons=2)
    student = make.user(Role.STUDENT)
    doomed = course.modules[1]
    for lesson in doomed.lessons:
        db.add(LessonProgress(student_id=student.id, lesson_id=lesson.id))
    db.flush()
    content.delete_module(db, doomed, doomed.version)
    positions = db.scalars(
        select(CourseModule.position)
        .where(CourseModule.course_id == course.id)
        .order_by(CourseModule.position)
    ).all()
    assert positions == [1, 2]
    assert db.scalar(select(func.count()).select_from(LessonProgress)) == 0
    first = courses.lessons(course)[0]
    content.delete_lesson(db, first, first.version)
    assert [lesson.position for lesson in courses.lessons(course)] == [1, 1, 2]


def test_a_published_course_keeps_a_lesson(db: Session, courses: Courses, app_ctx: None) -> None:
    course = courses.course(modules=2, lessons=1)
    first, last = courses.lessons(course)
    content.delete_lesson(db, first, first.version)
    with pytest.raises(content.LastLessonOfPublishedCourse):
        content.delete_lesson(db, last, last.version)
    with pytest.raises(content.LastLessonOfPublishedCourse):
        content.delete_module(db, last.module, last.module.version)
    draft = courses.course(modules=1, lessons=1, status=CourseStatus.DRAFT)
    content.delete_module(db, draft.modules[0], draft.modules[0].version)


def test_ids_from_another_course_are_not_found(db: Session, courses: Courses, app_ctx: None) -> None:
    mine, other = courses.course(), courses.course()
    with pytest.raises(NotFound):
        content.module_of(db, mine, other.modules[0].id)
    with pytest.raises(NotFound):
        content.lesson_of(db, mine, courses.lessons(other)[0].id)
    assert content.lesson_of(db, other, courses.lessons(other)[0].id).module.course_id == other.id
