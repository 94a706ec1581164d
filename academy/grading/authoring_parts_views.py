"""The rubric and quiz-question editors of an assessment, pages of the ``assessments`` blueprint:
``/admin/courses/<id>/assessments/<id>/rubric/...`` and ``.../questions/...``.

Every form carries the assessment's version: a save over a newer one answers 409.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from academy import access
from academy.admin.forms import ConfirmForm
from academy.auth.models import Role
from academy.db import get_session
from academy.grading import authoring, authoring_parts
from academy.grading.authoring import InvalidAssessment
from academy.grading.authoring_forms import CriterionForm, QuestionForm
from academy.grading.authoring_parts import CriterionData, LevelData, OptionData, QuestionData
from academy.grading.authoring_views import assessment_or_404, bp, confirm_delete, save_or_show, still_there
from academy.grading.models import Assessment, QuizQuestion, RubricCriterion
from academy.versions import submitted_version

MISSING_POINTS = _l("Give each level a title and points.")


def _rubric_page(course_id: int, assessment_id: int, anchor: str | None = None) -> Response:
    return redirect(
        url_for("assessments.rubric", course_id=course_id, assessment_id=assessment_id, _anchor=anchor)
    )


def _questions_page(course_id: int, assessment_id: int, anchor: str | None = None) -> Response:
    return redirect(
        url_for("assessments.questions", course_id=course_id, assessment_id=assessment_id, _anchor=anchor)
    )


@bp.route("/assessments/<int:assessment_id>/rubric")
@access.roles(Role.ADMIN)
def rubric(course_id: int, assessment_id: int) -> str:
    db = get_session()
    assessment = assessment_or_404(course_id, assessment_id)
    return render_template(
        "grading/authoring/rubric.html",
        assessment=assessment,
        course=assessment.course,
        criteria=authoring_parts.criteria_with_levels(db, assessment),
        locked=authoring.usage_of(db, assessment).grades > 0,
        button=ConfirmForm(formdata=None),
    )


@bp.route("/assessments/<int:assessment_id>/questions")
@access.roles(Role.ADMIN)
def questions(course_id: int, assessment_id: int) -> str:
    db = get_session()
    assessment = assessment_or_404(course_id, assessment_id)
    return render_template(
        "grading/authoring/questions.html",
        assessment=assessment,
        course=assessment.course,
        questions=authoring_parts.questions_with_options(db, assessment),
        locked=authoring.usage_of(db, assessment).attempts > 0,
        button=ConfirmForm(formdata=None),
    )


def _criterion_data(form: CriterionForm) -> CriterionData:
    rows = form.filled_levels()
    if any(not title.strip() or points is None for _id, title, points in rows):
        raise InvalidAssessment("levels", MISSING_POINTS)
    return CriterionData(
        form.title.data or "",
        form.description.data or "",
        [LevelData(id_, title, points or 0) for id_, title, points in rows],
    )


def _part_form(
    form: CriterionForm | QuestionForm,
    assessment: Assessment,
    row: RubricCriterion | QuizQuestion | None,
    save: Callable[[CriterionForm | QuestionForm], object],
    done: Callable[[], Response],
) -> Response | tuple[str, int]:
    """The page of a criterion's or a question's form, and its saving."""
    status = 200
    row_id = row.id if row is not None else None  # known before a rollback expires ``row``
    if request.method == "GET":
        form.version.data = str(assessment.version)
    elif form.validate_on_submit():
        saved, status = save_or_show(form, Assessment, assessment.id, lambda: save(form))
        if saved:
            return done()
        if row is not None and row_id is not None:
            still_there(type(row), row_id)
    quiz = isinstance(form, QuestionForm)
    return (
        render_template(
            "grading/authoring/question_form.html" if quiz else "grading/authoring/criterion_form.html",
            form=form,
            assessment=assessment,
            course=assessment.course,
            row=row,
            stale=status == 409,
        ),
        status,
    )


def _save_criterion(assessment: Assessment, criterion: RubricCriterion | None) -> Callable[..., object]:
    def save(form: CriterionForm) -> object:
        data = _criterion_data(form)
        version = submitted_version(form.version.data)
        if criterion is None:
            return authoring_parts.add_criterion(get_session(), assessment, data, version)
        return authoring_parts.update_criterion(get_session(), criterion, data, version)

    return save


@bp.route("/assessments/<int:assessment_id>/rubric/new", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def add_criterion(course_id: int, assessment_id: int) -> Response | tuple[str, int]:
    assessment = assessment_or_404(course_id, assessment_id)

    def done() -> Response:
        flash(_("The criterion has been added."), "success")
        return _rubric_page(course_id, assessment_id)

    return _part_form(CriterionForm(), assessment, None, _save_criterion(assessment, None), done)


@bp.route("/assessments/<int:assessment_id>/rubric/<int:criterion_id>/edit", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def edit_criterion(course_id: int, assessment_id: int, criterion_id: int) -> Response | tuple[str, int]:
    assessment = assessment_or_404(course_id, assessment_id)
    criterion = authoring_parts.criterion_of(get_session(), assessment, criterion_id)
    form = CriterionForm(obj=criterion)
    if request.method == "GET":
        for entry, level in zip(form.levels.entries, criterion.levels, strict=False):
            entry.form.level_id.data, entry.form.title.data = str(level.id), level.title
            entry.form.points.data = level.points

    def done() -> Response:
        flash(_("The criterion has been saved."), "success")
        return _rubric_page(course_id, assessment_id, f"criterion-{criterion_id}")

    return _part_form(form, assessment, criterion, _save_criterion(assessment, criterion), done)


def _question_data(form: QuestionForm) -> QuestionData:
    return QuestionData(
        text=form.text.data or "",
        multiple=form.choice.data == "multiple",
        points=float(form.points.data or 0),
        options=[OptionData(id_, text, correct) for id_, text, correct in form.filled_options()],
    )


def _save_question(assessment: Assessment, question: QuizQuestion | None) -> Callable[..., object]:
    def save(form: QuestionForm) -> object:
        version = submitted_version(form.version.data)
        if question is None:
            return authoring_parts.add_question(get_session(), assessment, _question_data(form), version)
        return authoring_parts.update_question(get_session(), question, _question_data(form), version)

    return save


@bp.route("/assessments/<int:assessment_id>/questions/new", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def add_question(course_id: int, assessment_id: int) -> Response | tuple[str, int]:
    assessment = assessment_or_404(course_id, assessment_id)

    def done() -> Response:
        flash(_("The question has been added."), "success")
        return _questions_page(course_id, assessment_id)

    return _part_form(QuestionForm(), assessment, None, _save_question(assessment, None), done)


@bp.route("/assessments/<int:assessment_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def edit_question(course_id: int, assessment_id: int, question_id: int) -> Response | tuple[str, int]:
    assessment = assessment_or_404(course_id, assessment_id)
    question = authoring_parts.question_of(get_session(), assessment, question_id)
    form = QuestionForm(obj=question)
    if request.method == "GET":
        form.choice.data = "multiple" if question.multiple else "single"
        for entry, option in zip(form.options.entries, question.options, strict=False):
            entry.form.option_id.data, entry.form.text.data = str(option.id), option.text
            entry.form.correct.data = option.correct

    def done() -> Response:
        flash(_("The question has been saved."), "success")
        return _questions_page(course_id, assessment_id, f"question-{question_id}")

    return _part_form(form, assessment, question, _save_question(assessment, question), done)


@bp.route("/assessments/<int:assessment_id>/rubric/<int:criterion_id>/delete", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def delete_criterion(course_id: int, assessment_id: int, criterion_id: int) -> Response | tuple[str, int]:
    assessment = assessment_or_404(course_id, assessment_id)
    criterion = authoring_parts.criterion_of(get_session(), assessment, criterion_id)
    return confirm_delete(
        assessment,
        criterion.title,
        lambda version: authoring_parts.delete_criterion(get_session(), criterion, version),
        url_for("assessments.rubric", course_id=course_id, assessment_id=assessment_id),
    )


@bp.route("/assessments/<int:assessment_id>/questions/<int:question_id>/delete", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def delete_question(course_id: int, assessment_id: int, question_id: int) -> Response | tuple[str, int]:
    assessment = assessment_or_404(course_id, assessment_id)
    question = authoring_parts.question_of(get_session(), assessment, question_id)
    return confirm_delete(
        assessment,
        question.text[:80],
        lambda version: authoring_parts.delete_question(get_session(), question, version),
        url_for("assessments.questions", course_id=course_id, assessment_id=assessment_id),
    )


@bp.route(
    "/assessments/<int:assessment_id>/rubric/<int:criterion_id>/move/<any(up, down):direction>",
    methods=["POST"],
)
@access.roles(Role.ADMIN)
def move_criterion(
    course_id: int, assessment_id: int, criterion_id: int, direction: authoring.Direction
) -> Response:
    assessment = assessment_or_404(course_id, assessment_id)
    criterion = authoring_parts.criterion_of(get_session(), assessment, criterion_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    authoring_parts.move_criterion(get_session(), criterion, direction)
    get_session().commit()
    return _rubric_page(course_id, assessment_id, f"criterion-{criterion_id}")


@bp.route(
    "/assessments/<int:assessment_id>/questions/<int:question_id>/move/<any(up, down):direction>",
    methods=["POST"],
)
@access.roles(Role.ADMIN)
def move_question(
    course_id: int, assessment_id: int, question_id: int, direction: authoring.Direction
) -> Response:
    assessment = assessment_or_404(course_id, assessment_id)
    question = authoring_parts.question_of(get_session(), assessment, question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    authoring_parts.move_question(get_session(), question, direction)  # a locked quiz: the error page
    get_session().commit()
    return _questions_page(course_id, assessment_id, f"question-{question_id}")
