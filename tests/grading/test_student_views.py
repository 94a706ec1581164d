"""Students' pages: their work and released results per cohort, and handing in text and links;
nobody else's cohort or work. (Files: test_hand_in_files.py.)"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts.models import Cohort, EnrolmentStatus
from academy.db import utcnow
from academy.grading.models import (
    AssessmentKind,
    RubricCriterion,
    RubricLevel,
    Submission,
    SubmissionType,
)
from academy.grading.services import GradeValue, save_grade
from tests.conftest import Browser, Factory, QueryCounter
from tests.grading import samples
from tests.grading.handins import (
    count_submissions,
    enrol_student,
    folder,
    page_text,
    release_grades,
    running_cohort,
    work_url,
)

__all__ = ["folder"]  # the fixture

CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')


# ---- the cohort page ----


def test_the_student_sees_each_assessment_with_kind_weight_due_date_and_state(
    browser: Browser, db: Session, make: Factory
) -> None:
    cohort = running_cohort(make)
    essay = make.assessment(cohort.course, title="Essay on call scripts", weight=40, due_day=30)
    missed = make.assessment(cohort.course, title="Missed task", weight=20, due_day=2)
    make.assessment(cohort.course, AssessmentKind.QUIZ, title="Quiz one", weight=20, due_day=30)
    make.assessment(cohort.course, AssessmentKind.EXAM, title="Final exam", weight=20)
    _student, enrolment = enrol_student(browser, cohort)
    db.add(Submission(assessment_id=essay.id, enrolment_id=enrolment.id, text="x", submitted_at=utcnow()))
    db.flush()
    body = page_text(browser, work_url(cohort))
    for text in ("Essay on call scripts", "Quiz one", "Final exam", "Practical exam", "Weight: 40%", "Due:"):
        assert text in body
    assert "Handed in" in body and "Missing" in body and "To do" in body
    assert f'href="{work_url(cohort, missed)}"' in body
    assert "In progress" in body
    assert f'href="{work_url(cohort)}"' in page_text(browser, "/dashboard")  # linked from the dashboard


def test_an_unreleased_grade_changes_nothing_the_student_sees(
    browser: Browser, db: Session, make: Factory
) -> None:
    cohort = running_cohort(make, late_penalty_per_day=10)
    shown = make.assessment(cohort.course, title="Released one", weight=50, due_day=5)
    hidden = make.assessment(cohort.course, title="Hidden one", weight=50, due_day=5)
    _student, enrolment = enrol_student(browser, cohort)
    teacher = make.user(Role.INSTRUCTOR)
    for task in (shown, hidden):
        db.add(Submission(assessment_id=task.id, enrolment_id=enrolment.id, text="x", submitted_at=utcnow()))
    save_grade(db, shown, enrolment, GradeValue(points=80, feedback="Clear and polite."), 0, teacher)
    release_grades(db, cohort, shown)
    pages = [work_url(cohort), work_url(cohort, hidden)]
    page_text(browser, "/dashboard")  # shows the sign-in's flash message
    before = [CSRF_VALUE.sub("", page_text(browser, url)) for url in pages]
    save_grade(db, hidden, enrolment, GradeValue(points=3, feedback="SECRET-FEEDBACK"), 0, teacher)
    after = [CSRF_VALUE.sub("", page_text(browser, url)) for url in pages]
    for old, new in zip(before, after, strict=True):
        assert old.splitlines() == new.splitlines()
    assert "SECRET-FEEDBACK" not in after[1] and "3 of 100" not in after[1]
    # The released one shows, late by 15 days: 80% lowered by the late policy.
    assert "80 of 100 points" in after[0] and "Clear and polite." in after[0]
    assert "counts 80% as" in after[0]
    # The result counts only the released grade, and stays in progress.
    assert "In progress" in after[0] and "1 assessment is not released yet" in after[0]


def test_released_grades_show_points_feedback_rubric_and_result(
    browser: Browser, db: Session, make: Factory
) -> None:
    cohort = running_cohort(make, pass_mark=60)
    task = make.assessment(cohort.course, title="Call review", weight=100, max_points=10, due_day=30)
    criterion = RubricCriterion(assessment_id=task.id, position=1, title="Tone of voice")
    criterion.levels = [RubricLevel(title="Warm and clear", points=10), RubricLevel(title="Flat", points=4)]
    db.add(criterion)
    db.flush()
    db.refresh(task)
    _student, enrolment = enrol_student(browser, cohort)
    save_grade(
        db,
        task,
        enrolment,
        GradeValue(feedback="Well done <b>really</b>", levels={criterion.id: criterion.levels[0].id}),
        0,
        None,
    )
    assert "Tone of voice" not in page_text(browser, work_url(cohort))
    release_grades(db, cohort, task)
    body = page_text(browser, work_url(cohort))
    assert "10 of 10 points" in body and "Tone of voice: <strong>Warm and clear</strong>" in body
    assert "Well done &lt;b&gt;really&lt;/b&gt;" in body  # escaped
    assert "Passed" in body and "100%" in body
    assert "Graded" in body


def test_the_feedback_of_an_excused_grade_shows_once_released(
    browser: Browser, db: Session, make: Factory
) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, title="Call review", weight=100, due_day=30)
    _student, enrolment = enrol_student(browser, cohort)
    teacher = make.user(Role.INSTRUCTOR)
    value = GradeValue(excused=True, feedback="Excused: medical note <seen>")
    save_grade(db, task, enrolment, value, 0, teacher)
    for url in (work_url(cohort), work_url(cohort, task)):
        assert "medical note" not in page_text(browser, url)  # not released yet
    release_grades(db, cohort, task)
    for url in (work_url(cohort), work_url(cohort, task)):
        body = page_text(browser, url)
        assert "Excused: it does not count in your result." in body
        assert "Feedback" in body and "Excused: medical note &lt;seen&gt;" in body  # escaped


@pytest.mark.parametrize("status", [EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED])
def test_a_former_student_still_sees_their_results_but_cannot_hand_in(
    browser: Browser, db: Session, make: Factory, status: EnrolmentStatus
) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, due_day=30)
    _student, enrolment = enrol_student(browser, cohort)
    enrolment.status = status
    db.flush()
    page_text(browser, work_url(cohort))
    body = page_text(browser, work_url(cohort, task))
    assert "Only students enrolled in the cohort can hand in work." in body and "<textarea" not in body
    assert browser.post(work_url(cohort, task), {"text": "late"}).status_code == 200
    assert count_submissions(db) == 0


@pytest.mark.parametrize("status", [EnrolmentStatus.WITHDRAWN, EnrolmentStatus.WAITLISTED, None])
def test_a_cohort_the_student_is_not_in_is_404(
    browser: Browser, db: Session, make: Factory, status: EnrolmentStatus | None
) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course)
    make.enrolment(cohort)  # someone else is enrolled
    student = browser.login(Role.STUDENT)
    if status is not None:
        enrolment = make.enrolment(cohort, student)
        enrolment.status = status
        enrolment.waitlist_ticket = 1 if status is EnrolmentStatus.WAITLISTED else None
        db.flush()
    for url in (work_url(cohort), work_url(cohort, task), "/my/cohorts/NO-SUCH"):
        assert browser.get(url).status_code == 404, url
    assert browser.post(work_url(cohort, task), {"text": "mine"}).status_code == 404
    assert count_submissions(db) == 0


def test_an_assessment_of_another_course_is_404(browser: Browser, db: Session, make: Factory) -> None:
    cohort = running_cohort(make)
    other = running_cohort(make)
    elsewhere = make.assessment(other.course)
    enrol_student(browser, cohort)
    make.enrolment(other)
    assert browser.get(work_url(cohort, elsewhere)).status_code == 404
    assert browser.post(work_url(cohort, elsewhere), {"text": "x"}).status_code == 404
    assert browser.get(f"/my/cohorts/{cohort.code}/assessments/999999").status_code == 404
    assert count_submissions(db) == 0


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.ADMIN, Role.EMPLOYER])
def test_the_student_pages_are_for_students(browser: Browser, make: Factory, role: Role) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course)
    browser.login(role)
    assert browser.get(work_url(cohort)).status_code == 403
    assert browser.get(work_url(cohort, task)).status_code == 403


def test_the_cohort_page_queries_do_not_grow_with_assessments(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    def build(n: int) -> Cohort:
        cohort = running_cohort(make)
        tasks = [make.assessment(cohort.course, weight=100 // n, due_day=i) for i in range(n)]
        enrolment = make.enrolment(cohort, student)
        for task in tasks[::2]:
            db.add(
                Submission(assessment_id=task.id, enrolment_id=enrolment.id, text="x", submitted_at=utcnow())
            )
            save_grade(db, task, enrolment, GradeValue(points=50, feedback="ok"), 0, None)
            release_grades(db, cohort, task)
        return cohort

    student = browser.login(Role.STUDENT)
    small, large = build(2), build(12)
    counts = []
    for cohort in (small, large):
        page_text(browser, work_url(cohort))
        count_queries.statements.clear()
        page_text(browser, work_url(cohort))
        counts.append(count_queries.count)
    assert counts[0] == counts[1], count_queries.statements


# ---- handing in ----


def test_the_form_matches_the_submission_type(browser: Browser, make: Factory) -> None:
    cohort = running_cohort(make)
    text = make.assessment(cohort.course, instructions_html="<p>Write <em>politely</em>.</p>", due_day=30)
    link = make.assessment(cohort.course, submission_type=SubmissionType.LINK, due_day=30)
    upload = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    quiz = make.assessment(cohort.course, AssessmentKind.QUIZ, due_day=30)
    enrol_student(browser, cohort)
    body = page_text(browser, work_url(cohort, text))
    assert "<textarea" in body and 'enctype="multipart/form-data"' in body and 'name="csrf_token"' in body
    assert "<p>Write <em>politely</em>.</p>" in body
    assert 'type="url"' in page_text(browser, work_url(cohort, link))
    body = page_text(browser, work_url(cohort, upload))
    assert 'type="file"' in body and 'accept=".csv,.docx' in body and "up to 10 MB" in body
    body = page_text(browser, work_url(cohort, quiz))
    assert '<form method="post" enctype' not in body and "nothing to hand in here" in body
    quiz_page = f"/my/cohorts/{cohort.code}/quizzes/{quiz.id}"
    assert f'href="{quiz_page}"' in body
    assert f'href="{quiz_page}"' in page_text(browser, work_url(cohort))  # the quiz's row opens the quiz
    assert browser.post(work_url(cohort, quiz), {"text": "x"}).status_code == 404


def test_hand_in_text_then_again(browser: Browser, db: Session, make: Factory) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, due_day=30)
    enrol_student(browser, cohort)
    response = browser.post(work_url(cohort, task), {"text": "My <script>answer</script>"})
    assert response.status_code == 302 and response.headers["Location"].endswith(work_url(cohort, task))
    body = page_text(browser, work_url(cohort, task))
    assert "Your work is handed in." in body and "My &lt;script&gt;answer&lt;/script&gt;" in body
    assert "Hand in again" in body
    browser.post(work_url(cohort, task), {"text": "Second"})
    body = page_text(browser, work_url(cohort, task))
    assert "replaces what you handed in before" in body and "handed in 2 times" in body
    assert db.scalars(select(Submission)).one().text == "Second"


def test_a_late_hand_in_is_accepted_and_says_how_late(browser: Browser, db: Session, make: Factory) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, due_day=15)  # five days ago (23:59)
    enrol_student(browser, cohort)
    assert "marked late" in page_text(browser, work_url(cohort, task))
    browser.post(work_url(cohort, task), {"text": "Better late"})
    body = page_text(browser, work_url(cohort, task))
    assert re.search(r"handed in, \d days after the due date", body)
    assert "Handed in late" in body
    assert "can no longer be replaced" in body and "<textarea" not in body
    assert browser.post(work_url(cohort, task), {"text": "Again"}).status_code == 200
    assert db.scalars(select(Submission)).one().text == "Better late"


def test_a_bad_link_is_shown_on_its_field(browser: Browser, db: Session, make: Factory) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.LINK, due_day=30)
    enrol_student(browser, cohort)
    for bad in ("javascript:alert(1)", "http://[abc"):  # the second one urlsplit cannot even read
        response = browser.post(work_url(cohort, task), {"link": bad})
        assert response.status_code == 200
        assert "full web address starting with https://" in response.get_data(as_text=True)
        assert count_submissions(db) == 0
    assert browser.post(work_url(cohort, task), {"link": "https://example.uz/work"}).status_code == 302


def test_hand_in_without_csrf_is_refused(browser: Browser, db: Session, make: Factory) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, due_day=30)
    enrol_student(browser, cohort)
    assert browser.post(work_url(cohort, task), {"text": "x"}, csrf=False).status_code == 400
    assert count_submissions(db) == 0


@pytest.mark.parametrize(
    ("locale", "title", "refusal"),
    [
        ("uz", "Ishlarim va natijalarim", "Bunday turdagi faylni topshirib boʻlmaydi"),
        ("ru", "Мои работы и результаты", "Файл такого типа сдать нельзя"),
    ],
)
def test_the_pages_and_refusals_are_translated(
    browser: Browser, db: Session, make: Factory, folder: Path, locale: str, title: str, refusal: str
) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    student = browser.login(make.user(Role.STUDENT, locale=locale))
    make.enrolment(cohort, student)
    browser.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    assert title in page_text(browser, work_url(cohort))
    response = browser.post(work_url(cohort, task), {"file": (io.BytesIO(samples.EXE), "cv.pdf")})
    assert refusal in response.get_data(as_text=True)
    assert list(folder.iterdir()) == []
