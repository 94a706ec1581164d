"""Course authoring: a course's details, the skills it teaches, its prerequisites, and publishing.

A published course teaches at least one skill and has at least one lesson; the weights of its
assessments, when it has any, total exactly 100, and stay so (``academy.grading.authoring_weights``).
Prerequisites never form a cycle (a course cannot, through any chain, require itself). Every edit
carries the version it was made on; a save over a newer version is a ``Conflict``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from academy.courses.models import (
    Course,
    CourseModule,
    CourseSkill,
    CourseStatus,
    Lesson,
    course_prerequisites,
)
from academy.errors import DomainError, NotFound
from academy.grading.models import Assessment
from academy.skills.models import Skill
from academy.tracks import Track
from academy.versions import check_version, flush_or_conflict

log = logging.getLogger(__name__)

COURSE_CODE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
LANGUAGES = ("uz", "ru", "en")
MAX_HOURS = 2000
MAX_CERTIFICATE_MONTHS = 120  # ten years


class InvalidCourse(DomainError):
    """A value outside what a course allows; ``field`` names the form field."""

    def __init__(self, field: str, message: object) -> None:
        self.field = field
        super().__init__(message)


class DuplicateCourseCode(DomainError):
    message = _l("Another course already has this code.")
    field = "code"
    status = 409


class SkillLevelOutOfRange(DomainError):
    field = "skills"

    def __init__(self, skill: Skill, level: int) -> None:
        super().__init__(
            _l(
                "%(skill)s has levels 1 to %(most)s; level %(level)s does not exist.",
                skill=skill.code,
                most=skill.max_level,
                level=level,
            )
        )


class PrerequisiteCycle(DomainError):
    field = "prerequisites"
    status = 409

    def __init__(self, prerequisite: str, chain: Sequence[str]) -> None:
        super().__init__(
            _l(
                "%(course)s cannot be a prerequisite: it already requires this course (%(chain)s).",
                course=prerequisite,
                chain=" → ".join(chain),
            )
        )


class NotReadyToPublish(DomainError):
    field = "status"
    status = 409


@dataclass(frozen=True)
class CourseData:
    """What an administrator fills in for a course. ``skills`` maps a skill id to the level reached."""

    code: str
    track: Track
    title_uz: str
    title_ru: str
    title_en: str
    hours: int
    language: str
    pass_mark: int
    status: CourseStatus = CourseStatus.DRAFT
    description_uz: str = ""
    description_ru: str = ""
    description_en: str = ""
    skills: Mapping[int, int] = field(default_factory=dict)
    prerequisite_ids: frozenset[int] = frozenset()
    certificate_valid_months: int | None = None  # None: its certificates never expire


def normalise_code(raw: str) -> str:
    return raw.strip().upper()


def search_courses(
    track: Track | None = None, status: CourseStatus | None = None, query: str = ""
) -> Select[Course]:
    """Courses for the administrators' list, newest code first, with what the list shows loaded."""
    stmt = (
        select(Course)
        .options(selectinload(Course.skills).selectinload(CourseSkill.skill))
        .order_by(Course.code)
    )
    if track is not None:
        stmt = stmt.where(Course.track == track)
    if status is not None:
        stmt = stmt.where(Course.status == status)
    query = query.strip()
    if query:
        stmt = stmt.where(
            or_(
                Course.code.contains(query.upper(), autoescape=True),
                *(
                    func.lower(getattr(Course, f"title_{locale}")).contains(query.lower(), autoescape=True)
                    for locale in LANGUAGES
                ),
            )
        )
    return stmt


@dataclass(frozen=True)
class ContentCount:
    modules: int = 0
    lessons: int = 0


def count_content(session: Session, course_ids: Iterable[int]) -> dict[int, ContentCount]:
    """Modules and lessons per course, in one query."""
    ids = list(course_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(CourseModule.course_id, func.count(func.distinct(CourseModule.id)), func.count(Lesson.id))
        .outerjoin(Lesson, Lesson.module_id == CourseModule.id)
        .where(CourseModule.course_id.in_(ids))
        .group_by(CourseModule.course_id)
    )
    return {course_id: ContentCount(modules, lessons) for course_id, modules, lessons in rows}


def _validate(session: Session, data: CourseData, course: Course | None) -> str:
    code = normalise_code(data.code)
    if not COURSE_CODE.match(code) or len(code) > 20:
        raise InvalidCourse("code", _l("Use capital letters, digits and single dashes, such as BPO-CC-EN."))
    clash = session.scalar(select(Course.id).where(Course.code == code))
    if clash is not None and (course is None or clash != course.id):
        raise DuplicateCourseCode()
    if not 1 <= data.hours <= MAX_HOURS:
        raise InvalidCourse("hours", _l("From 1 to %(most)s hours.", most=MAX_HOURS))
    if not 0 <= data.pass_mark <= 100:
        raise InvalidCourse("pass_mark", _l("A pass mark is a percentage, from 0 to 100."))
    if data.language not in LANGUAGES:
        raise InvalidCourse("language", _l("Choose Uzbek, Russian or English."))
    months = data.certificate_valid_months
    if months is not None and not 1 <= months <= MAX_CERTIFICATE_MONTHS:
        raise InvalidCourse(
            "certificate_valid_months",
            _l(
                "From 1 to %(most)s months, or empty for certificates that never expire.",
                most=MAX_CERTIFICATE_MONTHS,
            ),
        )
    return code


def _check_skills(session: Session, wanted: Mapping[int, int]) -> None:
    skills = {s.id: s for s in session.scalars(select(Skill).where(Skill.id.in_(list(wanted))))}
    for skill_id, level in wanted.items():
        skill = skills.get(skill_id)
        if skill is None:
            raise InvalidCourse("skills", _l("One of the skills no longer exists. Reload the page."))
        if not 1 <= level <= skill.max_level:
            raise SkillLevelOutOfRange(skill, level)


def _prerequisite_graph(session: Session) -> dict[int, set[int]]:
    graph: dict[int, set[int]] = {}
    for course_id, prerequisite_id in session.execute(select(course_prerequisites)):
        graph.setdefault(course_id, set()).add(prerequisite_id)
    return graph


def _chain(graph: Mapping[int, set[int]], start: int, goal: int) -> list[int] | None:
    """A path of prerequisites from ``start`` to ``goal``, or None (breadth first: the shortest)."""
    came_from: dict[int, int | None] = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        if node == goal:
            path = [node]
            while (previous := came_from[path[-1]]) is not None:
                path.append(previous)
            return path[::-1]
        for nxt in sorted(graph.get(node, ())):
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    return None


def _check_prerequisites(session: Session, course: Course | None, wanted: frozenset[int]) -> list[Course]:
    prerequisites = list(session.scalars(select(Course).where(Course.id.in_(list(wanted)))))
    if len(prerequisites) != len(wanted):
        raise InvalidCourse("prerequisites", _l("One of the courses no longer exists. Reload the page."))
    if course is None or course.id is None:
        return prerequisites  # nothing can require a course that does not exist yet
    if course.id in wanted:
        raise InvalidCourse("prerequisites", _l("A course cannot be its own prerequisite."))
    graph = _prerequisite_graph(session)
    graph.pop(course.id, None)  # this course's prerequisites are being replaced
    for prerequisite in sorted(prerequisites, key=lambda c: c.code):
        chain = _chain(graph, prerequisite.id, course.id)
        if chain is not None:
            rows = session.execute(select(Course.id, Course.code).where(Course.id.in_(chain)))
            codes = {id_: code for id_, code in rows}
            raise PrerequisiteCycle(prerequisite.code, [codes[i] for i in chain])
    return prerequisites


def has_lessons(session: Session, course: Course) -> bool:
    return bool(
        session.scalar(
            select(func.count(Lesson.id))
            .join(CourseModule, CourseModule.id == Lesson.module_id)
            .where(CourseModule.course_id == course.id)
        )
    )


def hold_course(session: Session, course: Course) -> CourseStatus:
    """Lock the course's row until the transaction ends and read its status as committed.

    Publishing and every change of its assessments' total weight take this lock first, so that a
    publication never reads the weights while another transaction is changing them, nor a weight
    change a status that is being changed (FOR NO KEY UPDATE: rows that refer to the course still
    come and go). Always before an assessment's row, so that two transactions never wait on each
    other."""
    status = session.scalar(
        select(Course.status).where(Course.id == course.id).with_for_update(key_share=True)
    )
    if status is None:
        raise NotFound()
    return status


def _check_publishable(session: Session, course: Course | None, skill_count: int) -> None:
    if skill_count == 0:
        raise NotReadyToPublish(_l("A published course teaches at least one skill."))
    if course is None or course.id is None or not has_lessons(session, course):
        raise NotReadyToPublish(
            _l("A course needs at least one module with a lesson before it is published.")
        )
    hold_course(session, course)
    count, total = session.execute(
        select(func.count(Assessment.id), func.coalesce(func.sum(Assessment.weight), 0)).where(
            Assessment.course_id == course.id
        )
    ).one()
    if count and total != 100:
        raise NotReadyToPublish(
            _l(
                "The weights of the course's assessments add up to %(total)s, not 100. "
                "Adjust them before publishing the course.",
                total=total,
            )
        )


def _apply(
    session: Session, course: Course, data: CourseData, code: str, prerequisites: list[Course]
) -> None:
    course.code = code
    course.track = data.track
    for name in ("title", "description"):
        for locale in LANGUAGES:
            setattr(course, f"{name}_{locale}", getattr(data, f"{name}_{locale}").strip())
    course.hours = data.hours
    course.language = data.language
    course.pass_mark = data.pass_mark
    course.certificate_valid_months = data.certificate_valid_months
    course.status = data.status
    kept = []
    for taught in course.skills:
        if taught.skill_id in data.skills:
            taught.level = data.skills[taught.skill_id]
            kept.append(taught)
    have = {taught.skill_id for taught in kept}
    kept += [CourseSkill(skill_id=s, level=lvl) for s, lvl in data.skills.items() if s not in have]
    course.skills = kept
    course.prerequisites = sorted(prerequisites, key=lambda c: c.code)


def _flush(session: Session) -> None:
    try:
        flush_or_conflict(session)
    except IntegrityError as error:  # the code was taken by a concurrent request
        raise DuplicateCourseCode() from error


def create_course(session: Session, data: CourseData) -> Course:
    code = _validate(session, data, None)
    _check_skills(session, data.skills)
    prerequisites = _check_prerequisites(session, None, data.prerequisite_ids)
    if data.status is CourseStatus.PUBLISHED:
        _check_publishable(session, None, len(data.skills))
    course = Course(skills=[], prerequisites=[])
    _apply(session, course, data, code, prerequisites)
    session.add(course)
    _flush(session)
    log.info("course %s created", course.code)
    return course


def update_course(session: Session, course: Course, data: CourseData, version: int | None) -> Course:
    """Save an edit made on version ``version`` of ``course``; ``Conflict`` if it has changed since."""
    check_version(course, version)
    code = _validate(session, data, course)
    _check_skills(session, data.skills)
    prerequisites = _check_prerequisites(session, course, data.prerequisite_ids)
    if data.status is CourseStatus.PUBLISHED:
        _check_publishable(session, course, len(data.skills))
    _apply(session, course, data, code, prerequisites)
    # Skills and prerequisites live in other tables: mark the row so that every save bumps the version.
    flag_modified(course, "status")
    _flush(session)
    log.info("course %s updated to version %s", course.code, course.version)
    return course


def set_status(session: Session, course: Course, status: CourseStatus, version: int | None) -> Course:
    """Publish or unpublish ``course`` as seen at ``version``."""
    check_version(course, version)
    if status is CourseStatus.PUBLISHED:
        _check_publishable(session, course, len(course.skills))
    course.status = status
    flag_modified(course, "status")
    _flush(session)
    log.info("course %s is now %s", course.code, status.value)
    return course


def other_courses(session: Session, course: Course | None = None) -> list[Course]:
    """Every course but ``course``, by code: the candidates for its prerequisites."""
    stmt = select(Course).order_by(Course.code)
    if course is not None and course.id is not None:
        stmt = stmt.where(Course.id != course.id)
    return list(session.scalars(stmt))
