"""Issuing a cohort's certificates from its pages (a background job, run inline in tests) and the
cohort's list of certificates."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from academy.auth.models import Role, User
from academy.certificates.jobs import run_issue
from academy.certificates.models import Certificate
from academy.cohorts.models import EnrolmentStatus
from academy.jobs.models import Job, JobStatus
from academy.jobs.services import JobFailed, Progress, create_job
from tests.certificates.conftest import Finished, finished_cohort
from tests.conftest import Browser, Factory, QueryCounter


def _teacher(finished: Finished) -> User:
    teacher = finished.make.user(Role.INSTRUCTOR)
    finished.cohort.instructors.append(teacher)
    finished.db.flush()
    return teacher


def _url(finished: Finished) -> str:
    return f"/teach/cohorts/{finished.cohort.code}/certificates"


def _certificates(db: Session, finished: Finished) -> int:
    return db.scalar(select(func.count()).where(Certificate.cohort_id == finished.cohort.id)) or 0


def test_issuing_runs_as_a_job_whose_page_shows_the_counts(
    browser: Browser, db: Session, graduated: Finished
) -> None:
    graduated.student(points=90)
    graduated.student(points=75)
    graduated.student(points=30)  # failed the exam
    graduated.student(points=90, status=EnrolmentStatus.ENROLLED)  # not completed
    browser.login(_teacher(graduated))
    page = browser.get(f"/teach/cohorts/{graduated.cohort.code}").get_data(as_text=True)
    assert "Issue certificates" in page and _url(graduated) in page

    response = browser.post(_url(graduated))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    job = db.scalar(select(Job).order_by(Job.id.desc()))
    assert job is not None and response.status_code == 302
    assert response.headers["Location"] == f"/jobs/{job.id}"
    db.expire_all()
    assert job.status is JobStatus.DONE and job.kind == "issue-certificates"
    assert job.result == {"cohort": graduated.cohort.code, "issued": 2, "already": 0, "not_eligible": 2}
    assert job.total == job.done == 4
    shown = browser.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "2 certificates issued" in shown and "2 students do not qualify" in shown
    assert _certificates(db, graduated) == 2


def test_issuing_twice_makes_one_certificate_each(browser: Browser, db: Session, graduated: Finished) -> None:
    graduated.student(points=90)
    browser.login(graduated.admin)
    assert browser.post(_url(graduated)).status_code == 302
    assert browser.post(_url(graduated)).status_code == 302
    db.expire_all()
    last = db.scalar(select(Job).order_by(Job.id.desc()))
    assert last is not None and last.result is not None
    assert (last.result["issued"], last.result["already"]) == (0, 1)
    assert _certificates(db, graduated) == 1


def test_admin_enrolments_page_has_the_button(browser: Browser, graduated: Finished) -> None:
    browser.login(graduated.admin)
    page = browser.get(f"/admin/cohorts/{graduated.cohort.code}/enrolments").get_data(as_text=True)
    assert "Issue certificates" in page and _url(graduated) in page


def test_another_instructors_cohort_is_404(browser: Browser, db: Session, graduated: Finished) -> None:
    graduated.student(points=90)
    _teacher(graduated)
    browser.login(Role.INSTRUCTOR)
    assert browser.post(_url(graduated)).status_code == 404
    assert browser.get(_url(graduated)).status_code == 404
    assert _certificates(db, graduated) == 0
    assert browser.post("/teach/cohorts/NO-SUCH/certificates").status_code == 404


@pytest.mark.parametrize("role", [Role.STUDENT, Role.EMPLOYER])
def test_students_and_employers_are_refused(
    browser: Browser, db: Session, graduated: Finished, role: Role
) -> None:
    graduated.student(points=90)
    browser.login(role)
    assert browser.post(_url(graduated)).status_code == 403
    assert browser.get(_url(graduated)).status_code == 403
    assert _certificates(db, graduated) == 0


def test_a_post_without_csrf_changes_nothing(browser: Browser, db: Session, graduated: Finished) -> None:
    graduated.student(points=90)
    browser.login(graduated.admin)
    assert browser.post(_url(graduated), csrf=False).status_code == 400
    assert _certificates(db, graduated) == 0


def test_cohort_list_shows_holders_serials_and_status(
    browser: Browser, db: Session, graduated: Finished
) -> None:
    graduated.student(points=90, first_name="Dilnoza", last_name="Karimova")
    browser.login(_teacher(graduated))
    assert "No certificate has been issued yet." in browser.get(_url(graduated)).get_data(as_text=True)
    browser.post(_url(graduated))
    certificate = db.scalar(select(Certificate).where(Certificate.cohort_id == graduated.cohort.id))
    assert certificate is not None
    page = browser.get(_url(graduated)).get_data(as_text=True)
    assert "Dilnoza Karimova" in page and certificate.serial in page and "Valid" in page


def test_cohort_list_queries_do_not_grow_with_certificates(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    counts = []
    for students in (2, 12):
        finished = finished_cohort(db, make)
        for _ in range(students):
            finished.student(points=80)
        if browser.user:
            browser.logout()
        browser.login(finished.admin)
        browser.post(_url(finished))
        assert _certificates(db, finished) == students
        before = count_queries.count
        assert browser.get(_url(finished)).status_code == 200
        counts.append(count_queries.count - before)
    assert counts[0] == counts[1], counts


def test_the_job_refuses_an_owner_who_no_longer_teaches_the_cohort(
    db: Session, make: Factory, app_ctx: None
) -> None:
    graduated = finished_cohort(db, make)
    graduated.student(points=90)
    outsider = make.user(Role.INSTRUCTOR)
    job = create_job(db, "issue-certificates", outsider, {"cohort_id": graduated.cohort.id})
    with pytest.raises(JobFailed):
        run_issue(db, job, Progress(job.id, db, sessionmaker()))
    assert _certificates(db, graduated) == 0
