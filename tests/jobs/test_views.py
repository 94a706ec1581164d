"""The page of a job: progress while it runs, the result after, and only for its owner and admins."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.jobs.models import Job, JobStatus
from academy.jobs.services import create_job, run_job
from tests.conftest import Browser, Factory


def test_job_page_refreshes_while_running_and_shows_the_result(
    app: Flask, browser: Browser, db: Session
) -> None:
    owner = browser.login(Role.ADMIN)
    job = create_job(db, "test-count", owner, {"rows": 4})
    db.commit()
    page = browser.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress id="job-progress" max="1" value="0">' in page and "Waiting to start" in page
    db.execute(Job.__table__.update().where(Job.id == job.id).values(status="running", total=40, done=10))
    page = browser.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert '<progress id="job-progress" max="40" value="10">' in page and "10 of 40 (25%)" in page
    assert "<script" not in page and "style=" not in page
    db.execute(Job.__table__.update().where(Job.id == job.id).values(status="queued"))
    with app.app_context():
        assert run_job(job.id) is JobStatus.DONE
    page = browser.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert '<progress id="job-progress" max="4" value="4">' in page and "Done" in page


def test_job_page_access(browser: Browser, db: Session, make: Factory) -> None:
    owner = make.user(Role.ADMIN)
    job = create_job(db, "test-count", owner)
    db.commit()
    assert browser.get(f"/jobs/{job.id}").status_code == 302  # to the sign-in page
    browser.login(Role.STUDENT)
    assert browser.get(f"/jobs/{job.id}").status_code == 404
    browser.logout()
    browser.login(Role.INSTRUCTOR)
    assert browser.get(f"/jobs/{job.id}").status_code == 404
    browser.logout()
    browser.login(Role.ADMIN)
    assert browser.get(f"/jobs/{job.id}").status_code == 200
    browser.logout()
    browser.login(owner)
    assert browser.get(f"/jobs/{job.id}").status_code == 200
    assert browser.get("/jobs/987654").status_code == 404
