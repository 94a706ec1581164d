"""Where a committed job goes: run inline, or onto a Redis list that ``flask worker`` takes from.

Without ``REDIS_URL`` (tests, development) :func:`dispatch` runs the job at once, in the request
that created it, after that request has committed. With ``REDIS_URL`` it pushes the job's id onto
the list ``JOB_QUEUE`` (default ``academy:jobs``) and returns; :func:`work` pops ids with BLPOP and
runs them one at a time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from academy.db import database
from academy.jobs.models import JobStatus
from academy.jobs.services import mark_failed, run_job

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "academy:jobs"
RECONNECT_DELAY = 5.0  # seconds the worker waits before asking an unreachable Redis again


def queue_name(app: Flask | None = None) -> str:
    return str((app or current_app).config.get("JOB_QUEUE") or DEFAULT_QUEUE)


def redis_client(app: Flask | None = None) -> redis.Redis | None:
    """A client for ``REDIS_URL`` (one per app), or None when jobs run inline."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    client: redis.Redis | None = app.extensions.get("academy_redis")
    if client is None:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        app.extensions["academy_redis"] = client
    return client


def dispatch(job_id: int) -> JobStatus:
    """Start a committed job: queue it when there is Redis, else run it now. Returns its status."""
    client = redis_client()
    if client is None:
        return run_job(job_id) or JobStatus.FAILED
    queue = queue_name()
    try:
        client.rpush(queue, str(job_id))
    except redis.RedisError:
        log.exception("could not queue job %s on %s", job_id, queue)
        mark_failed(
            database().sessionmaker, job_id, str(_l("The job queue is not reachable. Try again later."))
        )
        return JobStatus.FAILED
    log.info("job %s queued on %s", job_id, queue)
    return JobStatus.QUEUED


def work(
    app: Flask,
    queue: str | None = None,
    burst: bool = False,
    max_jobs: int | None = None,
    wait: int = 5,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Pop job ids from ``queue`` and run them one at a time; returns how many ran.

    ``burst``: stop when the queue is empty. ``max_jobs``: stop after that many. ``wait``: seconds
    one BLPOP waits for an id before looking at ``should_stop`` again. A failing job is recorded as
    FAILED and the loop goes on; an unreachable Redis is retried (or ends a burst run).
    """
    client = redis_client(app)
    if client is None:
        raise RuntimeError("REDIS_URL is not set: without Redis, jobs run inline and need no worker")
    queue = queue or queue_name(app)
    ran = 0
    log.info("worker listening on %s", queue)
    while not should_stop() and (max_jobs is None or ran < max_jobs):
        try:
            item = client.blpop([queue], timeout=wait)
        except redis.ConnectionError:
            if burst:
                raise
            log.exception("Redis is not reachable; trying again in %.0fs", RECONNECT_DELAY)
            time.sleep(RECONNECT_DELAY)
            continue
        if item is None:
            if burst:
                break
            continue
        raw = item[1]
        try:
            job_id = int(raw)
        except ValueError:
            log.warning("ignored %r on %s: not a job id", raw, queue)
            continue
        with app.app_context():
            status = run_job(job_id)
        log.info("job %s: %s", job_id, status.value if status else "skipped")
        ran += 1
    return ran
