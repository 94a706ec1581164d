"""Students' pages: their work and released results per cohort, handing in (text, link, file), and
the download of a handed-in file; nobody else's cohort, work or file."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.db import utcnow
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    CohortAssessment,
    RubricCriterion,
    RubricLevel,
    Submission,
    SubmissionType,
)
from academy.grading.services import GradeValue, save_grade
from tests.conftest import Browser, Factory, QueryCounter
from tests.grading import samples

CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')


@pytest.fixture
def folder(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(app.config, "SUBMISSION_FOLDER", str(tmp_path))
    return tmp_path


def _running(make: Factory, **course: object) -> Cohort:
    today = utcnow().date()
    return make.cohort(
        course=make.course(**course), starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=40)
    )


def _student_in(browser: Browser, cohort: Cohort) -> tuple[User, Enrolment]:
    student = browser.login(Role.STUDENT)
    return student, browser.make.enrolment(cohort, student)


def _release(db: Session, cohort: Cohort, task: Assessment) -> None:
    db.add(CohortAssessment(cohort_id=cohort.id, assessment_id=task.id, released_at=utcnow()))
    db.flush()


def _page(browser: Browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _url(cohort: Cohort, task: Assessment | None = None) -> str:
    return f"/my/cohorts/{cohort.code}" + (f"/assessments/{task.id}" if task else "")


def _submissions(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Submission)) or 0


# ---- the cohort page ----


def test_the_student_sees_each_assessment_with_kind_weight_due_date_and_state(
    browser: Browser, db: Session, make: Factory
) -> None:
    cohort = _running(make)
    essay = make.assessment(cohort.course, title="Essay on call scripts", weight=40, due_day=30)
    missed = make.assessment(cohort.course, title="Missed task", weight=20, due_day=2)
    make.assessment(cohort.course, AssessmentKind.QUIZ, title="Quiz one", weight=20, due_day=30)
    make.assessment(cohort.course, AssessmentKind.EXAM, title="Final exam", weight=20)
    _student, enrolment = _student_in(browser, cohort)
    db.add(Submission(assessment_id=essay.id, enrolment_id=enrolment.id, text="x", submitted_at=utcnow()))
    db.flush()
    body = _page(browser, _url(cohort))
    for text in ("Essay on call scripts", "Quiz one", "Final exam", "Practical exam", "Weight: 40%", "Due:"):
        assert text in body
    assert "Handed in" in body and "Missing" in body and "To do" in body
    assert f'href="{_url(cohort, missed)}"' in body
    assert "In progress" in body
    assert f'href="{_url(cohort)}"' in _page(browser, "/dashboard")  # linked from the dashboard


def test_an_unreleased_grade_changes_nothing_the_student_sees(
    browser: Browser, db: Session, make: Factory
) -> None:
    cohort = _running(make, late_penalty_per_day=10)
    shown = make.assessment(cohort.course, title="Released one", weight=50, due_day=5)
    hidden = make.assessment(cohort.course, title="Hidden one", weight=50, due_day=5)
    _student, enrolment = _student_in(browser, cohort)
    teacher = make.user(Role.INSTRUCTOR)
    for task in (shown, hidden):
        db.add(Submission(assessment_id=task.id, enrolment_id=enrolment.id, text="x", submitted_at=utcnow()))
    save_grade(db, shown, enrolment, GradeValue(points=80, feedback="Clear and polite."), 0, teacher)
    _release(db, cohort, shown)
    pages = [_url(cohort), _url(cohort, hidden)]
    _page(browser, "/dashboard")  # shows the sign-in's flash message
    before = [CSRF_VALUE.sub("", _page(browser, url)) for url in pages]
    save_grade(db, hidden, enrolment, GradeValue(points=3, feedback="SECRET-FEEDBACK"), 0, teacher)
    after = [CSRF_VALUE.sub("", _page(browser, url)) for url in pages]
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
    cohort = _running(make, pass_mark=60)
    task = make.assessment(cohort.course, title="Call review", weight=100, max_points=10, due_day=30)
    criterion = RubricCriterion(assessment_id=task.id, position=1, title="Tone of voice")
    criterion.levels = [RubricLevel(title="Warm and clear", points=10), RubricLevel(title="Flat", points=4)]
    db.add(criterion)
    db.flush()
    db.refresh(task)
    _student, enrolment = _student_in(browser, cohort)
    save_grade(
        db,
        task,
        enrolment,
        GradeValue(feedback="Well done <b>really</b>", levels={criterion.id: criterion.levels[0].id}),
        0,
        None,
    )
    assert "Tone of voice" not in _page(browser, _url(cohort))
    _release(db, cohort, task)
    body = _page(browser, _url(cohort))
    assert "10 of 10 points" in body and "Tone of voice: <strong>Warm and clear</strong>" in body
    assert "Well done &lt;b&gt;really&lt;/b&gt;" in body  # escaped
    assert "Passed" in body and "100%" in body
    assert "Graded" in body


@pytest.mark.parametrize("status", [EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED])
def test_a_former_student_still_sees_their_results_but_cannot_hand_in(
    browser: Browser, db: Session, make: Factory, status: EnrolmentStatus
) -> None:
    cohort = _running(make)
    task = make.assessment(cohort.course, due_day=30)
    _student, enrolment = _student_in(browser, cohort)
    enrolment.status = status
    db.flush()
    _page(browser, _url(cohort))
    body = _page(browser, _url(cohort, task))
    assert "Only students enrolled in the cohort can hand in work." in body and "<textarea" not in body
    assert browser.post(_url(cohort, task), {"text": "late"}).status_code == 200
    assert _submissions(db) == 0


@pytest.mark.parametrize("status", [EnrolmentStatus.WITHDRAWN, EnrolmentStatus.WAITLISTED, None])
def test_a_cohort_the_student_is_not_in_is_404(
    browser: Browser, db: Session, make: Factory, status: EnrolmentStatus | None
) -> None:
    cohort = _running(make)
    task = make.assessment(cohort.course)
    make.enrolment(cohort)  # someone else is enrolled
    student = browser.login(Role.STUDENT)
    if status is not None:
        enrolment = make.enrolment(cohort, student)
        enrolment.status = status
        enrolment.waitlist_ticket = 1 if status is EnrolmentStatus.WAITLISTED else None
        db.flush()
    for url in (_url(cohort), _url(cohort, task), "/my/cohorts/NO-SUCH"):
        assert browser.get(url).status_code == 404, url
    assert browser.post(_url(cohort, task), {"text": "mine"}).status_code == 404
    assert _submissions(db) == 0


def test_an_assessment_of_another_course_is_404(browser: Browser, db: Session, make: Factory) -> None:
    cohort = _running(make)
    other = _running(make)
    elsewhere = make.assessment(other.course)
    _student_in(browser, cohort)
    make.enrolment(other)
    assert browser.get(_url(cohort, elsewhere)).status_code == 404
    assert browser.post(_url(cohort, elsewhere), {"text": "x"}).status_code == 404
    assert browser.get(f"/my/cohorts/{cohort.code}/assessments/999999").status_code == 404
    assert _submissions(db) == 0


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.ADMIN, Role.EMPLOYER])
def test_the_student_pages_are_for_students(browser: Browser, make: Factory, role: Role) -> None:
    cohort = _running(make)
    task = make.assessment(cohort.course)
    browser.login(role)
    assert browser.get(_url(cohort)).status_code == 403
    assert browser.get(_url(cohort, task)).status_code == 403


def test_the_cohort_page_queries_do_not_grow_with_assessments(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    def build(n: int) -> Cohort:
        cohort = _running(make)
        tasks = [make.assessment(cohort.course, weight=100 // n, due_day=i) for i in range(n)]
        enrolment = make.enrolment(cohort, student)
        for task in tasks[::2]:
            db.add(
                Submission(assessment_id=task.id, enrolment_id=enrolment.id, text="x", submitted_at=utcnow())
            )
            save_grade(db, task, enrolment, GradeValue(points=50, feedback="ok"), 0, None)
            _release(db, cohort, task)
        return cohort

    student = browser.login(Role.STUDENT)
    small, large = build(2), build(12)
    counts = []
    for cohort in (small, large):
        _page(browser, _url(cohort))
        count_queries.statements.clear()
        _page(browser, _url(cohort))
        counts.append(count_queries.count)
    assert counts[0] == counts[1], count_queries.statements


# ---- handing in ----


def test_the_form_matches_the_submission_type(browser: Browser, make: Factory) -> None:
    cohort = _running(make)
    text = make.assessment(cohort.course, instructions_html="<p>Write <em>politely</em>.</p>", due_day=30)
    link = make.assessment(cohort.course, submission_type=SubmissionType.LINK, due_day=30)
    upload = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    quiz = make.assessment(cohort.course, AssessmentKind.QUIZ, due_day=30)
    _student_in(browser, cohort)
    body = _page(browser, _url(cohort, text))
    assert "<textarea" in body and 'enctype="multipart/form-data"' in body and 'name="csrf_token"' in body
    assert "<p>Write <em>politely</em>.</p>" in body
    assert 'type="url"' in _page(browser, _url(cohort, link))
    body = _page(browser, _url(cohort, upload))
    assert 'type="file"' in body and 'accept=".csv,.docx' in body and "up to 10 MB" in body
    body = _page(browser, _url(cohort, quiz))
    assert '<form method="post" enctype' not in body and "nothing to hand in here" in body
    assert browser.post(_url(cohort, quiz), {"text": "x"}).status_code == 404


def test_hand_in_text_then_again(browser: Browser, db: Session, make: Factory) -> None:
    cohort = _running(make)
    task = make.assessment(cohort.course, due_day=30)
    _student_in(browser, cohort)
    response = browser.post(_url(cohort, task), {"text": "My <script>answer</script>"})
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(cohort, task))
    body = _page(browser, _url(cohort, task))
    assert "Your work is handed in." in body and "My &lt;script&gt;answer&lt;/script&gt;" in body
    assert "Hand in again" in body
    browser.post(_url(cohort, task), {"text": "Second"})
    body = _page(browser, _url(cohort, task))
    assert "replaces what you handed in before" in body and "handed in 2 times" in body
    assert db.scalars(select(Submission)).one().text == "Second"


def test_a_late_hand_in_is_accepted_and_says_how_late(browser: Browser, db: Session, make: Factory) -> None:
    cohort = _running(make)
    task = make.assessment(cohort.course, due_day=15)  # five days ago (23:59)
    _student_in(browser, cohort)
    assert "marked late" in _page(browser, _url(cohort, task))
    browser.post(_url(cohort, task), {"text": "Better late"})
    body = _page(browser, _url(cohort, task))
    assert re.search(r"handed in, \d days after the due date", body)
    assert "Handed in late" in body
    assert "can no longer be replaced" in body and "<textarea" not in body
    assert browser.post(_url(cohort, task), {"text": "Again"}).status_code == 200
    assert db.scalars(select(Submission)).one().text == "Better late"


def test_a_bad_link_is_shown_on_its_field(browser: Browser, db: Session, make: Factory) -> None:
    cohort = _running(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.LINK, due_day=30)
    _student_in(browser, cohort)
    response = browser.post(_url(cohort, task), {"link": "javascript:alert(1)"})
    assert response.status_code == 200
    assert "full web address starting with https://" in response.get_data(as_text=True)
    assert _submissions(db) == 0
    assert browser.post(_url(cohort, task), {"link": "https://example.uz/work"}).status_code == 302


def test_hand_in_without_csrf_is_refused(browser: Browser, db: Session, make: Factory) -> None:
    cohort = _running(make)
    task = make.assessment(cohort.course, due_day=30)
    _student_in(browser, cohort)
    assert browser.post(_url(cohort, task), {"text": "x"}, csrf=False).status_code == 400
    assert _submissions(db) == 0


@pytest.mark.parametrize(("name", "content", "mime"), samples.ACCEPTED)
def test_every_allowed_file_is_handed_in_and_served_back(
    browser: Browser, db: Session, make: Factory, folder: Path, name: str, content: bytes, mime: str
) -> None:
    cohort = _running(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    _student_in(browser, cohort)
    response = browser.post(_url(cohort, task), {"file": (io.BytesIO(content), name)})
    assert response.status_code == 302
    submission = db.scalars(select(Submission)).one()
    assert [p.name for p in folder.iterdir()] == [submission.file_key]
    assert f"/submissions/{submission.id}/file" in _page(browser, _url(cohort, task))
    download = browser.get(f"/submissions/{submission.id}/file")
    assert download.status_code == 200 and download.data == content
    assert download.headers["Content-Type"] == (
        f"{mime}; charset=utf-8" if mime.startswith("text/") else mime
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        download.headers["Content-Disposition"].startswith("attachment;")
        and name in download.headers["Content-Disposition"]
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", samples.EXE, "This type of file cannot be handed in"),
        ("report.pdf", samples.HTML, "is not what its name (.pdf) says"),
        ("essay.docx", samples.PDF, "is not what its name (.docx) says"),
        ("tool.exe", samples.EXE, "This type of file cannot be handed in"),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_a_forbidden_file_is_refused_with_a_message_and_leaves_nothing(
    browser: Browser, db: Session, make: Factory, folder: Path, name: str, content: bytes, message: str
) -> None:
    cohort = _running(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    _student_in(browser, cohort)
    response = browser.post(_url(cohort, task), {"file": (io.BytesIO(content), name)})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _submissions(db) == 0
    assert list(folder.iterdir()) == []


def test_no_file_chosen_is_refused(browser: Browser, db: Session, make: Factory, folder: Path) -> None:
    cohort = _running(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    _student_in(browser, cohort)
    response = browser.post(_url(cohort, task), {})
    assert "Choose the file to hand in." in response.get_data(as_text=True)
    assert _submissions(db) == 0 and list(folder.iterdir()) == []


def test_an_oversize_file_gets_a_clear_error_and_leaves_nothing(
    app: Flask, browser: Browser, db: Session, make: Factory, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SUBMISSION_MAX_BYTES", 1024 * 1024)
    cohort = _running(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    _student_in(browser, cohort)
    big = samples.PDF + b"0" * (1024 * 1024)
    response = browser.post(_url(cohort, task), {"file": (io.BytesIO(big), "big.pdf")})
    assert response.status_code == 200
    assert "The file is larger than 1 MB" in response.get_data(as_text=True)
    assert _submissions(db) == 0 and list(folder.iterdir()) == []
    # Beyond what any request may carry: the translated 413 page, and still nothing kept.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 512 * 1024)
    response = browser.post(_url(cohort, task), {"file": (io.BytesIO(big), "big.pdf")})
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)
    assert _submissions(db) == 0 and list(folder.iterdir()) == []


def test_a_resubmitted_file_replaces_the_old_one(
    browser: Browser, db: Session, make: Factory, folder: Path
) -> None:
    cohort = _running(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    _student_in(browser, cohort)
    browser.post(_url(cohort, task), {"file": (io.BytesIO(samples.PDF), "draft.pdf")})
    browser.post(_url(cohort, task), {"file": (io.BytesIO(samples.PNG), "final.png")})
    submission = db.scalars(select(Submission)).one()
    db.refresh(submission)
    assert (submission.file_name, submission.times_submitted) == ("final.png", 2)
    assert [p.name for p in folder.iterdir()] == [submission.file_key]
    # A refused replacement keeps the file handed in before.
    response = browser.post(_url(cohort, task), {"file": (io.BytesIO(samples.EXE), "final.png")})
    assert response.status_code == 200
    assert [p.name for p in folder.iterdir()] == [submission.file_key]


# ---- the file download ----


def test_the_file_is_served_only_to_its_student_the_cohorts_instructors_and_admins(
    browser: Browser, db: Session, make: Factory, folder: Path
) -> None:
    cohort = _running(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    owner, _ = _student_in(browser, cohort)
    browser.post(_url(cohort, task), {"file": (io.BytesIO(samples.PDF), "mine.pdf")})
    url = f"/submissions/{db.scalars(select(Submission)).one().id}/file"
    teacher = make.user(Role.INSTRUCTOR)
    cohort.instructors.append(teacher)
    classmate = make.user(Role.STUDENT)
    make.enrolment(cohort, classmate)
    elsewhere = _running(make)
    other_teacher = make.user(Role.INSTRUCTOR)
    elsewhere.instructors.append(other_teacher)
    db.flush()
    expected = [
        (owner, 200),
        (teacher, 200),
        (make.user(Role.ADMIN), 200),
        (classmate, 404),
        (other_teacher, 404),
        (make.user(Role.STUDENT), 404),
        (make.employer(), 403),
    ]
    for who, status in expected:
        browser.logout()
        browser.login(who)
        assert browser.get(url).status_code == status, who.role
    assert browser.get("/submissions/999999/file").status_code == 403  # still the employer


def test_a_submission_without_a_file_or_with_its_file_gone_is_404(
    browser: Browser, db: Session, make: Factory, folder: Path
) -> None:
    cohort = _running(make)
    task = make.assessment(cohort.course, due_day=30)
    _student, enrolment = _student_in(browser, cohort)
    text = Submission(assessment_id=task.id, enrolment_id=enrolment.id, text="x")
    gone_task = make.assessment(cohort.course, submission_type=SubmissionType.FILE)
    gone = Submission(
        assessment_id=gone_task.id,
        enrolment_id=enrolment.id,
        file_key="ab" * 16,
        file_name="a.pdf",
        file_type="application/pdf",
    )
    db.add_all([text, gone])
    db.flush()
    assert browser.get(f"/submissions/{text.id}/file").status_code == 404
    assert browser.get(f"/submissions/{gone.id}/file").status_code == 404


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
    cohort = _running(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    student = browser.login(make.user(Role.STUDENT, locale=locale))
    make.enrolment(cohort, student)
    browser.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    assert title in _page(browser, _url(cohort))
    response = browser.post(_url(cohort, task), {"file": (io.BytesIO(samples.EXE), "cv.pdf")})
    assert refusal in response.get_data(as_text=True)
    assert list(folder.iterdir()) == []
