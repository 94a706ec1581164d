"""Administrators upload an enrolment file, see its dry run, and start the import as a job."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from academy import access
from academy.auth.models import Role
from academy.db import get_session
from academy.errors import DomainError
from academy.forms import show_error
from academy.imports import uploads
from academy.imports.csvfile import HEADER_EXAMPLE, read_csv
from academy.imports.forms import ConfirmImportForm, EnrolmentFileForm
from academy.imports.jobs import KIND
from academy.imports.problems import describe
from academy.imports.services import plan_import
from academy.jobs.queue import dispatch
from academy.jobs.services import create_job

bp = Blueprint("imports", __name__, url_prefix="/admin/imports")
ERRORS_SHOWN = 200


@bp.app_template_filter("import_problems")
def import_problems(errors: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """Problems stored in a job's result, as (line, sentence in the reader's language)."""
    return [
        (int(e.get("line", 0)), describe(str(e.get("code", "")), e.get("params") or {}))
        for e in errors
        if isinstance(e, dict)
    ]


@bp.route("/enrolments", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def upload() -> str | Response:
    form = EnrolmentFileForm()
    if form.validate_on_submit():
        data = form.file.data.read(uploads.MAX_BYTES + 1)
        if len(data) > uploads.MAX_BYTES:  # FileSize has checked it; this read is bounded anyway
            abort(413)
        try:
            read_csv(data)  # refuse at once what is not an enrolment CSV at all
        except DomainError as error:
            show_error(form, error)
        else:
            token = uploads.save(data, form.file.data.filename or "")
            return redirect(url_for("imports.review", token=token))
    return render_template("imports/upload.html", form=form, header=HEADER_EXAMPLE)


@bp.route("/enrolments/<token>")
@access.roles(Role.ADMIN)
def review(token: str) -> str:
    """The dry run: what the import would do, and every problem with its line number."""
    upload = uploads.load(token)
    parsed = read_csv(upload.data)
    plan = plan_import(get_session(), parsed.rows)
    get_session().rollback()  # nothing was written; end the read
    return render_template(
        "imports/review.html",
        upload=upload,
        parsed=parsed,
        plan=plan,
        counts=plan.counts(),
        problems=[(error.line, error.message) for error in plan.errors[:ERRORS_SHOWN]],
        form=ConfirmImportForm(),
    )


@bp.route("/enrolments/<token>", methods=["POST"])
@access.roles(Role.ADMIN)
def start(token: str) -> Response:
    """Queue the import (it checks the file again before writing) and show its progress."""
    upload = uploads.load(token)
    if not ConfirmImportForm().validate_on_submit():
        abort(400)
    db = get_session()
    job = create_job(db, KIND, current_user, {"upload": upload.token, "file_name": upload.file_name})
    db.commit()
    dispatch(job.id)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/enrolments/<token>/discard", methods=["POST"])
@access.roles(Role.ADMIN)
def discard(token: str) -> Response:
    if not ConfirmImportForm().validate_on_submit():
        abort(400)
    uploads.delete(token)
    flash(_("The uploaded file has been deleted."), "info")
    return redirect(url_for("imports.upload"))
