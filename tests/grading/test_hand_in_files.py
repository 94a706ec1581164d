"""Handing in files through the pages, and downloading them: every allowed type goes in and comes
back as it was; a forbidden or over-size file is refused with a message and leaves nothing behind;
the file is served only to its student, the cohort's instructors and administrators."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.grading.models import Submission, SubmissionType
from tests.conftest import Browser, Factory
from tests.grading import samples
from tests.grading.handins import (
    count_submissions,
    enrol_student,
    folder,
    page_text,
    running_cohort,
    work_url,
)

__all__ = ["folder"]  # the fixture


@pytest.mark.parametrize(("name", "content", "mime"), samples.ACCEPTED)
def test_every_allowed_file_is_handed_in_and_served_back(
    browser: Browser, db: Session, make: Factory, folder: Path, name: str, content: bytes, mime: str
) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    enrol_student(browser, cohort)
    response = browser.post(work_url(cohort, task), {"file": (io.BytesIO(content), name)})
    assert response.status_code == 302
    submission = db.scalars(select(Submission)).one()
    assert [p.name for p in folder.iterdir()] == [submission.file_key]
    assert f"/submissions/{submission.id}/file" in page_text(browser, work_url(cohort, task))
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
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    enrol_student(browser, cohort)
    response = browser.post(work_url(cohort, task), {"file": (io.BytesIO(content), name)})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count_submissions(db) == 0
    assert list(folder.iterdir()) == []


def test_no_file_chosen_is_refused(browser: Browser, db: Session, make: Factory, folder: Path) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    enrol_student(browser, cohort)
    response = browser.post(work_url(cohort, task), {})
    assert "Choose the file to hand in." in response.get_data(as_text=True)
    assert count_submissions(db) == 0 and list(folder.iterdir()) == []


def test_an_oversize_file_gets_a_clear_error_and_leaves_nothing(
    app: Flask, browser: Browser, db: Session, make: Factory, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SUBMISSION_MAX_BYTES", 1024 * 1024)
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    enrol_student(browser, cohort)
    big = samples.PDF + b"0" * (1024 * 1024)
    response = browser.post(work_url(cohort, task), {"file": (io.BytesIO(big), "big.pdf")})
    assert response.status_code == 200
    assert "The file is larger than 1 MB" in response.get_data(as_text=True)
    assert count_submissions(db) == 0 and list(folder.iterdir()) == []
    # Beyond what any request may carry: the translated 413 page, and still nothing kept.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 512 * 1024)
    response = browser.post(work_url(cohort, task), {"file": (io.BytesIO(big), "big.pdf")})
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)
    assert count_submissions(db) == 0 and list(folder.iterdir()) == []


def test_a_resubmitted_file_replaces_the_old_one(
    browser: Browser, db: Session, make: Factory, folder: Path
) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    enrol_student(browser, cohort)
    browser.post(work_url(cohort, task), {"file": (io.BytesIO(samples.PDF), "draft.pdf")})
    browser.post(work_url(cohort, task), {"file": (io.BytesIO(samples.PNG), "final.png")})
    submission = db.scalars(select(Submission)).one()
    db.refresh(submission)
    assert (submission.file_name, submission.times_submitted) == ("final.png", 2)
    assert [p.name for p in folder.iterdir()] == [submission.file_key]
    # A refused replacement keeps the file handed in before.
    response = browser.post(work_url(cohort, task), {"file": (io.BytesIO(samples.EXE), "final.png")})
    assert response.status_code == 200
    assert [p.name for p in folder.iterdir()] == [submission.file_key]


# ---- the file download ----


def test_the_file_is_served_only_to_its_student_the_cohorts_instructors_and_admins(
    browser: Browser, db: Session, make: Factory, folder: Path
) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    owner, _ = enrol_student(browser, cohort)
    browser.post(work_url(cohort, task), {"file": (io.BytesIO(samples.PDF), "mine.pdf")})
    url = f"/submissions/{db.scalars(select(Submission)).one().id}/file"
    teacher = make.user(Role.INSTRUCTOR)
    cohort.instructors.append(teacher)
    classmate = make.user(Role.STUDENT)
    make.enrolment(cohort, classmate)
    elsewhere = running_cohort(make)
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
    browser.logout()
    browser.login(teacher)  # the grading view offers the file, under the name it was handed in
    enrolment_id = db.scalars(select(Submission.enrolment_id)).one()
    body = page_text(browser, f"/teach/cohorts/{cohort.code}/gradebook/{task.id}/{enrolment_id}")
    assert f'href="{url}"' in body and "mine.pdf" in body


def test_a_submission_without_a_file_or_with_its_file_gone_is_404(
    browser: Browser, db: Session, make: Factory, folder: Path
) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, due_day=30)
    _student, enrolment = enrol_student(browser, cohort)
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


def test_a_name_in_any_script_is_kept_for_the_download(
    browser: Browser, db: Session, make: Factory, folder: Path
) -> None:
    cohort = running_cohort(make)
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE, due_day=30)
    enrol_student(browser, cohort)
    browser.post(work_url(cohort, task), {"file": (io.BytesIO(samples.PDF), "Отчёт: oʻquvchi.pdf")})
    submission = db.scalars(select(Submission)).one()
    assert submission.file_name == "Отчёт oʻquvchi.pdf"
    assert "Отчёт oʻquvchi.pdf" in page_text(browser, work_url(cohort, task))
    disposition = browser.get(f"/submissions/{submission.id}/file").headers["Content-Disposition"]
    assert "filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%20o%CA%BBquvchi.pdf" in disposition
