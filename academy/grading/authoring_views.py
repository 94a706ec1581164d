"""Administrators author a course's assessments and its grading policy, under ``/admin/courses/<id>``.

``/assessments`` lists them with the running total of their weights; ``/assessments/weights`` edits
all the weights at once (a published course's only so, see ``academy.grading.authoring_weights``);
``/policy`` edits the grading policy. The rubric and quiz-question editors
(``academy.grading.authoring_parts_views``) add their pages to this blueprint. An id of another
course's assessment answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from academy import access
from academy.admin.forms import ConfirmForm
from academy.auth.models import Role
from academy.courses.forms import VersionForm
from academy.courses.models import Course
from academy.db import get_session
from academy.errors import Conflict, DomainError
from academy.forms import show_error
from academy.grading import authoring
from academy.grading.authoring_forms import SUBMISSION_TYPE_NAMES, AssessmentForm, PolicyForm, WeightsForm
from academy.grading.authoring_policy import PolicyData, update_policy
from academy.grading.authoring_weights import WeightRow, check_rows, set_weights
from academy.grading.models import Assessment, AssessmentKind, SubmissionType
from academy.i18n import current_locale
from academy.labels import ASSESSMENT_KIND_NAMES
from academy.versions import submitted_version

bp = Blueprint("assessments", __name__, url_prefix="/admin/courses/<int:course_id>")


def course_or_404(course_id: int) -> Course:
    course = get_session().get(Course, course_id)
    if course is None:
        abort(404)
    return course


def assessment_or_404(course_id: int, assessment_id: int) -> Assessment:
    return authoring.assessment_of(get_session(), course_or_404(course_id), assessment_id)


def still_there(model: type, row_id: int) -> None:
    """After a rollback: 404 when someone else has deleted the row in the meantime."""
    if get_session().get(model, row_id) is None:
        abort(404)


def back_to_list(course_id: int, assessment_id: int | None = None) -> Response:
    anchor = f"assessment-{assessment_id}" if assessment_id else None
    return redirect(url_for("assessments.index", course_id=course_id, _anchor=anchor))


def save_or_show(
    form: VersionForm | AssessmentForm | PolicyForm | WeightsForm,
    row: type,
    row_id: int | None,
    save: Callable[[], object],
) -> tuple[bool, int]:
    """Run ``save`` and commit; on a domain error roll back and put it on ``form``.

    Returns (saved, status): 409 for a stale version, 404 when the row has gone meanwhile."""
    db = get_session()
    try:
        save()
    except DomainError as error:
        db.rollback()
        if row_id is not None:
            still_there(row, row_id)
        show_error(form, error)
        return False, 409 if isinstance(error, Conflict) else 200
    db.commit()
    return True, 200


@bp.route("/assessments")
@access.roles(Role.ADMIN)
def index(course_id: int) -> str:
    db = get_session()
    course = course_or_404(course_id)
    assessments = authoring.assessments_of(db, course)
    return render_template(
        "grading/authoring/list.html",
        course=course,
        assessments=assessments,
        usage=authoring.usage(db, [a.id for a in assessments]),
        total=authoring.weights_total(assessments),
        kind_names=ASSESSMENT_KIND_NAMES,
        submission_type_names=SUBMISSION_TYPE_NAMES,
        button=ConfirmForm(formdata=None),
        locale=current_locale(),
    )


def _data(form: AssessmentForm) -> authoring.AssessmentData:
    due_day = form.due_day.data
    max_points = form.max_points.data
    return authoring.AssessmentData(
        kind=AssessmentKind(form.kind.data),
        title=form.title.data or "",
        weight=form.weight.data if form.weight.data is not None else -1,
        max_points=float(max_points) if max_points is not None else None,
        instructions_markdown=form.instructions_markdown.data or "",
        submission_type=SubmissionType(form.submission_type.data),
        due_day=due_day - 1 if due_day is not None else None,  # the form counts days from 1
        time_limit_minutes=form.time_limit_minutes.data,
        max_attempts=form.max_attempts.data,
        shuffle=bool(form.shuffle.data),
    )


def _render_form(
    form: AssessmentForm, course: Course, assessment: Assessment | None, status: int = 200
) -> tuple[str, int]:
    derived = authoring.parts_total(assessment) if assessment is not None else None
    if derived is not None:
        form.max_points.render_kw = {"readonly": True}
    return (
        render_template(
            "grading/authoring/form.html",
            form=form,
            course=course,
            assessment=assessment,
            derived=derived,
            stale=status == 409,
        ),
        status,
    )


@bp.route("/assessments/new", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def create(course_id: int) -> Response | tuple[str, int]:
    db = get_session()
    course = course_or_404(course_id)
    form = AssessmentForm()
    if request.method == "GET":
        total = authoring.weights_total(authoring.assessments_of(db, course))
        form.weight.data = max(0, 100 - total)
        form.max_points.data = Decimal(100)
        if request.args.get("kind") in ASSESSMENT_KIND_NAMES:
            form.kind.data = request.args["kind"]
    elif form.validate_on_submit():
        created: list[Assessment] = []
        saved, status = save_or_show(
            form,
            Assessment,
            None,
            lambda: created.append(authoring.create_assessment(db, course, _data(form))),
        )
        if saved:
            flash(_("“%(title)s” has been added.", title=created[0].title), "success")
            return back_to_list(course_id, created[0].id)
        return _render_form(form, course, None, status)
    return _render_form(form, course, None)


@bp.route("/assessments/<int:assessment_id>/edit", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def edit(course_id: int, assessment_id: int) -> Response | tuple[str, int]:
    db = get_session()
    assessment = assessment_or_404(course_id, assessment_id)
    form = AssessmentForm(obj=assessment)
    if request.method == "GET":
        form.version.data = str(assessment.version)
        form.due_day.data = assessment.due_day + 1 if assessment.due_day is not None else None
        form.submission_type.data = (assessment.submission_type or SubmissionType.TEXT).value
    elif form.validate_on_submit():
        saved, status = save_or_show(
            form,
            Assessment,
            assessment_id,
            lambda: authoring.update_assessment(
                db, assessment, _data(form), submitted_version(form.version.data)
            ),
        )
        if saved:
            flash(_("“%(title)s” has been saved.", title=assessment.title), "success")
            return back_to_list(course_id, assessment_id)
        return _render_form(form, assessment.course, assessment, status)
    return _render_form(form, assessment.course, assessment)


def confirm_delete(
    assessment: Assessment,
    title: str,
    delete: Callable[[int | None], None],
    back: str,
    used: bool = False,
    weights: bool = False,
) -> Response | tuple[str, int]:
    """The confirmation page of deleting an assessment or one of its parts, and the deletion (POST)
    over the version the page showed; ``used``: say that students' work stands in the way;
    ``weights``: a refusal links to the Weights page (deleting an assessment)."""
    db = get_session()
    form = VersionForm()
    status = 200
    if request.method == "GET":
        form.version.data = str(assessment.version)
    elif form.validate_on_submit():
        try:
            delete(submitted_version(form.version.data))
        except DomainError as error:
            db.rollback()
            still_there(Assessment, assessment.id)
            form.form_errors.append(str(error.message))
            status = error.status
        else:
            db.commit()
            flash(_("“%(title)s” has been deleted.", title=title), "success")
            return redirect(back)
    return (
        render_template(
            "grading/authoring/confirm_delete.html",
            form=form,
            course=assessment.course,
            title=title,
            used=used,
            back=back,
            weights=weights,
        ),
        status,
    )


@bp.route("/assessments/<int:assessment_id>/delete", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def delete(course_id: int, assessment_id: int) -> Response | tuple[str, int]:
    db = get_session()
    assessment = assessment_or_404(course_id, assessment_id)
    return confirm_delete(
        assessment,
        assessment.title,
        lambda version: authoring.delete_assessment(db, assessment, version),
        url_for("assessments.index", course_id=course_id),
        used=authoring.usage_of(db, assessment).used,
        weights=True,
    )


@bp.route("/assessments/<int:assessment_id>/move/<any(up, down):direction>", methods=["POST"])
@access.roles(Role.ADMIN)
def move(course_id: int, assessment_id: int, direction: authoring.Direction) -> Response:
    db = get_session()
    assessment = assessment_or_404(course_id, assessment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    authoring.move_assessment(db, assessment, direction)
    db.commit()
    return back_to_list(course_id, assessment_id)


def _weights_form(assessments: list[Assessment]) -> WeightsForm:
    """The Weights form as the assessments stand, one row each in their order."""
    form = WeightsForm(formdata=None)
    for assessment in assessments:
        form.rows.append_entry(
            {"assessment_id": assessment.id, "version": assessment.version, "weight": assessment.weight}
        )
    return form


def _weight_rows(form: WeightsForm) -> list[WeightRow]:
    return [
        WeightRow(assessment_id, weight, submitted_version(version))
        for assessment_id, weight, version in form.weights()
    ]


@bp.route("/assessments/weights", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def weights(course_id: int) -> Response | tuple[str, int]:
    """Every assessment's weight in one form, with their total; saved only all together."""
    db = get_session()
    course = course_or_404(course_id)
    assessments = authoring.assessments_of(db, course)
    form = WeightsForm()
    status = 200
    if request.method == "GET":
        form = _weights_form(assessments)
    else:
        try:  # rows that are not the course's assessments cannot be shown: answer with them as they are
            check_rows(assessments, [assessment_id for assessment_id, _w, _v in form.weights()])
        except Conflict as error:
            form, status = _weights_form(assessments), 409
            form.form_errors.append(str(error.message))
        else:
            if form.validate_on_submit() and not form.check.data:
                saved, status = save_or_show(
                    form, Course, course_id, lambda: set_weights(db, course, _weight_rows(form))
                )
                if saved:
                    flash(_("The weights of %(code)s have been saved.", code=course.code), "success")
                    return back_to_list(course_id)
                if status == 409:
                    message = list(form.form_errors)
                    form = _weights_form(authoring.assessments_of(db, course))
                    form.form_errors.extend(message)
    return render_template(
        "grading/authoring/weights.html",
        form=form,
        course=course,
        by_id={a.id: a for a in assessments},
        total=form.total(),
        kind_names=ASSESSMENT_KIND_NAMES,
    ), status


@bp.route("/policy", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def policy(course_id: int) -> Response | tuple[str, int]:
    db = get_session()
    course = course_or_404(course_id)
    form = PolicyForm(obj=course)
    status = 200
    if request.method == "GET":
        form.version.data = str(course.version)
    elif form.validate_on_submit():
        data = PolicyData(
            pass_mark=form.pass_mark.data or 0,
            late_grace_hours=form.late_grace_hours.data or 0,
            late_penalty_per_day=float(form.late_penalty_per_day.data or 0),
            late_floor=form.late_floor.data or 0,
            min_attendance=form.min_attendance.data or 0,
            missing_counts_as=form.missing_counts_as.data or 0,
        )
        saved, status = save_or_show(
            form,
            Course,
            course_id,
            lambda: update_policy(db, course, data, submitted_version(form.version.data)),
        )
        if saved:
            flash(_("The grading policy of %(code)s has been saved.", code=course.code), "success")
            return back_to_list(course_id)
    return render_template(
        "grading/authoring/policy.html", form=form, course=course, stale=status == 409
    ), status


from academy.grading import authoring_parts_views  # noqa: E402, F401  (adds its pages to ``bp``)
