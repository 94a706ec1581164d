"""Demo assessments, hand-ins and grades: sound files, consistent grades and history, results that agree
with the enrolments' outcomes, and something to see for the demo student and the demo instructor."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus, cohort_instructors
from academy.courses.models import Course
from academy.db import utcnow
from academy.demo import grading, services
from academy.demo.assessments import ASSESSMENTS, max_points_of, read_assessments
from academy.demo.catalogue import COURSES
from academy.demo.lessons import CONTENT, read_content
from academy.grading import book
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    CohortAssessment,
    Grade,
    GradeChange,
    GradeCriterion,
    GradeSource,
    QuizAnswer,
    QuizAttempt,
    QuizOption,
    QuizQuestion,
    RubricLevel,
    Submission,
    SubmissionType,
)
from academy.grading.release import released_key
from academy.grading.results import ResultState
from academy.notifications.models import EmailStatus, Notification, NotificationKind
from tests.conftest import Browser, QueryCounter, load_demo_in

FILES = sorted(ASSESSMENTS.glob("*.toml"))
HOURS = {code: hours for code, _track, hours, *_ in COURSES}


def test_every_demo_course_has_assessments_in_its_language() -> None:
    assert [path.stem for path in FILES] == sorted(code for code, *_ in COURSES)
    for path in FILES:
        assert read_assessments(path).language == read_content(CONTENT / f"{path.stem}.md").language, (
            path.stem
        )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_a_course_file_makes_a_sound_set_of_assessments(path: Path) -> None:
    spec = read_assessments(path)
    kinds = Counter(AssessmentKind(item["kind"]) for item in spec.items)
    assert sum(item["weight"] for item in spec.items) == 100
    assert 2 <= kinds[AssessmentKind.ASSIGNMENT] <= 4 and kinds[AssessmentKind.QUIZ] == 1
    assert kinds[AssessmentKind.EXAM] <= 1 and kinds[AssessmentKind.ATTENDANCE] <= 1
    length = HOURS[path.stem] // 2 + 14  # days from a cohort's first day to its last (see the catalogue)
    rubrics = 0
    for item in spec.items:
        assert item["title"] and item["weight"] > 0 and max_points_of(item) > 0, item["title"]
        assert 0 <= item.get("due_day", 0) <= length, item["title"]
        if item["kind"] == "assignment":
            assert item["submission"] in ("text", "link") or path.stem == "KPO-MKT"  # no demo files
            assert item.get("answers") if item["submission"] == "text" else True, item["title"]
            assert "{key}" in item["link"] if item["submission"] == "link" else True, item["title"]
        if item["kind"] != "attendance":
            assert len(item.get("instructions", "")) > 80, item["title"]
        if item.get("criteria"):
            rubrics += 1
            assert 3 <= len(item["criteria"]) <= 4, item["title"]
        if item["kind"] == "quiz":
            assert 4 <= len(item["questions"]) <= 6
            assert {len(q["correct"]) > 1 for q in item["questions"]} == {True, False}  # single and multiple
    assert rubrics >= 1
    policy = spec.policy
    assert 0 <= policy["late_penalty_per_day"] <= 25 and 0 <= policy["late_floor"] <= 60
    assert 0 <= policy["min_attendance"] <= 85 and policy["missing_counts_as"] <= 20
    if spec.language == "uz":  # Uzbek Latin uses the modifier letters, not apostrophes
        text = path.read_text(encoding="utf-8")
        assert "ʻ" in text and not any(f"{c}'" in text for c in "oOgG")


def test_a_file_whose_weights_do_not_total_100_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "BAD.toml"
    policy = "[policy]\nlate_grace_hours=0\nlate_penalty_per_day=0\nlate_floor=0\nmin_attendance=0\n"
    path.write_text(
        f'language = "en"\n{policy}missing_counts_as=0\n'
        '[[assessments]]\nkind = "exam"\ntitle = "Exam"\nweight = 90\nmax_points = 10\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="total 100"):
        read_assessments(path)


@pytest.fixture
def demo(app: Flask, db: Session) -> Session:
    load_demo_in(app, db, students=120)
    return db


def test_demo_courses_have_weights_of_100_and_rendered_instructions(demo: Session) -> None:
    totals = dict(
        demo.execute(
            select(Assessment.course_id, func.sum(Assessment.weight)).group_by(Assessment.course_id)
        ).all()
    )
    assert len(totals) == len(COURSES) and set(totals.values()) == {100}
    for assessment in demo.scalars(select(Assessment)):
        if assessment.kind is not AssessmentKind.ATTENDANCE:
            assert (
                assessment.instructions_html.startswith("<") and "<script" not in assessment.instructions_html
            )
    policies = demo.execute(select(Course.late_penalty_per_day, Course.min_attendance)).all()
    assert any(penalty for penalty, _ in policies) and any(minimum for _, minimum in policies)


def test_demo_grades_are_in_range_with_a_history_their_versions_count(demo: Session) -> None:
    grades = demo.execute(
        select(Grade, Assessment.max_points, Assessment.kind).join(
            Assessment, Assessment.id == Grade.assessment_id
        )
    ).all()
    assert grades
    changes: dict[tuple[int, int], list[GradeChange]] = defaultdict(list)
    for change in demo.scalars(select(GradeChange).order_by(GradeChange.at, GradeChange.id)):
        changes[(change.assessment_id, change.enrolment_id)].append(change)
    assert len(changes) == len(grades)
    teachers = set(demo.execute(select(cohort_instructors.c.cohort_id, cohort_instructors.c.instructor_id)))
    cohort_of = {e: c for e, c in demo.execute(select(Enrolment.id, Enrolment.cohort_id))}
    for grade, max_points, kind in grades:
        assert grade.excused or 0 <= grade.points <= max_points
        history = changes[(grade.assessment_id, grade.enrolment_id)]
        assert grade.version == len(history) >= 1
        assert (history[0].old_points, history[0].old_excused) == (None, False)
        for before, after in pairwise(history):
            assert (after.old_points, after.old_excused) == (before.new_points, before.new_excused)
            assert before.at <= after.at
        assert (history[-1].new_points, history[-1].new_excused) == (grade.points, grade.excused)
        if kind is AssessmentKind.QUIZ:
            assert {c.source for c in history} == {GradeSource.QUIZ} and grade.graded_by_id is None
        else:
            assert {c.source for c in history} == {GradeSource.MANUAL}
            assert (cohort_of[grade.enrolment_id], grade.graded_by_id) in teachers
            assert all(c.actor_id == grade.graded_by_id for c in history)
    regraded = [h for h in changes.values() if len(h) > 1 and h[-1].source is GradeSource.MANUAL]
    assert regraded and all(h[-1].reason for h in regraded)


def test_rubric_levels_and_quiz_attempts_add_up_to_the_grade(demo: Session) -> None:
    level_sums = dict(
        demo.execute(
            select(GradeCriterion.grade_id, func.sum(RubricLevel.points))
            .join(RubricLevel, RubricLevel.id == GradeCriterion.level_id)
            .group_by(GradeCriterion.grade_id)
        ).all()
    )
    assert level_sums
    for grade in demo.scalars(select(Grade).where(Grade.id.in_(level_sums))):
        assert grade.points == pytest.approx(level_sums[grade.id])
        assert len(grade.criteria) == len(grade.assessment.criteria)
    # Graded by rubric without levels: only the zero typed in for a student absent from the exam.
    without_levels = demo.execute(
        select(Grade.points, Grade.feedback)
        .join(Assessment, Assessment.id == Grade.assessment_id)
        .where(Assessment.criteria.any(), Grade.points.is_not(None), Grade.id.not_in(level_sums))
    ).all()
    assert all(points == 0 and feedback for points, feedback in without_levels)

    correct: dict[int, set[int]] = defaultdict(set)
    for question_id, option_id in demo.execute(
        select(QuizOption.question_id, QuizOption.id).where(QuizOption.correct)
    ):
        correct[question_id].add(option_id)
    worth = {q: p for q, p in demo.execute(select(QuizQuestion.id, QuizQuestion.points))}
    ticked: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for attempt_id, question_id, option_id in demo.execute(
        select(QuizAnswer.attempt_id, QuizOption.question_id, QuizOption.id).join(
            QuizOption, QuizOption.id == QuizAnswer.option_id
        )
    ):
        ticked[attempt_id][question_id].add(option_id)
    best: dict[tuple[int, int], float] = {}
    for attempt in demo.scalars(select(QuizAttempt)):
        answered = ticked[attempt.id]
        assert attempt.points == sum(worth[q] for q, options in answered.items() if options == correct[q])
        assert attempt.started_at < attempt.submitted_at <= (attempt.deadline_at or attempt.submitted_at)
        key = (attempt.assessment_id, attempt.enrolment_id)
        best[key] = max(best.get(key, 0), attempt.points or 0)
    quiz_grades = {
        (g.assessment_id, g.enrolment_id): g.points
        for g in demo.scalars(select(Grade).join(Assessment).where(Assessment.kind == AssessmentKind.QUIZ))
    }
    assert quiz_grades and quiz_grades == best


def test_hand_ins_are_text_or_links_of_assignments(demo: Session) -> None:
    rows = demo.execute(select(Submission, Assessment.submission_type).join(Assessment)).all()
    assert {kind for _s, kind in rows} == {SubmissionType.TEXT, SubmissionType.LINK}
    for submission, kind in rows:
        assert submission.file_key is None
        assert bool(submission.text) == (kind is SubmissionType.TEXT)
        assert submission.link.startswith("https://") == (kind is SubmissionType.LINK)
        assert submission.submitted_at <= utcnow()


def _rows(db: Session, cohort: Cohort) -> tuple[list[book.Column], list[book.Row]]:
    columns = book.columns(db, cohort)
    return columns, book.rows(db, cohort, columns, utcnow())


def test_results_of_past_cohorts_agree_with_the_enrolments(demo: Session) -> None:
    now = utcnow()
    today = now.date()
    past = demo.scalars(select(Cohort).where(Cohort.ends_on < today)).all()
    outcomes: Counter[tuple[EnrolmentStatus, ResultState]] = Counter()
    for cohort in past:
        columns, rows = _rows(demo, cohort)
        assert all(column.released for column in columns), cohort.code
        for row in rows:
            outcomes[(row.status, row.result.state)] += 1
    assert outcomes[(EnrolmentStatus.COMPLETED, ResultState.PASSED)] > 0
    assert outcomes[(EnrolmentStatus.FAILED, ResultState.FAILED)] > 0
    wanted = {(EnrolmentStatus.COMPLETED, ResultState.PASSED), (EnrolmentStatus.FAILED, ResultState.FAILED)}
    assert set(outcomes) == wanted, outcomes


def test_running_cohorts_have_released_unreleased_and_ungraded_work(demo: Session) -> None:
    now = utcnow()
    today = now.date()
    running = demo.scalars(select(Cohort).where(Cohort.starts_on <= today, Cohort.ends_on >= today)).all()
    seen: Counter[str] = Counter()
    for cohort in running:
        columns, rows = _rows(demo, cohort)
        for n, column in enumerate(columns):
            assert not column.released or column.due_at < column.released_at <= now  # type: ignore[operator]
            if column.due_at < now:
                seen["released" if column.released else "not released"] += 1
            for row in rows:
                cell = row.cells[n]
                if cell.handed_in_at and cell.grade_id is None:
                    seen["to grade"] += 1
                if column.due_at > now and cell.grade_id is not None:
                    seen["graded before due"] += 1 if column.assessment.kind is not AssessmentKind.QUIZ else 0
    assert seen["released"] and seen["not released"] and seen["to grade"], seen
    assert not seen["graded before due"]
    future = demo.scalar(
        select(func.count()).select_from(CohortAssessment).where(CohortAssessment.released_at > now)
    )
    assert future == 0


def test_the_demo_student_sees_a_result_and_has_work_to_do(demo: Session) -> None:
    now = utcnow()
    student = demo.scalar(select(User).where(User.email == grading.DEMO_STUDENT))
    teacher = demo.scalar(select(User).where(User.email == grading.DEMO_INSTRUCTOR))
    assert student is not None and teacher is not None
    places = demo.execute(
        select(Enrolment, Cohort).join(Cohort).where(Enrolment.student_id == student.id)
    ).all()
    done = [(e, c) for e, c in places if e.status is EnrolmentStatus.COMPLETED]
    running = [
        (e, c) for e, c in places if e.status is EnrolmentStatus.ENROLLED and c.starts_on <= now.date()
    ]
    assert done and running
    enrolment, cohort = done[0]
    columns, rows = _rows(demo, cohort)
    (row,) = [r for r in rows if r.enrolment_id == enrolment.id]
    assert all(c.released for c in columns) and row.result.state is ResultState.PASSED
    assert sum(cell.grade_id is not None for cell in row.cells) >= 2

    enrolment, cohort = running[0]
    columns, rows = _rows(demo, cohort)
    (row,) = [r for r in rows if r.enrolment_id == enrolment.id]
    released = [cell for column, cell in zip(columns, row.cells, strict=True) if column.released]
    assert any(cell.grade_id is not None for cell in released)
    to_hand_in = [
        column
        for column, cell in zip(columns, row.cells, strict=True)
        if column.assessment.kind is AssessmentKind.ASSIGNMENT
        and column.due_at > now
        and not cell.handed_in_at
    ]
    assert to_hand_in
    taught = set(
        demo.scalars(
            select(cohort_instructors.c.cohort_id).where(cohort_instructors.c.instructor_id == teacher.id)
        )
    )
    assert cohort.id in taught
    waiting = [
        column
        for column, cell in zip(columns, row.cells, strict=True)
        if cell.handed_in_at and cell.grade_id is None
    ]
    assert waiting  # the demo instructor has the demo student's work to grade

    notices = demo.scalars(
        select(Notification).where(
            Notification.user_id == student.id, Notification.kind == NotificationKind.GRADES_RELEASED
        )
    ).all()
    assert {n.cohort_id for n in notices} == {done[0][1].id, cohort.id}
    assert all(n.read_at and n.email_status is EmailStatus.SENT and n.assessment_id for n in notices)


def test_the_grading_demo_runs_in_a_fixed_number_of_statements(
    app: Flask, db: Session, count_queries: QueryCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts: list[int] = []
    original = services.load_grading

    def counted(*args: Any) -> dict[str, int]:
        before = count_queries.count
        result = original(*args)
        counts.append(count_queries.count - before)
        return result

    monkeypatch.setattr(services, "load_grading", counted)
    load_demo_in(app, db, students=30)
    load_demo_in(app, db, students=600, replace=True)
    # 13 reads, then one INSERT per table (per 2,000 rows): never a statement per student or grade
    assert len(counts) == 2 and max(counts) <= 24, counts


def test_the_demo_student_s_notifications_page_shows_with_grade_notices(
    demo: Session, browser: Browser
) -> None:
    response = browser.post("/login", {"email": grading.DEMO_STUDENT, "password": services.DEMO_PASSWORD})
    assert response.status_code == 302
    assert browser.get("/notifications").status_code == 200


def test_grade_notices_go_to_graded_students_once_as_a_release_writes_them(demo: Session) -> None:
    notices = demo.execute(
        select(
            Notification.user_id, Notification.cohort_id, Notification.assessment_id, Notification.dedupe_key
        ).where(Notification.kind == NotificationKind.GRADES_RELEASED)
    ).all()
    assert notices
    graded = set(
        demo.execute(
            select(Enrolment.student_id, Enrolment.cohort_id, Grade.assessment_id).join(
                Grade, Grade.enrolment_id == Enrolment.id
            )
        ).all()
    )
    for user_id, cohort_id, assessment_id, key in notices:
        assert (user_id, cohort_id, assessment_id) in graded
        assert key == released_key(cohort_id, assessment_id, user_id)  # a second release tells nobody again
