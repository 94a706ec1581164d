"""The ``issue-certificates`` background job: issue a whole cohort's certificates with progress.

Issuing is idempotent (see :func:`academy.certificates.services.issue_cohort_certificates`), so a
job started twice, or while another runs, never gives a student a second certificate.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from academy.certificates.services import issue_cohort_certificates
from academy.cohorts.models import Cohort
from academy.cohorts.planning import teaches
from academy.db import utcnow
from academy.jobs.models import Job
from academy.jobs.services import JobFailed, Progress

KIND = "issue-certificates"


def run_issue(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    """Issue the certificates of the job's cohort; the result is what it did, in counts."""
    cohort = session.get(Cohort, int(job.params.get("cohort_id", 0)))
    if cohort is None or job.owner is None or not teaches(session, job.owner, cohort):
        raise JobFailed(_l("You can no longer issue this cohort's certificates."))
    counts = issue_cohort_certificates(session, cohort, job.owner, utcnow(), progress=progress)
    return {
        "cohort": cohort.code,
        "issued": counts.issued,
        "already": counts.already,
        "not_eligible": counts.not_eligible,
    }
