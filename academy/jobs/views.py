"""The page of one background job: its status, a progress bar while it runs, then its result."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from academy import access
from academy.db import get_session
from academy.jobs.models import JobStatus
from academy.jobs.registry import get_kind
from academy.jobs.services import job_for

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
REFRESH_SECONDS = 2
STATUS_NAMES = {
    JobStatus.QUEUED.value: _l("Waiting to start"),
    JobStatus.RUNNING.value: _l("Running"),
    JobStatus.DONE.value: _l("Done"),
    JobStatus.FAILED.value: _l("Failed"),
}


@bp.route("/<int:job_id>")
@access.signed_in
def show(job_id: int) -> str:
    """Only the job's owner and administrators see it; anyone else gets 404."""
    job = job_for(get_session(), job_id, current_user)
    running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    return render_template(
        "jobs/job.html",
        job=job,
        kind=get_kind(job.kind),
        running=running,
        refresh=REFRESH_SECONDS if running else None,
        percent=(100 * job.done // job.total) if job.total else (100 if job.status is JobStatus.DONE else 0),
        statuses=JobStatus,
        job_status_names=STATUS_NAMES,
    )
