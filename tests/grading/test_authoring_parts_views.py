"""The rubric and quiz-question editors through the pages: levels and options, their errors, the
assessment's version (409), locks once students are graded or have attempted, moves, foreign ids."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.grading import authoring_parts
from academy.grading.authoring_parts import CriterionData, LevelData, OptionData, QuestionData
from academy.grading.models import AssessmentKind, QuizAttempt, QuizQuestion, RubricCriterion
from tests.conftest import Browser, Factory
from tests.grading.test_authoring_views import base, count, form


@pytest.fixture
def admin(browser: Browser) -> Browser:
    browser.login(Role.ADMIN)
    return browser


def criterion_form(version: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"title": "Greeting", "description": "Says hello", "version": version}
    for i, (title, points) in enumerate([("Missing", "0"), ("Good", "3"), ("Great", "5")]):
        data[f"levels-{i}-title"], data[f"levels-{i}-points"] = title, points
    data.update(changes)
    return data


def test_the_rubric_editor(admin: Browser, db: Session, make: Factory) -> None:
    task = make.assessment(make.course(), max_points=20)
    url = f"{base(task.course)}/{task.id}/rubric"
    assert "No rubric yet" in admin.get(url).get_data(as_text=True)
    assert admin.post(f"{url}/new", criterion_form(task.version)).status_code == 302
    db.expire_all()
    assert task.max_points == 5
    criterion = db.scalars(select(RubricCriterion)).one()
    edit = admin.get(f"{url}/{criterion.id}/edit").get_data(as_text=True)
    assert 'value="Great"' in edit
    levels = {f"levels-{i}-level_id": lv.id for i, lv in enumerate(criterion.levels)}
    saved = admin.post(
        f"{url}/{criterion.id}/edit", criterion_form(task.version, **levels, **{"levels-2-points": "6"})
    )
    assert saved.status_code == 302
    db.expire_all()
    assert task.max_points == 6
    page = admin.get(url).get_data(as_text=True)
    assert "Greeting" in page and "Total points: 6" in page
    mismatch = admin.post(f"{base(task.course)}/{task.id}/edit", form(max_points="20", version=task.version))
    assert "graded with its rubric, worth 6 points" in mismatch.get_data(as_text=True)
    assert admin.post(f"{url}/{criterion.id}/delete", {"version": task.version}).status_code == 302
    assert count(db, RubricCriterion) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"levels-1-title": "", "levels-1-points": "", "levels-2-title": "", "levels-2-points": ""},
            "from 2 to 6 levels",
        ),
        ({"levels-1-points": ""}, "Give each level a title and points."),
        ({"levels-1-points": "0"}, "a different number of points"),
        ({"levels-1-points": "-1"}, "Number must be between 0 and 1000."),
        ({"levels-1-points": "x"}, "Not a valid decimal value."),
        ({"title": ""}, "This field is required."),
    ],
)
def test_bad_criteria_are_refused(
    admin: Browser, db: Session, make: Factory, changes: dict[str, Any], message: str
) -> None:
    task = make.assessment(make.course())
    response = admin.post(
        f"{base(task.course)}/{task.id}/rubric/new", criterion_form(task.version, **changes)
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert count(db, RubricCriterion) == 0


def test_a_stale_criterion_save_is_a_conflict(admin: Browser, db: Session, make: Factory) -> None:
    task = make.assessment(make.course())
    response = admin.post(f"{base(task.course)}/{task.id}/rubric/new", criterion_form(task.version - 1))
    assert response.status_code == 409 and count(db, RubricCriterion) == 0


def question_form(version: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"text": "2 + 2?", "choice": "single", "points": "2", "version": version}
    data.update(
        {"options-0-text": "4", "options-0-correct": "y", "options-1-text": "5", "options-2-text": "3"}
    )
    data.update(changes)
    return data


def test_the_question_editor(admin: Browser, db: Session, make: Factory) -> None:
    quiz = make.assessment(make.course(), AssessmentKind.QUIZ, max_points=50)
    url = f"{base(quiz.course)}/{quiz.id}/questions"
    assert admin.post(f"{url}/new", question_form(quiz.version)).status_code == 302
    question = db.scalars(select(QuizQuestion)).one()
    assert [(o.text, o.correct) for o in question.options] == [("4", True), ("5", False), ("3", False)]
    db.expire_all()
    assert quiz.max_points == 2
    page = admin.get(url).get_data(as_text=True)
    assert "2 + 2?" in page and "Correct" in page
    edit = admin.get(f"{url}/{question.id}/edit").get_data(as_text=True)
    assert 'value="5"' in edit
    none_right = admin.post(
        f"{url}/{question.id}/edit", question_form(quiz.version, **{"options-0-correct": ""})
    )
    assert "exactly one correct option" in none_right.get_data(as_text=True)
    two_right = question_form(quiz.version, choice="multiple", **{"options-1-correct": "y"})
    assert admin.post(f"{url}/{question.id}/edit", two_right).status_code == 302
    db.expire_all()
    assert question.multiple and sum(o.correct for o in question.options) == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"options-0-correct": ""}, "exactly one correct option"),
        ({"choice": "multiple", "options-0-correct": ""}, "Mark at least one option as correct."),
        ({"options-1-text": "", "options-2-text": ""}, "from 2 to 8 options"),
        ({"points": "0"}, "Number must be between 0.01 and 100"),
        ({"text": ""}, "This field is required."),
    ],
)
def test_bad_questions_are_refused(
    admin: Browser, db: Session, make: Factory, changes: dict[str, Any], message: str
) -> None:
    quiz = make.assessment(make.course(), AssessmentKind.QUIZ)
    response = admin.post(
        f"{base(quiz.course)}/{quiz.id}/questions/new", question_form(quiz.version, **changes)
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert count(db, QuizQuestion) == 0


def test_an_attempted_quiz_says_its_questions_are_locked(admin: Browser, db: Session, make: Factory) -> None:
    quiz = make.assessment(make.course(), AssessmentKind.QUIZ)
    question = authoring_parts.add_question(
        db,
        quiz,
        QuestionData("Q", False, 1, [OptionData(None, "a", True), OptionData(None, "b", False)]),
        quiz.version,
    )
    db.add(
        QuizAttempt(
            assessment_id=quiz.id, enrolment_id=make.enrolment(make.cohort(quiz.course)).id, number=1, seed=3
        )
    )
    db.flush()
    url = f"{base(quiz.course)}/{quiz.id}/questions"
    assert "already attempted this quiz" in admin.get(url).get_data(as_text=True)
    refused = admin.post(f"{url}/{question.id}/edit", question_form(quiz.version))
    assert "already attempted this quiz" in refused.get_data(as_text=True)
    assert admin.post(f"{url}/{question.id}/delete", {"version": quiz.version}).status_code == 409
    db.expire_all()
    assert question.text == "Q"


def test_criteria_and_questions_move(admin: Browser, db: Session, make: Factory) -> None:
    task = make.assessment(make.course())
    levels = [LevelData(None, "a", 0), LevelData(None, "b", 1)]
    first = authoring_parts.add_criterion(db, task, CriterionData("First", "", levels), task.version)
    second = authoring_parts.add_criterion(db, task, CriterionData("Second", "", levels), task.version)
    url = f"{base(task.course)}/{task.id}/rubric/{second.id}/move/up"
    assert admin.post(url).status_code == 302
    db.expire_all()
    assert (first.position, second.position) == (2, 1)
    quiz = make.assessment(task.course, AssessmentKind.QUIZ)
    options = [OptionData(None, "a", True), OptionData(None, "b", False)]
    one = authoring_parts.add_question(db, quiz, QuestionData("One", False, 1, options), quiz.version)
    two = authoring_parts.add_question(db, quiz, QuestionData("Two", False, 1, options), quiz.version)
    assert admin.post(f"{base(quiz.course)}/{quiz.id}/questions/{one.id}/move/down").status_code == 302
    db.expire_all()
    assert (one.position, two.position) == (2, 1)
    wrong = f"{base(quiz.course)}/{task.id}/questions/{one.id}/move/up"  # a question of another assessment
    assert admin.post(wrong).status_code == 404
