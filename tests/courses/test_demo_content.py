"""The demo courses' lessons and the demo students' progress through them."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.courses.models import Course, CourseModule, Lesson, LessonProgress
from academy.courses.progress import STUDYING, progress_by_course
from academy.demo.catalogue import COURSES
from academy.demo.lessons import CONTENT, read_content
from tests.conftest import load_demo_in

FILES = sorted(CONTENT.glob("*.md"))


def test_every_demo_course_has_a_content_file() -> None:
    assert sorted(path.stem for path in FILES) == sorted(code for code, *_ in COURSES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_a_content_file_has_modules_of_lessons(path: Path) -> None:
    content = read_content(path)
    assert 3 <= len(content.modules) <= 4
    for module in content.modules:
        assert 3 <= len(module.lessons) <= 5, module.title
        for lesson in module.lessons:
            assert 5 <= lesson.minutes <= 60 and len(lesson.markdown) > 150, lesson.title
    if content.language == "uz":  # Uzbek Latin uses the modifier letters, not apostrophes
        text = path.read_text(encoding="utf-8")
        assert "ʻ" in text and not any(f"{c}'" in text for c in "oOgG")


def test_languages_of_instruction() -> None:
    languages = {path.stem: read_content(path).language for path in FILES}
    assert languages["BPO-CC-EN"] == languages["BPO-WRITE"] == "en"
    assert languages["BPO-CC-RU"] == "ru"
    assert set(languages.values()) == {"uz", "ru", "en"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# Module\n## Lesson {10}\nBody\n", "first line"),
        ("language: fr\n# Module\n", "first line"),
        ("language: uz\n## Lesson {10}\nBody\n", "outside a module"),
        ("language: uz\n# Module\nStray text\n", "before the first lesson"),
    ],
)
def test_a_broken_content_file_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "BAD.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=problem):
        read_content(path)


def test_demo_data_has_lessons_and_progress(app: Flask, db: Session) -> None:
    load_demo_in(app, db, students=60)
    counts = dict(
        db.execute(
            select(Course.code, func.count(Lesson.id))
            .join(CourseModule, CourseModule.course_id == Course.id)
            .join(Lesson, Lesson.module_id == CourseModule.id)
            .group_by(Course.code)
        ).all()
    )
    assert set(counts) == {code for code, *_ in COURSES} and min(counts.values()) >= 9
    assert db.scalar(select(Course.language).where(Course.code == "BPO-CC-EN")) == "en"
    bodies = db.scalars(select(Lesson.body_html)).all()
    assert any("<table>" in body for body in bodies) and not any("<script" in body for body in bodies)

    # Progress only where a student has an enrolled or completed place in a cohort of the course.
    studying = set(
        db.execute(
            select(Enrolment.student_id, Cohort.course_id)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(Enrolment.status.in_(STUDYING))
        ).all()
    )
    progressed = set(
        db.execute(
            select(LessonProgress.student_id, CourseModule.course_id)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .join(CourseModule, CourseModule.id == Lesson.module_id)
            .distinct()
        ).all()
    )
    assert progressed and progressed <= studying

    completed = db.execute(
        select(Enrolment.student_id, Cohort.course_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.status == EnrolmentStatus.COMPLETED)
        .limit(1)
    ).first()
    assert completed is not None
    finished = progress_by_course(db, completed.student_id, [completed.course_id])[completed.course_id]
    assert finished.done == finished.total > 0


def test_the_demo_student_has_progress_in_an_enrolled_course(app: Flask, db: Session) -> None:
    load_demo_in(app, db, students=30)
    student = db.scalar(select(User).where(User.email == "student@demo.academy.uz"))
    assert student is not None
    course_ids = db.scalars(
        select(Cohort.course_id)
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .where(Enrolment.student_id == student.id, Enrolment.status.in_(STUDYING))
    ).all()
    found = progress_by_course(db, student.id, course_ids)
    assert any(p.done > 0 for p in found.values()), found
