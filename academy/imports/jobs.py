"""The ``import-enrolments`` background job: check the uploaded file again, then import it.

The file was checked when it was uploaded, but accounts, enrolments and seats may have changed
since: the job plans again and imports only a file that is still clean, in one transaction.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from academy.imports import uploads
from academy.imports.csvfile import read_csv
from academy.imports.services import apply_import, plan_import
from academy.jobs.models import Job
from academy.jobs.services import JobFailed, Progress

KIND = "import-enrolments"


def run_import(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    token = str(job.params.get("upload", ""))
    file_name = str(job.params.get("file_name", ""))
    try:
        upload = uploads.load(token)
        rows = read_csv(upload.data).rows
        progress.start(len(rows))
        plan = plan_import(session, rows, progress=progress.advance)
        if not plan.clean:
            raise JobFailed(
                _l("The file has errors now that it is checked again; nothing was imported."),
                result={"file_name": file_name, **plan.summary()},
            )
        progress.grow(len(plan.enrolments))
        apply_import(session, plan, actor=job.owner, file_name=file_name, progress=progress.advance)
        return {"file_name": file_name, **plan.summary()}
    finally:
        uploads.delete(token)
