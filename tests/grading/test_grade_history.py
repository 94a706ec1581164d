"""Every saved change of a grade leaves one history row saying what changed: points or "excused",
the feedback (old and new), the rubric levels (old and new); a save that changes nothing leaves none.
The history pages name the levels by their titles in one query and show feedback escaped and short."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.cohorts.models import Enrolment
from academy.grading.history import LevelChange, cell_history, level_changes
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    GradeChange,
    GradeSource,
    QuizAttempt,
    RubricCriterion,
    RubricLevel,
)
from academy.grading.quizzes import record_best
from academy.grading.services import GradeValue, StaleGrade, save_grade
from tests.conftest import Browser, Factory, QueryCounter
from tests.grading.gradebook_helpers import content_and_style, make_book, one_criterion, page_queries, save

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Rubric:
    """An assessment of two criteria whose levels can add up to the same total in two ways."""

    task: Assessment
    enrolment: Enrolment
    teacher: User
    content: RubricCriterion
    style: RubricCriterion
    levels: dict[str, RubricLevel]

    def pick(self, content: str, style: str) -> dict[int, int]:
        return {self.content.id: self.levels[content].id, self.style.id: self.levels[style].id}


@pytest.fixture
def rubric(db: Session, make: Factory) -> Rubric:
    cohort = make.cohort()
    task = make.assessment(cohort.course, max_points=10)
    content, style, levels = content_and_style(db, task, {"Thin": 2, "Rich": 4}, {"Plain": 2, "Polished": 4})
    return Rubric(task, make.enrolment(cohort), make.user(Role.INSTRUCTOR), content, style, levels)


def history_of(db: Session, task: Assessment, enrolment: Enrolment) -> list[GradeChange]:
    return sorted(cell_history(db, task.id, enrolment.id), key=lambda c: c.id)  # in the order saved


def count_changes(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(GradeChange)) or 0


# -- the service -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("app_ctx")
def test_a_feedback_only_edit_leaves_a_row_with_old_and_new_feedback(db: Session, rubric: Rubric) -> None:
    task, enrolment, teacher = rubric.task, rubric.enrolment, rubric.teacher  # plain points, no levels
    save_grade(db, task, enrolment, GradeValue(points=7, feedback="Good"), 0, teacher, now=T0)
    grade = save_grade(db, task, enrolment, GradeValue(points=7, feedback=" Very good "), 1, teacher, "typo")
    assert grade.version == 2
    first, second = history_of(db, task, enrolment)
    assert (first.old_feedback, first.new_feedback) == ("", "Good")  # the first grade came with feedback
    points = (second.old_points, second.new_points, second.old_excused, second.new_excused)
    assert points == (7, 7, False, False)
    assert (second.old_feedback, second.new_feedback, second.reason) == ("Good", "Very good", "typo")
    assert (second.old_levels, second.new_levels) == (None, None)  # the levels did not change
    assert second.feedback_changed and not second.grade_changed and not second.levels_changed
    assert second.actor_id == teacher.id and second.source is GradeSource.MANUAL


@pytest.mark.usefixtures("app_ctx")
def test_a_change_of_points_alone_does_not_record_the_feedback(db: Session, rubric: Rubric) -> None:
    save_grade(db, rubric.task, rubric.enrolment, GradeValue(points=7), 0, rubric.teacher)
    save_grade(db, rubric.task, rubric.enrolment, GradeValue(points=8), 1, rubric.teacher)
    first, second = history_of(db, rubric.task, rubric.enrolment)
    assert (first.old_feedback, first.new_feedback, second.old_feedback, second.new_feedback) == (None,) * 4
    assert second.grade_changed and not second.feedback_changed


@pytest.mark.usefixtures("app_ctx")
def test_other_levels_with_the_same_total_leave_a_row_with_both_sets(db: Session, rubric: Rubric) -> None:
    save_grade(db, rubric.task, rubric.enrolment, GradeValue(levels=rubric.pick("Thin", "Polished")), 0, None)
    grade = save_grade(
        db, rubric.task, rubric.enrolment, GradeValue(levels=rubric.pick("Rich", "Plain")), 1, rubric.teacher
    )
    assert (grade.points, grade.version) == (6, 2)
    first, second = history_of(db, rubric.task, rubric.enrolment)
    content, style = str(rubric.content.id), str(rubric.style.id)
    levels = {name: level.id for name, level in rubric.levels.items()}
    assert (first.old_levels, first.new_levels) == ({}, {content: levels["Thin"], style: levels["Polished"]})
    assert (second.old_points, second.new_points) == (6, 6) and not second.grade_changed
    assert second.old_levels == {content: levels["Thin"], style: levels["Polished"]}
    assert second.new_levels == {content: levels["Rich"], style: levels["Plain"]}
    assert (second.old_feedback, second.new_feedback) == (None, None)
    assert second.level_ids() == set(levels.values())


@pytest.mark.usefixtures("app_ctx")
def test_other_levels_at_the_same_moment_still_move_the_version(db: Session, rubric: Rubric) -> None:
    task, enrolment, teacher = rubric.task, rubric.enrolment, rubric.teacher
    save_grade(db, task, enrolment, GradeValue(levels=rubric.pick("Thin", "Polished")), 0, teacher, now=T0)
    grade = save_grade(
        db, task, enrolment, GradeValue(levels=rubric.pick("Rich", "Plain")), 1, teacher, now=T0
    )
    db.expire_all()
    assert grade.version == 2  # no column of the row changed, only its levels
    with pytest.raises(StaleGrade):  # a form drawn before that change
        save_grade(db, task, enrolment, GradeValue(levels=rubric.pick("Thin", "Plain")), 1, teacher, now=T0)


@pytest.mark.usefixtures("app_ctx")
def test_plain_points_over_levels_record_the_levels_dropped(db: Session, rubric: Rubric) -> None:
    save_grade(db, rubric.task, rubric.enrolment, GradeValue(levels=rubric.pick("Rich", "Plain")), 0, None)
    save_grade(db, rubric.task, rubric.enrolment, GradeValue(excused=True), 1, rubric.teacher)
    last = history_of(db, rubric.task, rubric.enrolment)[-1]
    assert last.new_levels == {} and last.old_levels and last.grade_changed


@pytest.mark.usefixtures("app_ctx")
def test_an_unchanged_save_writes_nothing_and_keeps_the_version(db: Session, rubric: Rubric) -> None:
    value = GradeValue(feedback="Fine", levels=rubric.pick("Rich", "Plain"))
    save_grade(db, rubric.task, rubric.enrolment, value, 0, rubric.teacher)
    before = count_changes(db)
    grade = save_grade(db, rubric.task, rubric.enrolment, value, 1, rubric.teacher, "again")
    grade = save_grade(
        db, rubric.task, rubric.enrolment, GradeValue(feedback=" Fine ", levels=value.levels), 1, None
    )
    assert grade.version == 1 and count_changes(db) == before == 1


@pytest.mark.usefixtures("app_ctx")
def test_an_empty_value_over_no_grade_is_no_change(db: Session, rubric: Rubric) -> None:
    task, enrolment = rubric.task, rubric.enrolment
    grade = save_grade(db, task, enrolment, GradeValue(), 0, rubric.teacher)
    assert grade.version == 1 and count_changes(db) == 0
    save_grade(db, task, enrolment, GradeValue(feedback="Hand it in, please"), 1, None)
    [change] = history_of(db, task, enrolment)
    assert (change.old_points, change.new_points, change.new_feedback) == (None, None, "Hand it in, please")


@pytest.mark.usefixtures("app_ctx")
def test_feedback_added_by_hand_leaves_a_quiz_in_charge_of_its_points(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    quiz = make.assessment(cohort.course, AssessmentKind.QUIZ, max_points=10)
    enrolment = make.enrolment(cohort)
    teacher = make.user(Role.INSTRUCTOR)

    def attempt(number: int, points: float) -> None:
        db.add(
            QuizAttempt(
                assessment_id=quiz.id,
                enrolment_id=enrolment.id,
                number=number,
                seed=1,
                submitted_at=T0,
                points=points,
            )
        )
        db.flush()
        record_best(db, quiz, enrolment, T0)

    attempt(1, 4)
    save_grade(db, quiz, enrolment, GradeValue(points=4, feedback="Read chapter 2"), 1, teacher)
    attempt(2, 9)
    grade = history_of(db, quiz, enrolment)
    assert [(c.source, c.new_points) for c in grade] == [
        (GradeSource.QUIZ, 4),
        (GradeSource.MANUAL, 4),
        (GradeSource.QUIZ, 9),
    ]
    assert grade[-1].new_feedback is None  # the quiz kept the instructor's feedback
    save_grade(db, quiz, enrolment, GradeValue(points=5, feedback="Read chapter 2"), 3, teacher)
    attempt(3, 10)
    assert history_of(db, quiz, enrolment)[-1].new_points == 5  # a person's points stand


@pytest.mark.usefixtures("app_ctx")
def test_level_changes_name_the_criteria_and_levels_in_one_query(
    db: Session, rubric: Rubric, count_queries: QueryCounter
) -> None:
    save_grade(db, rubric.task, rubric.enrolment, GradeValue(levels=rubric.pick("Thin", "Polished")), 0, None)
    save_grade(db, rubric.task, rubric.enrolment, GradeValue(levels=rubric.pick("Rich", "Polished")), 1, None)
    save_grade(db, rubric.task, rubric.enrolment, GradeValue(points=3), 2, None)
    save_grade(db, rubric.task, rubric.enrolment, GradeValue(points=3, feedback="x"), 3, None)
    db.expire_all()
    changes = cell_history(db, rubric.task.id, rubric.enrolment.id)
    before = count_queries.count
    named = level_changes(db, changes)
    assert count_queries.count - before == 1
    cleared, moved, first = (named[c.id] for c in changes[1:])
    assert first == [LevelChange("Content", None, "Thin"), LevelChange("Style", None, "Polished")]
    assert moved == [LevelChange("Content", "Thin", "Rich")]  # the style did not move
    assert cleared == [LevelChange("Content", "Rich", None), LevelChange("Style", "Polished", None)]
    assert changes[0].id not in named  # feedback only
    before = count_queries.count
    assert level_changes(db, changes[:1]) == {} and count_queries.count == before  # nothing to name


# -- the pages ---------------------------------------------------------------------------------------


def test_the_history_page_says_what_the_feedback_and_levels_became(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = make_book(db, make, students=1)
    task = book.tasks[0]
    criterion = one_criterion(db, task, "Tone of voice", {"Warm": 20, "Flat": 20})
    enrolment = book.enrolments[0]
    warm, flat = criterion.levels
    save_grade(db, task, enrolment, GradeValue(levels={criterion.id: warm.id}), 0, book.teacher)
    long_text = "Listen again to minute three. " * 20 + "THE-END"
    save_grade(
        db,
        task,
        enrolment,
        GradeValue(levels={criterion.id: flat.id}, feedback=f"<script>x</script> {long_text}"),
        1,
        book.teacher,
        "second listen",
    )
    browser.login(book.teacher)
    for url in (f"{book.url}/history", f"{book.url}/{task.id}/{enrolment.id}"):
        body = browser.get(url).get_data(as_text=True)
        assert "Rubric levels changed:" in body and "Tone of voice: Warm → <strong>Flat</strong>" in body
        assert "Tone of voice: — → <strong>Warm</strong>" in body
        assert "Feedback changed:" in body and "&lt;script&gt;x&lt;/script&gt; Listen again" in body
        assert "<script>x" not in body
        assert "THE-END</q>" not in body and "minute three.…</q>" in body  # shortened
        assert "second listen" in body


def test_the_cell_page_shows_a_feedback_change(browser: Browser, db: Session, make: Factory) -> None:
    book = make_book(db, make, students=1)
    book.grade(0, 0, 5)
    save_grade(db, book.tasks[0], book.enrolments[0], GradeValue(points=5, feedback="Neat"), 1, book.teacher)
    browser.login(book.teacher)
    response = save(browser, book, 0, 0, "6", 1, as_json=False)
    assert response.status_code == 409  # a stale form: the page shows the cell's history
    body = response.get_data(as_text=True)
    assert "Feedback changed: — → <strong><q>Neat</q></strong>" in body
    assert "— → <strong>5</strong>" in body


def test_history_pages_with_levels_and_feedback_take_the_same_queries_for_any_size(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    counts = []
    for students in (2, 12):
        book = make_book(db, make, students=students, assessments=1)
        task = book.tasks[0]
        criterion = one_criterion(db, task, "Accuracy", {"High": 20, "Low": 20})
        for enrolment in book.enrolments:
            for version, (level, text) in enumerate([(0, "a"), (1, "b")]):
                value = GradeValue(levels={criterion.id: criterion.levels[level].id}, feedback=text)
                save_grade(
                    db, task, enrolment, value, version, book.teacher, now=T0 + timedelta(minutes=version)
                )
        for url in (f"{book.url}/history", f"{book.url}/{task.id}/{book.enrolments[-1].id}"):
            counts.append(page_queries(browser, count_queries, book.teacher, url))
    assert counts[:2] == counts[2:], counts
