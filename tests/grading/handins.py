"""Helpers of the hand-in view tests: a running cohort, a signed-in student in it, their URLs, and a
hand-in folder of their own for each test."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment
from academy.db import utcnow
from academy.grading.models import Assessment, CohortAssessment, Submission
from tests.conftest import Browser, Factory


@pytest.fixture
def folder(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(app.config, "SUBMISSION_FOLDER", str(tmp_path))
    return tmp_path


def running_cohort(make: Factory, **course: object) -> Cohort:
    today = utcnow().date()
    return make.cohort(
        course=make.course(**course), starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=40)
    )


def enrol_student(browser: Browser, cohort: Cohort) -> tuple[User, Enrolment]:
    student = browser.login(Role.STUDENT)
    return student, browser.make.enrolment(cohort, student)


def release_grades(db: Session, cohort: Cohort, task: Assessment) -> None:
    db.add(CohortAssessment(cohort_id=cohort.id, assessment_id=task.id, released_at=utcnow()))
    db.flush()


def page_text(browser: Browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def work_url(cohort: Cohort, task: Assessment | None = None) -> str:
    return f"/my/cohorts/{cohort.code}" + (f"/assessments/{task.id}" if task else "")


def count_submissions(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Submission)) or 0
