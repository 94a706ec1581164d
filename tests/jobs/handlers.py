"""Job handlers for the tests, registered under test-only kinds by ``tests/jobs/conftest.py``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.db import database
from academy.jobs.models import Job
from academy.jobs.services import JobFailed, Progress


def count(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    """Goes through ``rows`` rows and notes what another session saw of its progress on the way."""
    rows = int(job.params.get("rows", 10))
    progress.start(rows)
    seen = []
    for _ in range(rows):
        progress.advance()
        with database().sessionmaker() as other:
            seen.append(other.scalar(select(Job.done).where(Job.id == job.id)))
    return {"rows": rows, "seen": seen}


def explode(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    progress.start(3)
    raise ValueError("the disk is full\nsecond line")


def give_up(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    raise JobFailed("Gave up on purpose.", result={"reason": "testing"})
