"""The Redis path: a committed job's id goes onto a list, and ``flask worker`` pops and runs it.

Runs against the Redis on 127.0.0.1:6379 (``REDIS_TEST_URL`` overrides it), each test on a list of
its own; skipped with a reason when that Redis does not answer.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.jobs.models import Job, JobStatus
from academy.jobs.queue import dispatch
from academy.jobs.services import create_job
from tests.conftest import Factory

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def queue(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[redis.Redis, str]]:
    """The app switched to Redis, with a list name no other test uses; the list is removed after."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    name = f"academy-test:jobs:{uuid.uuid4().hex}"
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "JOB_QUEUE", name)
    app.extensions.pop("academy_redis", None)
    try:
        yield client, name
    finally:
        client.delete(name)
        client.close()
        app.extensions.pop("academy_redis", None)


def _jobs(app: Flask, db: Session, make: Factory, *kinds: str) -> list[Job]:
    owner = make.user(Role.ADMIN)
    jobs = [create_job(db, kind, owner, {"rows": 3}) for kind in kinds]
    db.commit()
    with app.app_context():
        for job in jobs:
            assert dispatch(job.id) is JobStatus.QUEUED
    return jobs


def test_dispatch_queues_the_id_and_leaves_the_job_waiting(
    app: Flask, db: Session, make: Factory, queue: tuple[redis.Redis, str]
) -> None:
    client, name = queue
    (job,) = _jobs(app, db, make, "test-count")
    assert client.lrange(name, 0, -1) == [str(job.id).encode()]
    db.expire_all()
    assert job.status is JobStatus.QUEUED


def test_worker_runs_jobs_in_order_and_goes_on_after_a_failure(
    app: Flask, db: Session, make: Factory, queue: tuple[redis.Redis, str]
) -> None:
    client, name = queue
    first, failing, last = _jobs(app, db, make, "test-count", "test-explode", "test-count")
    client.rpush(name, "not-a-job-id", "987654")  # noise on the list is skipped
    result = app.test_cli_runner().invoke(args=["worker", "--burst", "--wait", "1"])
    assert result.exit_code == 0, result.output
    assert "Worker stopped after 4 job(s)." in result.stdout
    db.expire_all()
    assert [j.status for j in (first, failing, last)] == [JobStatus.DONE, JobStatus.FAILED, JobStatus.DONE]
    assert failing.error == "Unexpected error: ValueError: the disk is full"
    assert (last.done, last.total) == (3, 3)
    assert client.llen(name) == 0


def test_worker_stops_after_max_jobs(
    app: Flask, db: Session, make: Factory, queue: tuple[redis.Redis, str]
) -> None:
    client, name = queue
    first, second = _jobs(app, db, make, "test-count", "test-count")
    result = app.test_cli_runner().invoke(args=["worker", "--max-jobs", "1", "--queue", name])
    assert result.exit_code == 0, result.output
    db.expire_all()
    assert (first.status, second.status) == (JobStatus.DONE, JobStatus.QUEUED)
    assert client.lrange(name, 0, -1) == [str(second.id).encode()]


def test_worker_refuses_to_start_without_redis(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 1 and "REDIS_URL is not set" in result.output


def test_worker_help_explains_itself(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["worker", "--help"])
    assert result.exit_code == 0 and "BLPOP" in result.output and "REDIS_URL" in result.output
