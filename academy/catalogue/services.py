"""Reading the public catalogue: published courses, their upcoming cohorts, and a student's place.

Every function here answers with a fixed number of queries, whatever the number of courses, cohorts
or enrolments: the page of courses, then one query for all their cohorts and one per eager-loaded
relationship. Nothing here writes; enrolling and withdrawing are academy.cohorts.services.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.cohorts.services import waitlist_position
from academy.courses.models import Course, CourseModule, CourseSkill, CourseStatus, Lesson
from academy.errors import NotFound
from academy.pagination import Page, paginate
from academy.skills.models import Skill
from academy.tracks import Track

ONLINE = "online"  # the region filter's value for cohorts taught online
PER_PAGE = 10
COHORTS_PER_COURSE = 3  # on a catalogue card; the course page lists them all
MAX_SEARCH_WORDS = 6
# Uzbek Latin writes oʻ/gʻ and the glottal stop with modifier letters; people type ' or ’ or `.
APOSTROPHES = ("ʻ", "ʼ", "‘", "’", "`", "´")


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the catalogue to; None (or "") means "any"."""

    region: str | None = None  # a region code, or ONLINE
    track: Track | None = None
    language: str | None = None  # of instruction
    skill: str | None = None  # a skill code
    month: date | None = None  # the first day of the month cohorts start in
    text: str = ""

    @property
    def narrows_cohorts(self) -> bool:
        return bool(self.region or self.language or self.month)


@dataclass
class CourseResult:
    """One card of the catalogue: a course, its soonest matching cohorts and how many more there are."""

    course: Course
    cohorts: list[Cohort] = field(default_factory=list)
    more_cohorts: int = 0


@dataclass
class Place:
    """A student's enrolment in a cohort, and their position when waitlisted."""

    enrolment: Enrolment | None = None
    position: int | None = None

    @property
    def status(self) -> EnrolmentStatus | None:
        return self.enrolment.status if self.enrolment is not None else None

    @property
    def active(self) -> bool:
        return self.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)


def fold(text: str) -> str:
    """``text`` as the search compares it: lower case, every apostrophe look-alike made ``'``."""
    text = text.lower()
    for mark in APOSTROPHES:
        text = text.replace(mark, "'")
    return text


def _folded(column: SQLColumnExpression[str]) -> ColumnElement[str]:
    expression = func.lower(column)
    for mark in APOSTROPHES[:4]:  # the ones stored text may hold
        expression = func.replace(expression, mark, "'")
    return expression


def _like_pattern(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _text_matches(text: str) -> ColumnElement[bool] | None:
    """Every word of ``text`` in the course code, or a title or description in any language."""
    words = fold(text).split()[:MAX_SEARCH_WORDS]
    if not words:
        return None
    columns = (
        Course.code,
        Course.title_uz,
        Course.title_ru,
        Course.title_en,
        Course.description_uz,
        Course.description_ru,
        Course.description_en,
    )
    return and_(
        *(
            or_(*(_folded(column).like(_like_pattern(word), escape="\\") for column in columns))
            for word in words
        )
    )


def next_month(first: date) -> date:
    """The first day of the month after ``first``'s."""
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def cohort_conditions(filters: Filters, today: date) -> list[ColumnElement[bool]]:
    """Which cohorts a card shows: not over yet, and matching the cohort filters."""
    conditions: list[ColumnElement[bool]] = [Cohort.ends_on >= today]
    if filters.region == ONLINE:
        conditions.append(Cohort.region_code.is_(None))
    elif filters.region:
        conditions.append(Cohort.region_code == filters.region)
    if filters.language:
        conditions.append(Cohort.language == filters.language)
    if filters.month:
        conditions += [Cohort.starts_on >= filters.month, Cohort.starts_on < next_month(filters.month)]
    return conditions


def find_courses(
    session: Session, filters: Filters, today: date, page: int = 1, per_page: int = PER_PAGE
) -> Page[CourseResult]:
    """Published courses matching ``filters``, the soonest-starting first, with their upcoming cohorts.

    Courses without a cohort to come are listed last, unless a cohort filter (region, language,
    month) is set: then only courses with a matching cohort are.
    """
    conditions = cohort_conditions(filters, today)
    # One pass over the matching cohorts gives each course its next start. (A correlated min() per
    # course would let PostgreSQL walk the starts_on index through every past cohort, per course.)
    upcoming = (
        select(Cohort.course_id, func.min(Cohort.starts_on).label("next_start"))
        .where(*conditions)
        .group_by(Cohort.course_id)
        .subquery("upcoming")
    )
    stmt = (
        select(Course)
        .join(upcoming, upcoming.c.course_id == Course.id, isouter=not filters.narrows_cohorts)
        .where(Course.status == CourseStatus.PUBLISHED)
        .options(selectinload(Course.skills).joinedload(CourseSkill.skill))
    )
    if filters.track:
        stmt = stmt.where(Course.track == filters.track)
    if filters.skill:
        stmt = stmt.where(
            exists()
            .where(CourseSkill.course_id == Course.id, CourseSkill.skill_id == Skill.id)
            .where(Skill.code == filters.skill)
        )
    matches = _text_matches(filters.text)
    if matches is not None:
        stmt = stmt.where(matches)
    stmt = stmt.order_by(upcoming.c.next_start.asc().nulls_last(), Course.code)
    courses: Page[Course] = paginate(session, stmt, page, per_page)
    results = {course.id: CourseResult(course) for course in courses.items}
    if results:
        for cohort, total in _soonest_cohorts(session, list(results), conditions):
            result = results[cohort.course_id]
            result.cohorts.append(cohort)
            result.more_cohorts = total - len(result.cohorts)
    return Page(items=list(results.values()), page=courses.page, per_page=per_page, total=courses.total)


def _soonest_cohorts(
    session: Session, course_ids: list[int], conditions: list[ColumnElement[bool]]
) -> Sequence[tuple[Cohort, int]]:
    """The first COHORTS_PER_COURSE matching cohorts of each course, each with its course's total."""
    ranked = (
        select(
            Cohort.id,
            func.row_number()
            .over(partition_by=Cohort.course_id, order_by=(Cohort.starts_on, Cohort.code))
            .label("rank"),
            func.count().over(partition_by=Cohort.course_id).label("total"),
        )
        .where(Cohort.course_id.in_(course_ids), *conditions)
        .subquery()
    )
    rows = session.execute(
        select(Cohort, ranked.c.total)
        .join(ranked, ranked.c.id == Cohort.id)
        .where(ranked.c.rank <= COHORTS_PER_COURSE)
        .options(joinedload(Cohort.region))
        .order_by(Cohort.course_id, Cohort.starts_on, Cohort.code)
    ).all()
    return [(cohort, int(total)) for cohort, total in rows]


def _may_see_drafts(viewer: User | None) -> bool:
    return viewer is not None and viewer.is_authenticated and viewer.role is Role.ADMIN


def get_course(session: Session, code: str, viewer: User | None) -> Course:
    """The course with ``code``, its skills, prerequisites and outline (titles only, no lesson bodies).

    A draft is found for administrators only; anyone else gets NotFound.
    """
    course = session.scalar(
        select(Course)
        .where(Course.code == code)
        .options(
            selectinload(Course.skills).joinedload(CourseSkill.skill),
            selectinload(Course.prerequisites),
            selectinload(Course.modules)
            .load_only(CourseModule.title, CourseModule.position)
            .selectinload(CourseModule.lessons)
            .load_only(Lesson.title, Lesson.position, Lesson.minutes),
        )
    )
    if course is None or (course.status is not CourseStatus.PUBLISHED and not _may_see_drafts(viewer)):
        raise NotFound()
    return course


def upcoming_cohorts(session: Session, course: Course, today: date) -> Sequence[Cohort]:
    """Every cohort of ``course`` that has not ended, the soonest first."""
    return session.scalars(
        select(Cohort)
        .where(Cohort.course_id == course.id, Cohort.ends_on >= today)
        .options(joinedload(Cohort.region))
        .order_by(Cohort.starts_on, Cohort.code)
    ).all()


def get_cohort(session: Session, code: str, viewer: User | None) -> Cohort:
    """The cohort with ``code`` with its course, region, instructors and timetable.

    A cohort of a draft course is found for administrators only; anyone else gets NotFound.
    """
    cohort = session.scalar(
        select(Cohort)
        .where(Cohort.code == code)
        .options(
            joinedload(Cohort.course).selectinload(Course.prerequisites),
            joinedload(Cohort.region),
            selectinload(Cohort.instructors),
            selectinload(Cohort.sessions),
        )
    )
    if cohort is None or (cohort.course.status is not CourseStatus.PUBLISHED and not _may_see_drafts(viewer)):
        raise NotFound()
    return cohort


def place_of(session: Session, cohort: Cohort, student: User) -> Place:
    """``student``'s enrolment in ``cohort`` (if any), with the waitlist position when waitlisted."""
    enrolment = session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.student_id == student.id)
    )
    if enrolment is None:
        return Place()
    return Place(enrolment, waitlist_position(session, enrolment))


def sees_session_links(cohort: Cohort, viewer: User | None, place: Place) -> bool:
    """Online session links are for the cohort's enrolled students, its instructors and administrators."""
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.role is Role.ADMIN:
        return True
    if viewer.role is Role.INSTRUCTOR:
        return any(instructor.id == viewer.id for instructor in cohort.instructors)
    return place.status is EnrolmentStatus.ENROLLED


def skills_for_choice(session: Session) -> Sequence[Skill]:
    """Skills taught by at least one published course (the catalogue's skill filter)."""
    return session.scalars(
        select(Skill)
        .where(
            exists().where(
                CourseSkill.skill_id == Skill.id,
                CourseSkill.course_id == Course.id,
                Course.status == CourseStatus.PUBLISHED,
            )
        )
        .order_by(Skill.code)
    ).all()
