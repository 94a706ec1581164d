"""Administrators author assessments through the pages: forms and their errors, versions (409), ids of
other courses (404), other roles (403), rubrics, quiz questions, the policy, and the list's queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.courses.models import Course, CourseStatus
from academy.grading import authoring_parts
from academy.grading.authoring_parts import CriterionData, LevelData, OptionData, QuestionData
from academy.grading.models import Assessment, AssessmentKind
from academy.grading.services import GradeValue, save_grade
from tests.conftest import Browser, Factory, QueryCounter

# Assessments are authored while a course is a draft; a published course keeps its weights at 100
# (tests/grading/test_weights.py).
DRAFT = CourseStatus.DRAFT


def base(course: Course) -> str:
    return f"/admin/courses/{course.id}/assessments"


def form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "assignment",
        "title": "Call script",
        "weight": "40",
        "max_points": "20",
        "due_day": "7",
        "instructions_markdown": "Write a **script**.",
        "submission_type": "link",
        "time_limit_minutes": "",
        "max_attempts": "1",
        "version": "",
    }
    data.update(changes)
    return data


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def admin(browser: Browser) -> Browser:
    browser.login(Role.ADMIN)
    return browser


def test_create_an_assignment(admin: Browser, db: Session, make: Factory) -> None:
    course = make.course(DRAFT)
    page = admin.get(f"{base(course)}/new")
    assert page.status_code == 200 and 'name="weight"' in page.get_data(as_text=True)
    response = admin.post(f"{base(course)}/new", form())
    assert response.status_code == 302
    task = db.scalars(select(Assessment).where(Assessment.course_id == course.id)).one()
    assert (task.title, task.weight, task.max_points, task.due_day) == ("Call script", 40, 20, 6)
    assert task.submission_type is not None and task.submission_type.value == "link"
    assert "<strong>script</strong>" in task.instructions_html
    listing = admin.get(base(course)).get_data(as_text=True)
    assert "Call script" in listing and "Day 7" in listing and "The weights total 40%, not 100%" in listing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weight": "-5"}, "Number must be between 0 and 100."),
        ({"weight": "101"}, "Number must be between 0 and 100."),
        ({"weight": "forty"}, "Not a valid integer value."),
        ({"max_points": "abc"}, "Not a valid decimal value."),
        ({"max_points": "sNaN"}, "Not a valid decimal value."),  # broke the range check (500)
        ({"max_points": "Infinity"}, "Not a valid decimal value."),
        ({"title": "Essay\r\nBcc: all@example.uz"}, "no line breaks or tabs"),  # it goes into e-mail subjects
        ({"max_points": "0"}, "Number must be between 0.01 and 10000."),
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"due_day": "0"}, "Number must be between 1 and 1000."),
        ({"kind": "essay"}, "Not a valid choice."),
        ({"kind": "quiz", "max_attempts": "0"}, "Number must be between 1 and 20."),
    ],
)
def test_bad_input_is_refused_with_a_message(
    admin: Browser, db: Session, make: Factory, changes: dict[str, Any], message: str
) -> None:
    course = make.course(DRAFT)
    response = admin.post(f"{base(course)}/new", form(**changes))
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert count(db, Assessment) == 0


def test_a_second_attendance_is_refused_on_the_form(admin: Browser, db: Session, make: Factory) -> None:
    course = make.course(DRAFT)
    make.assessment(course, AssessmentKind.ATTENDANCE, weight=10)
    response = admin.post(f"{base(course)}/new", form(kind="attendance"))
    assert "already counts attendance" in response.get_data(as_text=True)
    assert count(db, Assessment) == 1


def test_edit_and_a_stale_save(admin: Browser, db: Session, make: Factory) -> None:
    task = make.assessment(make.course(DRAFT), due_day=3)
    url = f"{base(task.course)}/{task.id}/edit"
    page = admin.get(url).get_data(as_text=True)
    assert re.search(r'name="due_day"[^>]*value="4"', page)  # the form counts days from 1
    version = task.version
    assert admin.post(url, form(title="Theirs", version=version)).status_code == 302
    stale = admin.post(url, form(title="Mine", version=version))
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Someone else changed this" in body and 'value="Mine"' in body
    db.expire_all()
    assert task.title == "Theirs"


def test_a_graded_assessment_keeps_its_kind_and_points(admin: Browser, db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course, max_points=20)
    save_grade(db, task, make.enrolment(cohort), GradeValue(points=18), 0, make.user(Role.INSTRUCTOR))
    url = f"{base(task.course)}/{task.id}/edit"
    lower = admin.post(url, form(max_points="10", version=task.version, submission_type="text"))
    assert "already has 18 points" in lower.get_data(as_text=True)
    kind = admin.post(url, form(kind="exam", version=task.version))
    assert "its kind cannot change" in kind.get_data(as_text=True)
    page = admin.get(f"{base(task.course)}/{task.id}/delete").get_data(as_text=True)
    assert "cannot be deleted" in page and 'class="button danger"' not in page
    refused = admin.post(f"{base(task.course)}/{task.id}/delete", {"version": task.version})
    assert refused.status_code == 409 and "cannot be deleted" in refused.get_data(as_text=True)
    db.expire_all()
    assert task.kind is AssessmentKind.ASSIGNMENT and task.max_points == 20 and count(db, Assessment) == 1


def test_delete_with_a_confirmation(admin: Browser, db: Session, make: Factory) -> None:
    task = make.assessment(make.course(DRAFT))
    url = f"{base(task.course)}/{task.id}/delete"
    assert "This cannot be undone." in admin.get(url).get_data(as_text=True)
    assert admin.post(url, {"version": task.version - 1}).status_code == 409
    assert admin.post(url, {"version": task.version}).status_code == 302
    assert count(db, Assessment) == 0


def test_move_up_and_down(admin: Browser, db: Session, make: Factory) -> None:
    course = make.course(DRAFT)
    first, second = make.assessment(course, title="A"), make.assessment(course, title="B")
    assert admin.post(f"{base(course)}/{second.id}/move/up").status_code == 302
    db.expire_all()
    assert (first.position, second.position) == (2, 1)
    assert admin.post(f"{base(course)}/{second.id}/move/up", csrf=False).status_code == 400


def test_other_courses_ids_are_not_found(admin: Browser, db: Session, make: Factory) -> None:
    mine, theirs = make.course(DRAFT), make.course(DRAFT)
    task = make.assessment(theirs)
    criterion = authoring_parts.add_criterion(
        db, task, CriterionData("C", "", [LevelData(None, "a", 0), LevelData(None, "b", 2)]), task.version
    )
    own = make.assessment(mine)
    for url in (
        f"{base(mine)}/{task.id}/edit",
        f"{base(mine)}/{task.id}/delete",
        f"{base(mine)}/{task.id}/rubric",
        f"{base(mine)}/{own.id}/rubric/{criterion.id}/edit",
        f"{base(mine)}/{own.id}/rubric/{criterion.id}/delete",
        "/admin/courses/999999/assessments",
        "/admin/courses/999999/policy",
    ):
        assert admin.get(url).status_code == 404, url
    assert admin.post(f"{base(mine)}/{task.id}/move/up").status_code == 404
    assert admin.post(f"{base(mine)}/{task.id}/delete", {"version": task.version}).status_code == 404
    assert count(db, Assessment) == 2


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.STUDENT, Role.EMPLOYER])
def test_only_admins(browser: Browser, make: Factory, role: Role) -> None:
    task = make.assessment(make.course(DRAFT))
    browser.login(role)
    assert browser.get(base(task.course)).status_code == 403
    assert browser.get(f"/admin/courses/{task.course_id}/policy").status_code == 403
    assert browser.post(f"{base(task.course)}/new", form()).status_code == 403


def policy_form(version: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "pass_mark": "70",
        "late_grace_hours": "12",
        "late_penalty_per_day": "2.5",
        "late_floor": "50",
        "min_attendance": "75",
        "missing_counts_as": "0",
        "version": version,
    }
    data.update(changes)
    return data


def test_the_policy_form(admin: Browser, db: Session, make: Factory) -> None:
    course = make.course(DRAFT)
    url = f"/admin/courses/{course.id}/policy"
    page = admin.get(url).get_data(as_text=True)
    assert "Grace period, hours" in page and "every day or part of a day late" in page
    assert "a floor of 50%. Work due on Monday" in page and "%%" not in page
    bad = admin.post(url, policy_form(course.version, pass_mark="120", late_penalty_per_day="x"))
    assert "Number must be between 0 and 100." in bad.get_data(as_text=True)
    assert admin.post(url, policy_form(course.version)).status_code == 302
    db.expire_all()
    assert (course.pass_mark, course.late_grace_hours, course.late_penalty_per_day) == (70, 12, 2.5)
    stale = admin.post(url, policy_form(course.version - 1, pass_mark="10"))
    assert stale.status_code == 409
    db.expire_all()
    assert course.pass_mark == 70


def test_the_course_page_links_assessments_and_policy(admin: Browser, make: Factory) -> None:
    course = make.course(DRAFT)
    page = admin.get(f"/admin/courses/{course.id}").get_data(as_text=True)
    assert f"/admin/courses/{course.id}/assessments" in page and f"/admin/courses/{course.id}/policy" in page


def test_the_list_reads_a_fixed_number_of_queries(
    admin: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    course = make.course(DRAFT)

    def add(n: int) -> None:
        for _ in range(n):
            quiz = make.assessment(course, AssessmentKind.QUIZ, weight=1)
            authoring_parts.add_question(
                db,
                quiz,
                QuestionData("Q", False, 1, [OptionData(None, "a", True), OptionData(None, "b", False)]),
                1,
            )
            task = make.assessment(course, weight=1)
            authoring_parts.add_criterion(
                db, task, CriterionData("C", "", [LevelData(None, "a", 0), LevelData(None, "b", 1)]), 1
            )
            cohort = make.cohort(course)
            save_grade(db, task, make.enrolment(cohort), GradeValue(points=1), 0, None)

    def measure() -> int:
        count_queries.statements.clear()
        assert admin.get(base(course)).status_code == 200
        return count_queries.count

    add(1)
    small = measure()
    add(6)
    assert measure() == small


def test_a_quiz_with_unlimited_attempts_round_trips(admin: Browser, db: Session, make: Factory) -> None:
    course = make.course(DRAFT)
    quiz_form = form(kind="quiz", max_attempts="", time_limit_minutes="20", shuffle="y", due_day="")
    assert admin.post(f"{base(course)}/new", quiz_form).status_code == 302
    quiz = db.scalars(select(Assessment).where(Assessment.course_id == course.id)).one()
    assert (quiz.max_attempts, quiz.time_limit_minutes, quiz.due_day, quiz.submission_type) == (
        None,
        20,
        None,
        None,
    )
    page = admin.get(f"{base(course)}/{quiz.id}/edit").get_data(as_text=True)
    assert (
        re.search(r'name="max_attempts"[^>]*value=""', page) or 'name="max_attempts" type="number">' in page
    )
    saved = admin.post(
        f"{base(course)}/{quiz.id}/edit", {**quiz_form, "max_attempts": "3", "version": quiz.version}
    )
    assert saved.status_code == 302
    db.expire_all()
    assert quiz.max_attempts == 3 and quiz.shuffle


def test_the_list_marks_work_and_hides_delete(admin: Browser, db: Session, make: Factory) -> None:
    cohort = make.cohort()
    graded_task = make.assessment(cohort.course, title="Graded", weight=60)
    make.assessment(cohort.course, title="Fresh", weight=40)
    save_grade(db, graded_task, make.enrolment(cohort), GradeValue(points=5), 0, None)
    page = admin.get(base(cohort.course)).get_data(as_text=True)
    assert page.count("Has students") == 1 and "Balanced" in page
    assert f"/assessments/{graded_task.id}/delete" not in page
