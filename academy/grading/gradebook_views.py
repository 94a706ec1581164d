"""The gradebook of a cohort: students by assessments with each student's result, cells edited in
place, the history of every change, and per assessment the cohort's due date and the release of its
grades. Instructors reach only the cohorts they teach (another cohort is 404), administrators any.

A cell is saved over the version the page showed: the inline editor (``static/js/gradebook.js``)
posts it with ``Accept: application/json`` and gets JSON back; a plain form post gets pages. Either
way a cell someone else saved meanwhile is a 409 that shows both values and overwrites nothing. The
no-JavaScript path of a cell is its link to the per-student grading view (the ``marking``
blueprint, ``<gradebook>/<assessment id>/<enrolment id>``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from academy import access
from academy.auth.models import Role, User
from academy.cohort_admin.forms import version_of
from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import Cohort, Enrolment
from academy.cohorts.planning import taught_cohort
from academy.cohorts.timetable import local_to_utc, to_local
from academy.db import get_session, utcnow
from academy.errors import DomainError, NotFound
from academy.forms import show_error
from academy.grading import book
from academy.grading.gradebook_forms import (
    CellForm,
    DueDateForm,
    GradebookFilterForm,
    HistoryFilterForm,
    ReleaseForm,
    args_from,
    page_args,
)
from academy.grading.history import cell_history, cohort_history, level_changes
from academy.grading.models import Assessment
from academy.grading.release import (
    DueDateChanged,
    DueOutsideCohort,
    check_column,
    cohort_change,
    release_grades,
    unrelease_grades,
)
from academy.grading.release import move_due_date as move_due
from academy.grading.services import GradeValue, StaleGrade, grade_of, save_grade
from academy.grading.table import (
    Formatter,
    Query,
    select_rows,
    sort_keys,
    summaries,
)
from academy.labels import ASSESSMENT_KIND_NAMES, GRADE_SOURCE_NAMES, RESULT_BADGES
from academy.pagination import page_number, paginate

bp = Blueprint("gradebook", __name__, url_prefix="/teach/cohorts/<code>/gradebook")
HISTORY_PER_PAGE = 50


def _sort_links(code: str, query: Query, keys: tuple[str, ...]) -> dict[str, str]:
    """For each order, the page sorted by it (the current order flips its direction)."""
    links = {}
    for key in keys:
        args: dict[str, Any] = {**page_args(query), "sort": key}
        args.pop("dir", None)
        if key == query.sort and not query.descending:
            args["dir"] = "desc"
        links[key] = url_for("gradebook.index", code=code, **args)
    return links


@bp.route("")
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def index(code: str) -> str:
    """The whole roster on one page; filters and order are applied to the computed rows."""
    db = get_session()
    cohort = taught_cohort(db, current_user, code)
    cols = book.columns(db, cohort)
    everyone = book.rows(db, cohort, cols, utcnow())
    form = GradebookFilterForm(request.args)
    form.validate()
    keys = sort_keys(cols)
    query = form.query(keys)
    shown = select_rows(everyone, cols, query)
    base = url_for("gradebook.index", code=cohort.code)
    fmt = Formatter(base)
    return render_template(
        "grading/gradebook.html",
        cohort=cohort,
        cols=cols,
        rows=[fmt.row(row, cols) for row in shown],
        total=len(everyone),
        summary=summaries(shown, cols),
        form=form,
        query=query,
        back=urlencode(page_args(query)),
        sort_links=_sort_links(cohort.code, query, keys),
        badges=RESULT_BADGES,
        base=base,
        weights=book.weights_total(cols),
    )


# -- saving a cell --------------------------------------------------------------------------------


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json"


def _cell_of(cohort: Cohort, enrolment_id: int, assessment_id: int) -> tuple[Enrolment, Assessment]:
    """The enrolment on this cohort's roster and the assessment of its course; anything else is 404."""
    db = get_session()
    enrolment = db.get(Enrolment, enrolment_id)
    assessment = db.get(Assessment, assessment_id)
    if (
        enrolment is None
        or enrolment.cohort_id != cohort.id
        or enrolment.status not in ROSTER_STATUSES
        or assessment is None
        or assessment.course_id != cohort.course_id
    ):
        raise NotFound()
    return enrolment, assessment


def _cell_json(
    cohort: Cohort, enrolment: Enrolment, assessment: Assessment, fmt: Formatter
) -> dict[str, Any]:
    """The cell as the page would draw it now, and its row's result (a fixed number of queries)."""
    db = get_session()
    cols = book.columns(db, cohort)
    [row] = book.rows(db, cohort, cols, utcnow(), enrolment_ids=[enrolment.id])
    index = next(i for i, c in enumerate(cols) if c.id == assessment.id)
    cell = fmt.cell(row.cells[index], cols[index], enrolment.id)
    return {
        "version": cell.version,
        "display": cell.text,
        "note": cell.note,
        "css": cell.css,
        "value": cell.value,
        "row": fmt.row_json(row),
    }


def _cell_page(
    cohort: Cohort, form: CellForm, enrolment: Enrolment, assessment: Assessment, status: int, **extra: Any
) -> tuple[str, int]:
    """The no-JavaScript page of a cell that was not saved: the errors, or both values of a conflict."""
    db = get_session()
    changes = cell_history(db, assessment.id, enrolment.id)
    return render_template(
        "grading/gradebook_cell.html",
        cohort=cohort,
        form=form,
        enrolment=enrolment,
        assessment=assessment,
        changes=changes,
        level_changes=level_changes(db, changes),
        source_names=GRADE_SOURCE_NAMES,
        fmt=Formatter(url_for("gradebook.index", code=cohort.code)),
        **extra,
    ), status


def _back_to_gradebook(cohort: Cohort, back: str | None) -> Response:
    args: dict[str, Any] = args_from(back).to_dict()
    return redirect(url_for("gradebook.index", code=cohort.code, **args))


@bp.route("/cells", methods=["POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def save_cell(code: str) -> Response | tuple[Any, int]:
    """Save one cell over the version it showed; JSON for the inline editor, pages for a plain form."""
    db = get_session()
    as_json = _wants_json()
    try:
        cohort = taught_cohort(db, current_user, code)
    except NotFound as error:
        if as_json:
            return jsonify(error=str(error.message)), 404
        raise
    form = CellForm()
    if not form.validate_on_submit():
        if as_json:
            return jsonify(errors=form.errors), 400
        if form.enrolment_id.errors or form.assessment_id.errors or form.version.errors:
            abort(400)
    try:
        enrolment, assessment = _cell_of(cohort, form.enrolment_id.data or 0, form.assessment_id.data or 0)
    except NotFound as error:
        if as_json:
            return jsonify(error=str(error.message)), 404
        raise
    if form.errors:
        return _cell_page(cohort, form, enrolment, assessment, 400)
    fmt = Formatter(url_for("gradebook.index", code=cohort.code))
    points, excused = form.value()
    reason = form.reason.data or ""
    before = grade_of(db, assessment.id, enrolment.id)
    # Inline editing gives points only: the feedback stays, and so do rubric levels that add up to them.
    keep_levels = before is not None and not excused and before.points == points
    value = GradeValue(
        points=points,
        excused=excused,
        feedback=before.feedback if before else "",
        levels={c.criterion_id: c.level_id for c in before.criteria} if before and keep_levels else {},
    )
    try:
        save_grade(db, assessment, enrolment, value, form.version.data, current_user, reason)
    except StaleGrade as error:
        db.rollback()
        current = grade_of(db, assessment.id, enrolment.id)
        yours = {
            "points": points,
            "excused": excused,
            "reason": reason,
            "display": fmt.grade_text(points, excused),
        }
        if as_json:
            return jsonify(
                error=str(error.message),
                current=fmt.grade_json(current),
                yours=yours,
                cell=_cell_json(cohort, enrolment, assessment, fmt),
            ), 409
        form.version.data = current.version if current else 0
        form.version.raw_data = [str(form.version.data)]  # what the field shows: the new version
        return _cell_page(
            cohort,
            form,
            enrolment,
            assessment,
            409,
            conflict=str(error.message),
            current=fmt.grade_json(current),
            yours=yours,
        )
    except DomainError as error:
        db.rollback()
        if as_json:
            return jsonify(errors={error.field or "form": [str(error.message)]}), error.status
        show_error(form, error)
        return _cell_page(cohort, form, enrolment, assessment, error.status)
    db.commit()
    if not as_json:
        flash(_("The grade of %(name)s is saved.", name=enrolment.student.full_name), "success")
        return _back_to_gradebook(cohort, form.back.data)
    return jsonify(_cell_json(cohort, enrolment, assessment, fmt)), 200


# -- history --------------------------------------------------------------------------------------


@bp.route("/history")
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def history(code: str) -> str:
    """The cohort's grade changes, newest first, of one student or assessment when asked."""
    db = get_session()
    cohort = taught_cohort(db, current_user, code)
    form = HistoryFilterForm(request.args)
    students = db.execute(
        select(Enrolment.id, User.last_name, User.first_name)
        .join(User, User.id == Enrolment.student_id)
        .where(Enrolment.cohort_id == cohort.id)
        .order_by(User.last_name, User.first_name, Enrolment.id)
    ).all()
    form.student.choices = [("", _("All students"))] + [
        (str(i), f"{last} {first}") for i, last, first in students
    ]
    assessments = db.execute(
        select(Assessment.id, Assessment.title)
        .where(Assessment.course_id == cohort.course_id)
        .order_by(Assessment.position, Assessment.id)
    ).all()
    form.assessment.choices = [("", _("All assessments"))] + [(str(i), title) for i, title in assessments]
    form.validate()
    page = paginate(
        db,
        cohort_history(cohort.id, form.chosen("student"), form.chosen("assessment")),
        page_number(request.args.get("page")),
        HISTORY_PER_PAGE,
    )
    return render_template(
        "grading/gradebook_history.html",
        cohort=cohort,
        form=form,
        page=page,
        level_changes=level_changes(db, page.items),
        query_args=form.query_args(),
        source_names=GRADE_SOURCE_NAMES,
        fmt=Formatter(url_for("gradebook.index", code=cohort.code)),
    )


# -- one assessment: due date and release ---------------------------------------------------------


def _column_of(code: str, assessment_id: int) -> tuple[Cohort, Assessment]:
    db = get_session()
    cohort = taught_cohort(db, current_user, code)
    assessment = db.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound()
    check_column(cohort, assessment)
    return cohort, assessment


def _due_at(form: DueDateForm) -> datetime | None:
    if form.reset.data or form.day.data is None:
        return None
    try:
        return local_to_utc(form.day.data, form.at.data or book.END_OF_DAY)
    except OverflowError:  # a day such as 0001-01-01 has no UTC moment: far outside any cohort anyway
        raise DueOutsideCohort() from None


@bp.route("/assessments/<int:assessment_id>", methods=["GET", "POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def column(code: str, assessment_id: int) -> str | tuple[str, int] | Response:
    """An assessment as this cohort has it, the form moving its due date, and its release."""
    db = get_session()
    cohort, assessment = _column_of(code, assessment_id)
    form = DueDateForm()
    status = 200
    if form.validate_on_submit():
        try:
            move_due(db, cohort, assessment, _due_at(form), version_of(form.version))
        except DueDateChanged as error:
            db.rollback()
            form.form_errors.append(str(error.message))  # the date that stands is shown above the form
            status = 409
        except DomainError as error:
            db.rollback()
            show_error(form, error)
            status = error.status
        else:
            db.commit()
            flash(_("The due date is saved."), "success")
            return redirect(url_for("gradebook.column", code=cohort.code, assessment_id=assessment.id))
    elif form.is_submitted():
        status = 400
    cols = book.columns(db, cohort)
    index = next(i for i, c in enumerate(cols) if c.id == assessment.id)
    col = cols[index]
    if not form.is_submitted() or status == 409:
        form.version.data = str(col.change_version)  # a second save, having seen the new date, may win
    if not form.is_submitted():
        local = to_local(col.due_at)
        form.day.data, form.at.data = local.date(), local.time()
    everyone = book.rows(db, cohort, cols, utcnow())
    change = cohort_change(db, cohort, assessment)
    released_by = db.get(User, change.released_by_id) if change and change.released_by_id else None
    return render_template(
        "grading/gradebook_column.html",
        cohort=cohort,
        assessment=assessment,
        col=col,
        form=form,
        release_form=ReleaseForm(),
        summary=summaries(everyone, cols)[index],
        students=len(everyone),
        released_by=released_by,
        kind_names=ASSESSMENT_KIND_NAMES,
    ), status


@bp.route("/assessments/<int:assessment_id>/release", methods=["POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def release(code: str, assessment_id: int) -> Response:
    db = get_session()
    cohort, assessment = _column_of(code, assessment_id)
    if not ReleaseForm().validate_on_submit():
        abort(400)
    change = cohort_change(db, cohort, assessment)
    already = change is not None and change.released_at is not None
    told = release_grades(db, cohort, assessment, current_user, utcnow())  # a Conflict is its own page
    db.commit()
    if already:
        flash(_("These grades were already released."), "info")
    else:
        flash(
            ngettext(
                "The grades are released; %(num)s student is notified.",
                "The grades are released; %(num)s students are notified.",
                told,
            ),
            "success",
        )
    return redirect(url_for("gradebook.column", code=cohort.code, assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/unrelease", methods=["POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def unrelease(code: str, assessment_id: int) -> Response:
    db = get_session()
    cohort, assessment = _column_of(code, assessment_id)
    if not ReleaseForm().validate_on_submit():
        abort(400)
    hidden = unrelease_grades(db, cohort, assessment, current_user)
    db.commit()
    if hidden:
        flash(_("The grades are hidden from the students again."), "success")
    else:
        flash(_("These grades were not released."), "info")
    return redirect(url_for("gradebook.column", code=cohort.code, assessment_id=assessment.id))
