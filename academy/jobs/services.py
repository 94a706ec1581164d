"""Background jobs: creating one, running it, and reporting how far it got.

A job runs in a session of its own (the *work* session). Whatever its handler writes is committed
together with the job's DONE status, so a job is never marked done without its work, nor its work
kept when it failed. Progress (``done`` of ``total``) is written by a second, short session every
few rows and committed at once, so that the job's page can show it while the work goes on.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from academy.auth.models import Role, User
from academy.db import database, utcnow
from academy.errors import DomainError, NotFound
from academy.jobs.models import Job, JobStatus
from academy.jobs.registry import get_kind

log = logging.getLogger(__name__)

PROGRESS_EVERY = 500  # rows between two progress commits (``JOB_PROGRESS_EVERY`` overrides it)
ERROR_MAX_LENGTH = 2000


class UnknownJobKind(DomainError):
    message = _l("This kind of job does not exist.")


class JobFailed(DomainError):
    """A handler gives up: ``message`` becomes the job's error, ``result`` (optional) its result."""

    message = _l("The job could not be completed.")

    def __init__(self, message: object | None = None, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.result = result


def create_job(session: Session, kind: str, owner: User | None, params: dict[str, Any] | None = None) -> Job:
    """A QUEUED job of ``kind``; the caller commits, then hands its id to ``academy.jobs.queue``."""
    if get_kind(kind) is None:
        raise UnknownJobKind()
    job = Job(
        kind=kind,
        owner_id=owner.id if owner else None,
        params=dict(params or {}),
        status=JobStatus.QUEUED,
        error="",
        total=0,
        done=0,
        created_at=utcnow(),
    )
    session.add(job)
    session.flush()
    log.info("job %s (%s) created for user %s", job.id, kind, job.owner_id)
    return job


def job_for(session: Session, job_id: int, user: User) -> Job:
    """The job ``user`` may see: their own, or any job for an administrator; else NotFound."""
    job = session.get(Job, job_id)
    if job is None or (job.owner_id != user.id and user.role is not Role.ADMIN):
        raise NotFound()
    return job


class Progress:
    """Counts a job's rows and commits ``done``/``total`` in its own session every ``every`` rows.

    SQLite has one writer at a time: while the work session holds a transaction there, a second
    connection cannot write, so the count is kept and written at the next moment it can be (at the
    latest with the job's final status). PostgreSQL shows every step.
    """

    def __init__(
        self, job_id: int, work: Session, factory: sessionmaker[Session], every: int = PROGRESS_EVERY
    ) -> None:
        self.job_id = job_id
        self.work = work
        self.factory = factory
        self.every = max(1, every)
        self.total = 0
        self.done = 0
        self._written = 0

    def start(self, total: int) -> None:
        """Announce how many rows the job will go through."""
        self.total = max(0, total)
        self.done = 0
        self._write()

    def grow(self, rows: int) -> None:
        """More rows to go through than first announced (a job that learns its size as it goes)."""
        self.total += max(0, rows)

    def advance(self, rows: int = 1) -> None:
        self.done = min(self.done + rows, self.total) if self.total else self.done + rows
        if self.done - self._written >= self.every:
            self._write()

    def _can_write(self) -> bool:
        return self.work.get_bind().dialect.name != "sqlite" or not self.work.in_transaction()

    def _write(self) -> None:
        if not self._can_write():
            return
        with self.factory() as session:
            session.execute(
                update(Job)
                .where(Job.id == self.job_id)
                .values(done=self.done, total=self.total)
                .execution_options(synchronize_session=False)
            )
            session.commit()
        self._written = self.done


def _claim(factory: sessionmaker[Session], job_id: int) -> bool:
    """QUEUED -> RUNNING, once: of two workers given the same id, only one runs it."""
    with factory() as session:
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING, started_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def _describe(error: BaseException) -> str:
    if isinstance(error, DomainError):
        return str(error.message)
    if not isinstance(error, Exception):
        return str(_l("The job was interrupted before it finished."))
    summary = (str(error).strip().splitlines() or [""])[0][:300]
    return str(_l("Unexpected error: %(error)s", error=f"{type(error).__name__}: {summary}"))


def mark_failed(
    factory: sessionmaker[Session], job_id: int, error: str, result: dict[str, Any] | None = None
) -> None:
    """Record that a job failed, in a session of its own (the work session has been rolled back)."""
    values: dict[str, Any] = {
        "status": JobStatus.FAILED,
        "error": error[:ERROR_MAX_LENGTH],
        "finished_at": utcnow(),
    }
    if result is not None:
        values["result"] = result
    with factory() as session:
        session.execute(
            update(Job).where(Job.id == job_id).values(**values).execution_options(synchronize_session=False)
        )
        session.commit()


def run_job(job_id: int) -> JobStatus | None:
    """Run a QUEUED job to DONE or FAILED; None when there was no such job waiting.

    Never raises for a failing job (the failure is recorded); an interruption (KeyboardInterrupt,
    SystemExit) is recorded and then goes on up.
    """
    factory = database().sessionmaker
    if not _claim(factory, job_id):
        log.warning("job %s is not waiting to run; skipped", job_id)
        return None
    every = int(current_app.config.get("JOB_PROGRESS_EVERY", PROGRESS_EVERY))
    with factory() as session:
        job = session.get(Job, job_id)
        assert job is not None  # claimed just now
        kind = get_kind(job.kind)
        locale = job.owner.locale if job.owner else current_app.config["BABEL_DEFAULT_LOCALE"]
        session.commit()  # nothing held while the handler starts (SQLite: let progress be written)
        progress = Progress(job_id, session, factory, every)
        log.info("job %s (%s) started", job_id, job.kind)
        with force_locale(locale):
            try:
                if kind is None:
                    raise UnknownJobKind()
                result = kind.load()(session, job, progress)
                job.status = JobStatus.DONE
                job.result = result
                job.total = max(progress.total, progress.done)
                job.done = job.total
                job.finished_at = utcnow()
                session.commit()
            except BaseException as error:
                session.rollback()
                message = _describe(error)
                if isinstance(error, DomainError):
                    log.info("job %s failed: %s", job_id, message)
                else:
                    log.exception("job %s failed", job_id)
                mark_failed(factory, job_id, message, getattr(error, "result", None))
                if not isinstance(error, Exception):
                    raise
                return JobStatus.FAILED
    log.info("job %s done", job_id)
    return JobStatus.DONE
