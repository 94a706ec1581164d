"""Demo course content: modules and lessons for the demo courses, and students' progress through them.

Each demo course's lessons are a Markdown file in ``academy/demo/content/<course code>.md``, written
in the course's language of instruction, which its first line declares (``language: ru``)::

    # Module title
    ## Lesson title {15}         <- expected minutes in braces
    Lesson body in Markdown (its own headings start at ###)...

Lessons are rendered through the same function as lessons saved by authors. Progress is written in
bulk: students who completed a cohort did every lesson, students in a running cohort did a share
of them as large as the share of the cohort behind them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from academy.auth.models import User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.courses.markdown import render_lesson_markdown
from academy.courses.models import Course, CourseModule, Lesson, LessonProgress

CONTENT = Path(__file__).with_name("content")
DEMO_STUDENT = "student@demo.academy.uz"
LESSON_HEADING = re.compile(r"^## (?P<title>.+?)\s*\{(?P<minutes>\d+)\}\s*$")
BATCH = 5000


@dataclass
class DemoLesson:
    title: str
    minutes: int
    lines: list[str] = field(default_factory=list)

    @property
    def markdown(self) -> str:
        return "\n".join(self.lines).strip() + "\n"


@dataclass
class DemoModule:
    title: str
    lessons: list[DemoLesson] = field(default_factory=list)


@dataclass
class DemoContent:
    language: str
    modules: list[DemoModule] = field(default_factory=list)


def read_content(path: Path) -> DemoContent:
    """Parse one content file (see the module's docstring)."""
    first, _, rest = path.read_text(encoding="utf-8").partition("\n")
    key, _, language = first.partition(":")
    if key.strip() != "language" or language.strip() not in ("uz", "ru", "en"):
        raise ValueError(f"{path.name}: the first line must be 'language: uz|ru|en'")
    content = DemoContent(language=language.strip())
    for line in rest.splitlines():
        if line.startswith("# "):
            content.modules.append(DemoModule(line[2:].strip()))
        elif match := LESSON_HEADING.match(line):
            if not content.modules:
                raise ValueError(f"{path.name}: lesson {match['title']!r} outside a module")
            content.modules[-1].lessons.append(DemoLesson(match["title"], int(match["minutes"])))
        elif content.modules and content.modules[-1].lessons:
            content.modules[-1].lessons[-1].lines.append(line)
        elif line.strip():
            raise ValueError(f"{path.name}: text before the first lesson: {line!r}")
    return content


def load_lessons(session: Session, now: datetime, seed: int) -> dict[str, int]:
    """Content for every demo course that has a file, and progress for students with a place."""
    rng = random.Random(seed)
    courses = {course.code: course for course in session.scalars(select(Course))}
    lessons_by_course: dict[int, list[int]] = {}
    lesson_count = 0
    for path in sorted(CONTENT.glob("*.md")):
        course = courses.get(path.stem)
        if course is None:
            continue
        content = read_content(path)
        course.language = content.language
        modules = [
            CourseModule(
                course=course,
                position=m,
                title=module.title,
                lessons=[
                    Lesson(
                        position=n,
                        title=lesson.title,
                        minutes=lesson.minutes,
                        body_markdown=lesson.markdown,
                        body_html=render_lesson_markdown(lesson.markdown),
                        updated_at=now,
                    )
                    for n, lesson in enumerate(module.lessons, start=1)
                ],
            )
            for m, module in enumerate(content.modules, start=1)
        ]
        session.add_all(modules)
        session.flush()
        lessons_by_course[course.id] = [lesson.id for module in modules for lesson in module.lessons]
        lesson_count += len(lessons_by_course[course.id])
    progress = _progress_rows(session, now, rng, lessons_by_course)
    for start in range(0, len(progress), BATCH):
        session.execute(insert(LessonProgress), progress[start : start + BATCH])
    session.flush()
    return {"lessons": lesson_count, "lessons done": len(progress)}


def _progress_rows(
    session: Session, now: datetime, rng: random.Random, lessons_by_course: dict[int, list[int]]
) -> list[dict[str, object]]:
    """Lessons done, in order, by each student with an enrolled or completed place."""
    today = now.date()
    demo_student = session.scalar(select(User.id).where(User.email == DEMO_STUDENT))
    places = session.execute(
        select(Enrolment.student_id, Enrolment.status, Cohort.course_id, Cohort.starts_on, Cohort.ends_on)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.status.in_((EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)))
        .order_by(Enrolment.student_id, Cohort.starts_on, Enrolment.id)
    ).all()
    done: dict[tuple[int, int], int] = {}  # (student, course) -> lessons done, from the first
    for student_id, status, course_id, starts_on, ends_on in places:
        lessons = lessons_by_course.get(course_id)
        if not lessons:
            continue
        if status is EnrolmentStatus.COMPLETED:
            count = len(lessons)
        elif starts_on <= today:
            share = (today - starts_on).days / max(1, (ends_on - starts_on).days)
            count = round(len(lessons) * min(1.0, share) * rng.uniform(0.6, 1.1))
        else:
            count = 0
        if student_id == demo_student:
            # The demo student has always started, and never quite finished, a course in progress.
            count = count if status is EnrolmentStatus.COMPLETED else max(3, min(count, len(lessons) - 2))
        key = (student_id, course_id)
        done[key] = max(done.get(key, 0), min(count, len(lessons)))
    completed_at = now.replace(microsecond=0)
    return [
        {"student_id": student_id, "lesson_id": lesson_id, "completed_at": completed_at}
        for (student_id, course_id), count in done.items()
        for lesson_id in lessons_by_course[course_id][:count]
    ]
