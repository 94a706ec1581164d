"""The grading view: one student's work in one assessment, the rubric and feedback, the cell's history,
and the way to the previous and next student. It is also what a gradebook cell opens without JavaScript.

Instructors reach only their own cohorts (another cohort answers 404), administrators any; an
assessment of another course or an enrolment of another cohort answers 404 too. A grade saved over a
newer version is never written: the page answers 409 with both values side by side and a form to save
one's own value over the new one on purpose.
"""

from __future__ import annotations

from typing import Any

from babel.units import format_unit
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from academy import access
from academy.auth.models import Role
from academy.cohort_admin.forms import version_of
from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import Cohort, Enrolment
from academy.cohorts.planning import taught_cohort
from academy.db import get_session, utcnow
from academy.errors import DomainError, NotFound
from academy.forms import show_error
from academy.grading import book
from academy.grading.history import cell_history, level_changes
from academy.grading.marking import attempts_of, lateness, mark, neighbours, submission_of
from academy.grading.marking_forms import MarkingForm, chosen_levels, points_text
from academy.grading.models import Assessment, AssessmentKind, Grade, RubricCriterion
from academy.grading.services import GradeValue, StaleGrade, grade_of
from academy.labels import ASSESSMENT_KIND_NAMES, GRADE_SOURCE_NAMES

bp = Blueprint("marking", __name__, url_prefix="/teach/cohorts/<code>/gradebook")
WAITING = "waiting"  # ?only=waiting: step only through work handed in and not graded yet

WORK_STATE_NAMES = {
    "open": _l("Open"),
    "graded": _l("Graded"),
    "late": _l("Graded, late"),
    "missing": _l("Missing"),
    "excused": _l("Excused"),
}
WORK_STATE_BADGES = {"open": "", "graded": "ok", "late": "wait", "missing": "bad", "excused": ""}


def file_size(size: int | None) -> str:
    """A file's size for the reader's locale: 300 B, 12.3 kB, 1.5 MB."""
    if size is None:
        return ""
    locale = get_locale() or "en"
    for unit, scale in (("digital-megabyte", 1_000_000), ("digital-kilobyte", 1_000)):
        if size >= scale:
            return str(format_unit(round(size / scale, 1), unit, length="short", locale=locale))
    return str(format_unit(size, "digital-byte", length="short", locale=locale))


def _cell_of(code: str, assessment_id: int, enrolment_id: int) -> tuple[Cohort, Assessment, Enrolment]:
    """The cohort, when taught by the user, with its course's assessment and its student: 404 otherwise."""
    db = get_session()
    cohort = taught_cohort(db, current_user, code)
    assessment = db.scalar(
        select(Assessment)
        .options(selectinload(Assessment.criteria).selectinload(RubricCriterion.levels))
        .where(Assessment.id == assessment_id, Assessment.course_id == cohort.course_id)
    )
    enrolment = db.scalar(
        select(Enrolment)
        .options(joinedload(Enrolment.student))
        .where(Enrolment.id == enrolment_id, Enrolment.cohort_id == cohort.id)
    )
    if assessment is None or enrolment is None:
        raise NotFound()
    return cohort, assessment, enrolment


def _here(cohort: Cohort, assessment_id: int, enrolment_id: int, only_waiting: bool) -> str:
    return url_for(
        "marking.grade",
        code=cohort.code,
        assessment_id=assessment_id,
        enrolment_id=enrolment_id,
        only=WAITING if only_waiting else None,
    )


def _levels_of(grade: Grade | None) -> dict[int, int]:
    return {c.criterion_id: c.level_id for c in grade.criteria} if grade else {}


def _posted_value(form: MarkingForm, levels: dict[int, int]) -> GradeValue:
    excused = bool(form.excused.data)
    return GradeValue(
        points=None if excused else form.points.data,  # with rubric levels, their sum counts instead
        excused=excused,
        feedback=form.feedback.data or "",
        levels={} if excused else levels,
    )


@bp.route("/<int:assessment_id>/<int:enrolment_id>", methods=["GET", "POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def grade(code: str, assessment_id: int, enrolment_id: int) -> tuple[str, int] | Response:
    db = get_session()
    cohort, assessment, enrolment = _cell_of(code, assessment_id, enrolment_id)
    only_waiting = request.args.get("only") == WAITING
    form = MarkingForm()
    status, conflict = 200, None
    levels: dict[int, int] = {}
    if form.is_submitted():
        posted = chosen_levels(request.form)
        if posted is None:
            abort(400)  # the page never sends a level that is not an id
        levels = posted
        if not form.validate():
            status = 400
        else:
            value = _posted_value(form, levels)
            try:
                mark(
                    db,
                    assessment,
                    enrolment,
                    value,
                    version_of(form.version),
                    current_user,
                    form.reason.data or "",
                )
            except StaleGrade as error:
                db.rollback()  # nothing of ours is written; show what stands now next to ours
                status, conflict = 409, error.yours
            except DomainError as error:
                db.rollback()
                show_error(form, error)
                status = error.status
            else:
                db.commit()
                return _after_saving(cohort, assessment, enrolment, only_waiting)
    current = grade_of(db, assessment.id, enrolment.id)
    if not form.is_submitted():
        levels = _levels_of(current)
        form.version.data = str(current.version if current else 0)
        if current is not None:
            # Points given by rubric levels come from the levels again; only points given without them
            # (by hand or an import) fill the points field, so that clearing the levels clears the grade.
            form.points.data = None if current.criteria else current.points
            form.excused.data, form.feedback.data = current.excused, current.feedback
    return render_template(
        "grading/marking.html",
        **_page(cohort, assessment, enrolment, current, only_waiting),
        form=form,
        levels=levels,
        conflict=conflict,
        points_text=points_text,
    ), status


def _after_saving(
    cohort: Cohort, assessment: Assessment, enrolment: Enrolment, only_waiting: bool
) -> Response:
    """Flash the save, then go on to the next student ("save and next") or stay."""
    flash(_("The grade of %(name)s is saved.", name=enrolment.student.full_name), "success")
    if request.form.get("then") == "next":
        following = neighbours(get_session(), cohort.id, assessment, enrolment.id, only_waiting).next
        if following is not None:
            return redirect(_here(cohort, assessment.id, following, only_waiting))
        flash(
            _("No student with work waiting for a grade comes after this one.")
            if only_waiting
            else _("This is the last student of the gradebook."),
            "info",
        )
    return redirect(_here(cohort, assessment.id, enrolment.id, only_waiting))


def _page(
    cohort: Cohort, assessment: Assessment, enrolment: Enrolment, current: Grade | None, only_waiting: bool
) -> dict[str, Any]:
    """What the page shows besides the form: the work, the due date, the standing, history, neighbours."""
    db = get_session()
    now = utcnow()
    cols = book.columns(db, cohort)
    index = next(i for i, c in enumerate(cols) if c.id == assessment.id)
    rows = book.rows(db, cohort, cols, now, enrolment_ids=[enrolment.id])
    row = rows[0] if rows else None
    cell = row.cells[index] if row else None
    kind = assessment.kind
    handed_in_at = cell.handed_in_at if cell else None
    history = cell_history(db, assessment.id, enrolment.id)
    return {
        "cohort": cohort,
        "assessment": assessment,
        "column": cols[index],
        "enrolment": enrolment,
        "student": enrolment.student,
        "on_roster": enrolment.status in ROSTER_STATUSES,
        "gradable": kind is not AssessmentKind.ATTENDANCE and enrolment.status in ROSTER_STATUSES,
        "row": row,
        "cell": cell,
        "grade": current,
        "submission": submission_of(db, assessment.id, enrolment.id)
        if kind is AssessmentKind.ASSIGNMENT
        else None,
        "attempts": attempts_of(db, assessment.id, enrolment.id) if kind is AssessmentKind.QUIZ else [],
        "lateness": lateness(handed_in_at, cols[index].due_at, book.policy_of(cohort.course))
        if assessment.hand_in
        else None,
        "history": history,
        "level_changes": level_changes(db, history),
        "around": neighbours(db, cohort.id, assessment, enrolment.id, only_waiting),
        "only_waiting": only_waiting,
        "waiting_flag": WAITING,
        "level_names": {lv.id: lv for c in assessment.criteria for lv in c.levels},
        "kind_names": ASSESSMENT_KIND_NAMES,
        "work_state_names": WORK_STATE_NAMES,
        "work_state_badges": WORK_STATE_BADGES,
        "source_names": GRADE_SOURCE_NAMES,
        "file_size": file_size,
    }
