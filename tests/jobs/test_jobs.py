"""Background jobs: creating, running inline, progress, failures, and who may see a job."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.errors import NotFound
from academy.jobs.models import JobStatus
from academy.jobs.queue import dispatch
from academy.jobs.services import UnknownJobKind, create_job, job_for, run_job
from tests.conftest import Factory

pytestmark = pytest.mark.usefixtures("app_ctx")


def test_a_job_of_an_unknown_kind_cannot_be_created(db: Session, make: Factory) -> None:
    with pytest.raises(UnknownJobKind):
        create_job(db, "mine-bitcoin", make.user(Role.ADMIN))


def test_without_redis_a_job_runs_inline_and_commits_progress_as_it_goes(
    db: Session, make: Factory, app: object
) -> None:
    owner = make.user(Role.ADMIN)
    job = create_job(db, "test-count", owner, {"rows": 7})
    db.commit()
    assert job.status is JobStatus.QUEUED
    app.config["JOB_PROGRESS_EVERY"] = 3  # type: ignore[attr-defined]
    try:
        assert dispatch(job.id) is JobStatus.DONE
    finally:
        del app.config["JOB_PROGRESS_EVERY"]  # type: ignore[attr-defined]
    db.expire_all()
    assert job.status is JobStatus.DONE and (job.done, job.total) == (7, 7)
    assert job.result is not None
    # What another session saw after each row: the count committed every third row.
    assert job.result["seen"] == [0, 0, 3, 3, 3, 6, 6]
    assert job.started_at is not None and job.finished_at is not None and job.error == ""


def test_a_failing_job_is_marked_failed_with_its_error(db: Session, make: Factory) -> None:
    job = create_job(db, "test-explode", make.user(Role.ADMIN))
    db.commit()
    assert run_job(job.id) is JobStatus.FAILED
    db.expire_all()
    assert job.status is JobStatus.FAILED and job.finished_at is not None
    assert job.error == "Unexpected error: ValueError: the disk is full"


def test_a_job_that_gives_up_keeps_its_message_and_result(db: Session, make: Factory) -> None:
    job = create_job(db, "test-give-up", make.user(Role.ADMIN))
    db.commit()
    assert run_job(job.id) is JobStatus.FAILED
    db.expire_all()
    assert (job.error, job.result) == ("Gave up on purpose.", {"reason": "testing"})


def test_a_job_runs_once(db: Session, make: Factory) -> None:
    job = create_job(db, "test-count", make.user(Role.ADMIN), {"rows": 1})
    db.commit()
    assert run_job(job.id) is JobStatus.DONE
    assert run_job(job.id) is None
    assert run_job(987654) is None


def test_a_kind_that_disappeared_fails_the_job(db: Session, make: Factory) -> None:
    job = create_job(db, "test-count", make.user(Role.ADMIN))
    job.kind = "retired-kind"
    db.commit()
    assert run_job(job.id) is JobStatus.FAILED
    db.expire_all()
    assert job.error == "This kind of job does not exist."


def test_queue_unreachable_fails_the_job(db: Session, make: Factory, app: object) -> None:
    job = create_job(db, "test-count", make.user(Role.ADMIN))
    db.commit()
    config = app.config  # type: ignore[attr-defined]
    extensions = app.extensions  # type: ignore[attr-defined]
    config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        assert dispatch(job.id) is JobStatus.FAILED
    finally:
        config["REDIS_URL"] = None
        extensions.pop("academy_redis", None)
    db.expire_all()
    assert job.status is JobStatus.FAILED and "not reachable" in job.error


def test_only_the_owner_and_admins_see_a_job(db: Session, make: Factory) -> None:
    owner, other_admin = make.user(Role.ADMIN), make.user(Role.ADMIN)
    student, instructor = make.user(), make.user(Role.INSTRUCTOR)
    job = create_job(db, "test-count", owner)
    assert job_for(db, job.id, owner) is job
    assert job_for(db, job.id, other_admin) is job
    for outsider in (student, instructor):
        with pytest.raises(NotFound):
            job_for(db, job.id, outsider)
    own = create_job(db, "test-count", student)
    assert job_for(db, own.id, student) is own
    with pytest.raises(NotFound):
        job_for(db, 987654, owner)
