"""A cohort with a gradebook for the gradebook, history and release tests (its instructor, students
with names that sort, assessments whose weights total 100), and saving a cell as the editor does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment
from academy.cohorts.timetable import to_local
from academy.db import utcnow
from academy.grading.models import Assessment, AssessmentKind, GradeChange, RubricCriterion, RubricLevel
from academy.grading.services import GradeValue, save_grade
from tests.conftest import Browser, Factory, QueryCounter

JSON = {"Accept": "application/json"}  # what the inline editor sends


@dataclass
class Book:
    cohort: Cohort
    teacher: User
    tasks: list[Assessment]
    enrolments: list[Enrolment]
    db: Session = field(repr=False)

    @property
    def url(self) -> str:
        return f"/teach/cohorts/{self.cohort.code}/gradebook"

    def grade(self, task: int, student: int, points: float | None = None, excused: bool = False) -> int:
        """Grade one cell as the instructor; its new version."""
        grade = save_grade(
            self.db,
            self.tasks[task],
            self.enrolments[student],
            GradeValue(points=points, excused=excused),
            None,
            self.teacher,
        )
        self.db.flush()
        return grade.version


def make_book(
    db: Session,
    make: Factory,
    students: int = 3,
    assessments: int = 2,
    kinds: tuple[AssessmentKind, ...] = (AssessmentKind.EXAM,),
    **cohort_fields: object,
) -> Book:
    """A running cohort (started two weeks ago) taught by a new instructor."""
    teacher = make.user(Role.INSTRUCTOR)
    today = to_local(utcnow()).date()
    values: dict[str, object] = {
        "starts_on": today - timedelta(days=14),
        "ends_on": today + timedelta(days=60),
    }
    values.update(cohort_fields)
    cohort = make.cohort(**values)
    cohort.instructors.append(teacher)
    weights = [100 // assessments] * assessments
    weights[0] += 100 - sum(weights)
    tasks = [
        make.assessment(
            cohort.course,
            kind=kinds[i % len(kinds)],
            title=f"Task {i + 1}",
            weight=weights[i],
            max_points=20,
            position=i,
            due_day=30,
        )
        for i in range(assessments)
    ]
    names = ["Karimov", "Aliyeva", "Nazarov", "Bakirova", "Usmonov", "Ergasheva"]
    enrolments = [
        make.enrolment(
            cohort,
            make.user(
                first_name=f"Student{n}",
                last_name=f"{names[n % len(names)]}{n // len(names) or ''}",
                email=f"gb{n}-{cohort.code.lower()}@example.uz",
            ),
        )
        for n in range(students)
    ]
    db.flush()
    return Book(cohort, teacher, tasks, enrolments, db)


def cell_link(book: Book, task: int, student: int) -> str:
    return f"{book.url}/{book.tasks[task].id}/{book.enrolments[student].id}"


def save(
    browser: Browser,
    book: Book,
    task: int,
    student: int,
    points: str,
    version: int,
    as_json: bool = True,
    **extra: object,
) -> TestResponse:
    data = {
        "enrolment_id": book.enrolments[student].id,
        "assessment_id": book.tasks[task].id,
        "version": version,
        "points": points,
    }
    data.update(extra)
    return browser.post(f"{book.url}/cells", data, headers=JSON if as_json else None)


def changes(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(GradeChange)) or 0


def content_and_style(
    db: Session, task: Assessment, content: dict[str, float], style: dict[str, float]
) -> tuple[RubricCriterion, RubricCriterion, dict[str, RubricLevel]]:
    """A rubric of two criteria, "Content" and "Style", with these levels (title: points)."""
    criteria = (
        RubricCriterion(assessment=task, position=1, title="Content"),
        RubricCriterion(assessment=task, position=2, title="Style"),
    )
    levels = {
        name: RubricLevel(criterion=criterion, title=name, points=points)
        for criterion, named in zip(criteria, (content, style), strict=True)
        for name, points in named.items()
    }
    db.add_all([*criteria, *levels.values()])
    db.flush()
    return criteria[0], criteria[1], levels


def one_criterion(db: Session, task: Assessment, title: str, levels: dict[str, float]) -> RubricCriterion:
    """A rubric of one criterion with these levels (title: points), loaded on ``task``."""
    criterion = RubricCriterion(assessment_id=task.id, position=1, title=title)
    criterion.levels = [RubricLevel(title=name, points=points) for name, points in levels.items()]
    db.add(criterion)
    db.flush()
    db.refresh(task)
    return criterion


def page_queries(browser: Browser, count_queries: QueryCounter, user: User, url: str) -> int:
    """How many queries ``url`` takes for ``user``, signed in afresh, once the page was drawn once."""
    if browser.user:
        browser.logout()
    browser.login(user)
    browser.get(url)
    before = count_queries.count
    assert browser.get(url).status_code == 200
    return count_queries.count - before
