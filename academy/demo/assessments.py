"""Demo assessments: each demo course's grading policy and assessments, in the course's language.

They are written in ``academy/demo/assessments/<course code>.toml``::

    language = "en"                      # the course's language of instruction
    [policy]                             # Course.late_grace_hours, late_penalty_per_day, ...
    late_grace_hours = 24
    [[assessments]]
    kind = "assignment"                  # assignment | quiz | exam | attendance
    submission = "text"                  # assignments: text | link | file
    title = "..."
    weight = 20                          # the course's weights total 100
    max_points = 20                      # left out when a rubric or the questions decide it
    due_day = 14                         # day of the cohort (0 = the first); left out: the last day
    instructions = '''Markdown'''
    answers = ["..."]                    # text assignments: what demo students hand in
    link = "https://.../{key}"           # link assignments: what demo students hand in
    [[assessments.criteria]]             # a rubric: the points are the sum of the levels chosen
    title = "..."
    levels = [["Not yet", 0], ["Good", 3], ["Excellent", 5]]
    [[assessments.questions]]            # quizzes: ``correct`` counts options from 0
    text = "..."
    options = ["...", "..."]
    correct = [1]

Instructions are rendered through the same function as lessons.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.courses.markdown import render_lesson_markdown
from academy.courses.models import Course
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    QuizOption,
    QuizQuestion,
    RubricCriterion,
    RubricLevel,
    SubmissionType,
)

ASSESSMENTS = Path(__file__).with_name("assessments")
POLICY_FIELDS = (
    "late_grace_hours",
    "late_penalty_per_day",
    "late_floor",
    "min_attendance",
    "missing_counts_as",
)


@dataclass(frozen=True)
class DemoAssessments:
    """One course's file, read and checked."""

    language: str
    policy: dict[str, Any]
    items: list[dict[str, Any]]


def max_points_of(item: dict[str, Any]) -> float:
    """An item's maximum: the sum of the rubric's top levels, of the questions' points, or as written."""
    if item.get("criteria"):
        return float(sum(max(points for _title, points in c["levels"]) for c in item["criteria"]))
    if item.get("questions"):
        return float(sum(q.get("points", 1) for q in item["questions"]))
    return float(item["max_points"])


def read_assessments(path: Path) -> DemoAssessments:
    """Parse and check one file (see the module's docstring); a mistake is a ValueError naming it."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    items: list[dict[str, Any]] = data.get("assessments", [])
    problems = []
    if data.get("language") not in ("uz", "ru", "en"):
        problems.append("language must be uz, ru or en")
    if set(data.get("policy", {})) != set(POLICY_FIELDS):
        problems.append(f"[policy] must set exactly {', '.join(POLICY_FIELDS)}")
    if sum(item.get("weight", 0) for item in items) != 100:
        problems.append("the weights must total 100")
    for item in items:
        kind = AssessmentKind(item["kind"])
        title = item.get("title", "?")
        if (kind is AssessmentKind.ASSIGNMENT) != ("submission" in item):
            problems.append(f"{title}: assignments, and only they, say what is handed in")
        if kind is AssessmentKind.QUIZ and not item.get("questions"):
            problems.append(f"{title}: a quiz needs questions")
        for question in item.get("questions", []):
            if not question["correct"] or not set(question["correct"]) <= set(
                range(len(question["options"]))
            ):
                problems.append(f"{title}: {question['text']!r} needs a correct option among its options")
        for criterion in item.get("criteria", []):
            if len(criterion["levels"]) < 2:
                problems.append(f"{title}: criterion {criterion['title']!r} needs levels")
        if not item.get("criteria") and not item.get("questions") and "max_points" not in item:
            problems.append(f"{title}: max_points is missing")
    if problems:
        raise ValueError(f"{path.name}: " + "; ".join(problems))
    return DemoAssessments(data["language"], data["policy"], items)


def _assessment(course: Course, position: int, item: dict[str, Any], now: datetime) -> Assessment:
    kind = AssessmentKind(item["kind"])
    instructions = item.get("instructions", "").strip() + "\n" if item.get("instructions") else ""
    return Assessment(
        course=course,
        position=position,
        kind=kind,
        title=item["title"],
        instructions_markdown=instructions,
        instructions_html=render_lesson_markdown(instructions),
        submission_type=SubmissionType(item["submission"]) if "submission" in item else None,
        weight=item["weight"],
        max_points=max_points_of(item),
        due_day=item.get("due_day"),
        time_limit_minutes=item.get("time_limit_minutes"),
        max_attempts=item.get("max_attempts", 1),
        shuffle=item.get("shuffle", True),
        created_at=now,
        criteria=[
            RubricCriterion(
                position=n,
                title=criterion["title"],
                description=criterion.get("description", ""),
                levels=[RubricLevel(title=title, points=points) for title, points in criterion["levels"]],
            )
            for n, criterion in enumerate(item.get("criteria", []), start=1)
        ],
        questions=[
            QuizQuestion(
                position=n,
                text=question["text"],
                multiple=question.get("multiple", len(question["correct"]) > 1),
                points=question.get("points", 1),
                options=[
                    QuizOption(position=m, text=text, correct=m in question["correct"])
                    for m, text in enumerate(question["options"])
                ],
            )
            for n, question in enumerate(item.get("questions", []), start=1)
        ],
    )


def load_assessments(session: Session, now: datetime) -> dict[str, dict[str, Any]]:
    """Policies and assessments for every demo course that has a file; the files' items by course code
    (what demo students hand in is read from them)."""
    courses = {course.code: course for course in session.scalars(select(Course))}
    loaded: dict[str, dict[str, Any]] = {}
    for path in sorted(ASSESSMENTS.glob("*.toml")):
        course = courses.get(path.stem)
        if course is None:
            continue
        spec = read_assessments(path)
        for name, value in spec.policy.items():
            setattr(course, name, value)
        session.add_all(_assessment(course, n, item, now) for n, item in enumerate(spec.items, start=1))
        loaded[course.code] = {"course_id": course.id, "items": spec.items}
    session.flush()
    return loaded
