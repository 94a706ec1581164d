"""The kinds of background job: a name, the function that runs it, and how its result is shown.

A handler is named as ``"module:function"`` and imported only when a job of its kind runs, so that
the registry has no import-time dependency on the features it serves. To add a kind, add a line to
:data:`KINDS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from academy.jobs.models import Job
    from academy.jobs.services import Progress

# handler(session, job, progress) -> result: writes in ``session`` (committed by the runner together
# with the job's DONE status) and reports how far it got through ``progress``.
JobHandler = Callable[["Session", "Job", "Progress"], dict[str, Any]]


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: str  # "package.module:function"
    title: object  # a lazily translated label
    result_template: str | None = None  # renders ``job.result`` on the job's page

    def load(self) -> JobHandler:
        module_name, _, function = self.handler.partition(":")
        handler: JobHandler = getattr(importlib.import_module(module_name), function)
        return handler


KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        JobKind(
            "import-enrolments",
            "academy.imports.jobs:run_import",
            _l("Enrolment import"),
            "imports/job_result.html",
        ),
        JobKind(
            "export-gradebook",
            "academy.grading.exports:run_export",
            _l("Gradebook export"),
            "grading/export_job_result.html",
        ),
        JobKind(
            "issue-certificates",
            "academy.certificates.jobs:run_issue",
            _l("Certificate issuing"),
            "certificates/job_result.html",
        ),
    )
}


def get_kind(name: str) -> JobKind | None:
    return KINDS.get(name)
