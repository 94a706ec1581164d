"""A course's content: modules of ordered lessons, written in Markdown and stored rendered and sanitised.

Positions count from 1 within a course (modules) or a module (lessons). Moving swaps neighbours and
renumbers the siblings with plain UPDATEs, so that a move does not bump the versions that guard
renaming and editing. A published course keeps at least one lesson: deleting the last one is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, defer, selectinload

from academy.courses.markdown import render_lesson_markdown
from academy.courses.models import Course, CourseModule, CourseStatus, Lesson
from academy.courses.services import InvalidCourse
from academy.db import utcnow
from academy.errors import DomainError, NotFound
from academy.versions import check_version, flush_or_conflict

log = logging.getLogger(__name__)

Direction = Literal["up", "down"]
MAX_MINUTES = 600
MAX_BODY = 50_000


class LastLessonOfPublishedCourse(DomainError):
    message = _l("A published course keeps at least one lesson. Unpublish the course first.")
    status = 409


@dataclass(frozen=True)
class LessonData:
    title: str
    minutes: int
    body_markdown: str


def course_outline(session: Session, course_id: int) -> Course | None:
    """The course with its modules and their lessons' titles loaded (three queries whatever their
    number); a lesson's text is loaded when it is read."""
    return session.scalar(
        select(Course)
        .where(Course.id == course_id)
        .options(
            selectinload(Course.modules)
            .selectinload(CourseModule.lessons)
            .options(defer(Lesson.body_markdown), defer(Lesson.body_html))
        )
    )


def module_of(session: Session, course: Course, module_id: int) -> CourseModule:
    """Module ``module_id`` of ``course``; ``NotFound`` when it belongs to another course."""
    module = session.get(CourseModule, module_id)
    if module is None or module.course_id != course.id:
        raise NotFound()
    return module


def lesson_of(session: Session, course: Course, lesson_id: int) -> Lesson:
    """Lesson ``lesson_id`` of ``course``; ``NotFound`` when it belongs to another course."""
    lesson = session.scalar(
        select(Lesson)
        .join(CourseModule, CourseModule.id == Lesson.module_id)
        .where(Lesson.id == lesson_id, CourseModule.course_id == course.id)
    )
    if lesson is None:
        raise NotFound()
    return lesson


def _title(raw: str) -> str:
    title = raw.strip()
    if not title or len(title) > 200:
        raise InvalidCourse("title", _l("A title has from 1 to 200 characters."))
    return title


def add_module(session: Session, course: Course, title: str) -> CourseModule:
    last = session.scalar(select(func.max(CourseModule.position)).where(CourseModule.course_id == course.id))
    module = CourseModule(course_id=course.id, position=(last or 0) + 1, title=_title(title))
    session.add(module)
    flush_or_conflict(session)
    log.info("module %s added to course %s", module.id, course.code)
    return module


def rename_module(session: Session, module: CourseModule, title: str, version: int | None) -> CourseModule:
    check_version(module, version)
    module.title = _title(title)
    flush_or_conflict(session)
    return module


def _keep_a_lesson(session: Session, course: Course, losing: int) -> None:
    """Refuse to take ``losing`` lessons away when that leaves a published course with none."""
    if course.status is not CourseStatus.PUBLISHED or losing == 0:
        return
    total = session.scalar(
        select(func.count(Lesson.id))
        .join(CourseModule, CourseModule.id == Lesson.module_id)
        .where(CourseModule.course_id == course.id)
    )
    if (total or 0) <= losing:
        raise LastLessonOfPublishedCourse()


def delete_module(session: Session, module: CourseModule, version: int | None) -> None:
    """Delete ``module`` with its lessons and the progress students made in them."""
    check_version(module, version)
    _keep_a_lesson(session, module.course, len(module.lessons))
    course_id = module.course_id
    session.delete(module)
    flush_or_conflict(session)
    _renumber(session, _modules(session, course_id))
    log.info("module %s of course %s deleted", module.id, course_id)


def _modules(session: Session, course_id: int) -> list[CourseModule]:
    return list(
        session.scalars(
            select(CourseModule)
            .where(CourseModule.course_id == course_id)
            .order_by(CourseModule.position, CourseModule.id)
        )
    )


def _lessons(session: Session, module_id: int) -> list[Lesson]:
    return list(
        session.scalars(
            select(Lesson).where(Lesson.module_id == module_id).order_by(Lesson.position, Lesson.id)
        )
    )


def _renumber(session: Session, rows: Sequence[CourseModule | Lesson]) -> None:
    """Positions 1..n in the order given, written without touching the rows' versions."""
    for position, row in enumerate(rows, start=1):
        if row.position != position:
            session.execute(update(type(row)).where(type(row).id == row.id).values(position=position))


def _move(
    session: Session, rows: list[CourseModule] | list[Lesson], row_id: int, direction: Direction
) -> None:
    order: list[CourseModule | Lesson] = list(rows)
    index = next(i for i, row in enumerate(order) if row.id == row_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    _renumber(session, order)


def move_module(session: Session, module: CourseModule, direction: Direction) -> None:
    """Swap ``module`` with its neighbour above or below; at either end nothing moves."""
    _move(session, _modules(session, module.course_id), module.id, direction)


def move_lesson(session: Session, lesson: Lesson, direction: Direction) -> None:
    """Swap ``lesson`` with its neighbour in the module; at either end nothing moves."""
    _move(session, _lessons(session, lesson.module_id), lesson.id, direction)


def _lesson_fields(lesson: Lesson, data: LessonData) -> None:
    if not 1 <= data.minutes <= MAX_MINUTES:
        raise InvalidCourse("minutes", _l("From 1 to %(most)s minutes.", most=MAX_MINUTES))
    if len(data.body_markdown) > MAX_BODY:
        raise InvalidCourse("body_markdown", _l("A lesson has at most %(most)s characters.", most=MAX_BODY))
    lesson.title = _title(data.title)
    lesson.minutes = data.minutes
    lesson.body_markdown = data.body_markdown
    lesson.body_html = render_lesson_markdown(data.body_markdown)
    lesson.updated_at = utcnow()


def add_lesson(session: Session, module: CourseModule, data: LessonData) -> Lesson:
    last = session.scalar(select(func.max(Lesson.position)).where(Lesson.module_id == module.id))
    lesson = Lesson(module_id=module.id, position=(last or 0) + 1)
    _lesson_fields(lesson, data)
    session.add(lesson)
    flush_or_conflict(session)
    log.info("lesson %s added to module %s", lesson.id, module.id)
    return lesson


def update_lesson(session: Session, lesson: Lesson, data: LessonData, version: int | None) -> Lesson:
    check_version(lesson, version)
    _lesson_fields(lesson, data)
    flush_or_conflict(session)
    return lesson


def delete_lesson(session: Session, lesson: Lesson, version: int | None) -> None:
    """Delete ``lesson`` and the progress students made in it."""
    check_version(lesson, version)
    _keep_a_lesson(session, lesson.module.course, 1)
    module_id = lesson.module_id
    session.delete(lesson)
    flush_or_conflict(session)
    _renumber(session, _lessons(session, module_id))
    log.info("lesson %s of module %s deleted", lesson.id, module_id)
