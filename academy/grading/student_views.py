"""Students' own work: their assessments and released results in a cohort, handing in, and the
download of a handed-in file (for its student, the cohort's instructors and administrators).

A cohort the student is not (or was not) enrolled in, an assessment of another course, and a file
someone may not read all answer 404, as if they did not exist.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from academy import access
from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment
from academy.cohorts.planning import teaches
from academy.db import get_session, utcnow
from academy.errors import DomainError
from academy.forms import show_error
from academy.grading import files, my_work
from academy.grading.files import StagedFile
from academy.grading.hand_in_forms import HandInForm
from academy.grading.models import Assessment, Submission, SubmissionType
from academy.grading.submissions import HandIn, Receipt, closed_because, submission_of, submit_work
from academy.i18n import format_number
from academy.labels import ASSESSMENT_KIND_NAMES

bp = Blueprint("work", __name__)

STANDING_NAMES = {
    "to_do": _l("To do"),
    "handed_in": _l("Handed in"),
    "late": _l("Handed in late"),
    "missing": _l("Missing"),
    "awaiting": _l("Waiting for the grade"),
    "graded": _l("Graded"),
    "excused": _l("Excused"),
    "attendance": _l("From attendance"),
}
STANDING_BADGES = {"to_do": "wait", "missing": "bad", "late": "wait", "graded": "ok", "handed_in": "ok"}


@bp.context_processor
def names() -> dict[str, object]:
    return {
        "kind_names": ASSESSMENT_KIND_NAMES,
        "standing_names": STANDING_NAMES,
        "standing_badges": STANDING_BADGES,
    }


@bp.app_template_filter("file_size")
def file_size(size: int | None) -> str:
    """A file's size for people: kilobytes below a megabyte, megabytes above."""
    size = size or 0
    if size < files.MIB:
        return _("%(size)s KB", size=format_number(max(1, round(size / 1024))))
    return _("%(size)s MB", size=format_number(round(size / files.MIB, 1)))


@bp.route("/my/cohorts/<code>")
@access.roles(Role.STUDENT)
def cohort(code: str) -> str:
    db = get_session()
    enrolment = my_work.student_enrolment(db, current_user, code)
    return render_template("work/cohort.html", work=my_work.my_work(db, enrolment, utcnow()))


def _hand_in(enrolment: Enrolment, assessment: Assessment, form: HandInForm, now: datetime) -> Receipt:
    """Stage the file (if any), hand in, and commit; a refused file is deleted on the way out."""
    db = get_session()
    kind = assessment.submission_type
    upload = form.file.data if kind is SubmissionType.FILE else None
    receiving: AbstractContextManager[StagedFile | None] = (
        files.received(upload.stream, upload.filename) if upload and upload.filename else nullcontext()
    )
    with receiving as staged:
        receipt = submit_work(
            db,
            assessment,
            enrolment,
            HandIn(text=form.text.data or "", link=form.link.data or "", file=staged),
            now,
        )
        files.commit(db, staged, receipt.replaced_file_key)
    return receipt


def _receipt_message(receipt: Receipt) -> str:
    if receipt.days_late:
        return ngettext(
            "Your work is handed in, %(num)s day after the due date.",
            "Your work is handed in, %(num)s days after the due date.",
            receipt.days_late,
        )
    if receipt.submission.times_submitted > 1:
        return _("Your work is handed in again; it replaces what you handed in before.")
    return _("Your work is handed in.")


@bp.route("/my/cohorts/<code>/assessments/<int:assessment_id>", methods=["GET", "POST"])
@access.roles(Role.STUDENT)
def assessment(code: str, assessment_id: int) -> str | Response:
    """The assessment's instructions, the student's hand-in and its form; POST hands in."""
    db = get_session()
    now = utcnow()
    enrolment = my_work.student_enrolment(db, current_user, code)
    work = my_work.my_work(db, enrolment, now)
    item = my_work.item_of(work, assessment_id)
    task = item.column.assessment
    form = HandInForm()
    form.file.render_kw = {"accept": ",".join(f".{ext}" for ext in sorted(files.ALLOWED_EXTENSIONS))}
    if form.validate_on_submit():
        if task.submission_type is None:
            abort(404)  # a quiz, an exam or attendance: nothing is handed in here
        try:
            receipt = _hand_in(enrolment, task, form, now)
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            flash(_receipt_message(receipt), "success")
            return redirect(url_for("work.assessment", code=code, assessment_id=assessment_id))
    submission = submission_of(db, task.id, enrolment.id) if task.submission_type else None
    closed = (
        closed_because(item.column, enrolment, submission, now, work.policy.grace)
        if task.submission_type
        else None
    )
    return render_template(
        "work/assessment.html",
        work=work,
        item=item,
        task=task,
        submission=submission,
        form=form,
        closed=closed,
        now=now,
        max_size=format_number(files.max_bytes() / files.MIB),
    )


def _may_read(user: User, submission: Submission) -> bool:
    if user.role is Role.STUDENT:
        return submission.enrolment.student_id == user.id
    return teaches(get_session(), user, submission.enrolment.cohort)


@bp.route("/submissions/<int:submission_id>/file")
@access.roles(Role.STUDENT, Role.INSTRUCTOR, Role.ADMIN)
def submission_file(submission_id: int) -> Response:
    """The handed-in file as a download, with the type found in its content and its own name."""
    submission = get_session().scalar(
        select(Submission)
        .options(joinedload(Submission.enrolment).joinedload(Enrolment.cohort).joinedload(Cohort.course))
        .where(Submission.id == submission_id)
    )
    if submission is None or not submission.file_key or not _may_read(current_user, submission):
        abort(404)
    path = files.path_of(submission.file_key)
    if path is None or not path.is_file():
        current_app.logger.error("the file of submission %s is missing", submission.id)
        abort(404)
    response = send_file(
        path,
        mimetype=submission.file_type or "application/octet-stream",
        as_attachment=True,
        download_name=submission.file_name or "hand-in",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
