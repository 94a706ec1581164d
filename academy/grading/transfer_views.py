"""The gradebook in and out of files: CSV and XLSX exports, and grades imported from CSV.

Under ``/teach/cohorts/<code>/gradebook``, for the cohort's instructors and administrators (another
instructor's cohort is 404). The CSV streams; the XLSX is written by a background job whose page
offers the file to the one who asked for it. An import is checked and previewed first; the upload
waits under the instance folder, readable only through its owner's preview.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from academy import access
from academy.auth.models import Role
from academy.cohorts.models import Cohort
from academy.cohorts.planning import taught_cohort
from academy.db import get_session, utcnow
from academy.errors import DomainError
from academy.forms import show_error
from academy.grading import exports
from academy.grading.grade_import import apply_grade_import, plan_grade_import
from academy.grading.import_report import GradeImportFailed, GradePlan, GradeProblem
from academy.grading.models import Assessment
from academy.imports import uploads
from academy.imports.forms import ConfirmImportForm, EnrolmentFileForm
from academy.jobs.models import Job, JobStatus
from academy.jobs.queue import dispatch
from academy.jobs.services import create_job

bp = Blueprint("transfer", __name__, url_prefix="/teach/cohorts/<code>/gradebook")
PURPOSE = "grades"  # marks a grade file among the uploads
CHANGES_SHOWN = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class GradeFileForm(EnrolmentFileForm):
    """A CSV file of at most 5 MB, as for enrolment imports."""


def _cohort(code: str) -> Cohort:
    return taught_cohort(get_session(), current_user, code)


def _csv_stream(cohort_id: int, now: datetime) -> Iterator[str]:
    """The export, run while the response is sent: after the view's own session has been closed, so
    it opens (and the request's end closes) a session of its own."""
    db = get_session()
    cohort = db.get(Cohort, cohort_id)
    if cohort is not None:
        yield from exports.csv_chunks(db, cohort, now)


@bp.route("/export.csv")
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def export_csv(code: str) -> Response:
    """The whole gradebook as CSV, sent as it is read (a batch of students at a time)."""
    cohort = _cohort(code)
    now = utcnow()
    response = current_app.response_class(
        stream_with_context(_csv_stream(cohort.id, now)), mimetype="text/csv"
    )
    response.headers.set("Content-Disposition", "attachment", filename=exports.file_name(cohort, now, "csv"))
    return response


@bp.route("/export.xlsx", methods=["POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def export_xlsx(code: str) -> Response:
    """Start the XLSX export job and show its page (where the file is offered once written)."""
    cohort = _cohort(code)
    if not ConfirmImportForm().validate_on_submit():
        abort(400)
    db = get_session()
    job = create_job(db, exports.KIND, current_user, {"cohort_id": cohort.id, "cohort": cohort.code})
    db.commit()
    dispatch(job.id)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/exports/<int:job_id>")
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def export_download(code: str, job_id: int) -> Response:
    """The file of a finished export job, to the one who started it only."""
    cohort = _cohort(code)
    job = get_session().get(Job, job_id)
    if (
        job is None
        or job.kind != exports.KIND
        or job.owner_id != current_user.id
        or job.status is not JobStatus.DONE
        or job.params.get("cohort_id") != cohort.id
        or not job.result
    ):
        abort(404)
    path = exports.export_path(str(job.result.get("file", "")))
    name = str(job.result.get("file_name") or exports.file_name(cohort, utcnow(), "xlsx"))
    return send_file(path, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)


@bp.route("/import", methods=["GET", "POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def import_upload(code: str) -> str | Response:
    cohort = _cohort(code)
    form = GradeFileForm()
    if form.validate_on_submit():
        db = get_session()
        data = form.file.data.read(uploads.MAX_BYTES + 1)
        if len(data) > uploads.MAX_BYTES:  # FileSize has checked it; this read is bounded anyway
            abort(413)
        try:
            plan = plan_grade_import(db, cohort, data)
        except DomainError as error:
            show_error(form, error)
        else:
            meta = {"purpose": PURPOSE, "cohort_id": cohort.id, "owner_id": current_user.id}
            token = uploads.save(data, form.file.data.filename or "", {**meta, "plan": plan.as_json()})
            return redirect(url_for("transfer.import_preview", code=cohort.code, token=token))
        finally:
            db.rollback()  # a check reads only; end the read
    return render_template(
        "grading/import_upload.html",
        form=form,
        cohort=cohort,
        excused=exports.EXCUSED,
        gradebook=url_for("gradebook.index", code=cohort.code),
    )


def _upload(cohort: Cohort, token: str) -> uploads.Upload:
    """A grade file this user uploaded for this cohort; 404 for any other upload."""
    upload = uploads.load(token)
    meta = upload.meta
    if (
        meta.get("purpose") != PURPOSE
        or meta.get("cohort_id") != cohort.id
        or meta.get("owner_id") != current_user.id
    ):
        raise uploads.UploadMissing()
    return upload


def _preview(
    cohort: Cohort, upload: uploads.Upload, plan: GradePlan, failures: list[GradeProblem] | None = None
) -> str:
    titles = {
        a.id: exports.column_header(a)
        for a in get_session().scalars(select(Assessment).where(Assessment.course_id == cohort.course_id))
    }
    return render_template(
        "grading/import_preview.html",
        cohort=cohort,
        upload=upload,
        plan=plan,
        changes=plan.changes[:CHANGES_SHOWN],
        titles=titles,
        problems=[(p.line, p.message) for p in plan.errors],
        failures=[(p.line, p.message) for p in failures or []],
        excused=exports.EXCUSED,
        gradebook=url_for("gradebook.index", code=cohort.code),
    )


@bp.route("/import/<token>")
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def import_preview(code: str, token: str) -> str:
    """What the import would change (old -> new per cell), or every problem with its line."""
    cohort = _cohort(code)
    upload = _upload(cohort, token)
    return _preview(cohort, upload, GradePlan.from_json(upload.meta["plan"]))


@bp.route("/import/<token>", methods=["POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def import_apply(code: str, token: str) -> str | Response | tuple[str, int]:
    """Write every change of the preview over the versions it showed, in one transaction, or none."""
    cohort = _cohort(code)
    upload = _upload(cohort, token)
    if not ConfirmImportForm().validate_on_submit():
        abort(400)
    plan = GradePlan.from_json(upload.meta["plan"])
    db = get_session()
    try:
        saved = apply_grade_import(db, cohort, plan, current_user, upload.file_name)
    except GradeImportFailed as failed:
        db.rollback()
        return _preview(cohort, upload, plan, failed.problems), 409
    except DomainError as error:
        db.rollback()
        flash(str(error.message), "warning")
        return redirect(url_for("transfer.import_preview", code=cohort.code, token=upload.token))
    db.commit()
    uploads.delete(upload.token)
    flash(ngettext("%(num)s grade imported.", "%(num)s grades imported.", saved), "success")
    return redirect(url_for("gradebook.index", code=cohort.code))


@bp.route("/import/<token>/discard", methods=["POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def import_discard(code: str, token: str) -> Response:
    cohort = _cohort(code)
    upload = _upload(cohort, token)
    if not ConfirmImportForm().validate_on_submit():
        abort(400)
    uploads.delete(upload.token)
    flash(_("The uploaded file has been deleted."), "info")
    return redirect(url_for("transfer.import_upload", code=cohort.code))
