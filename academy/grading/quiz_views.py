"""Students take their cohort's quizzes at ``/my/cohorts/<code>/quizzes``.

Only a student on the cohort's roster reaches its quizzes; another cohort, another course's
assessment or another student's attempt answers 404, as if it did not exist. Scores show once the
instructor has released the quiz; until then a finished attempt is only "submitted".

Opening the quiz finishes the student's attempts whose time ran out, with the answers they had
saved: a GET records what the clock has already decided and nothing the student chose.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from academy import access
from academy.admin.forms import ConfirmForm
from academy.auth.models import Role
from academy.cohorts.models import Enrolment, EnrolmentStatus
from academy.db import get_session, utcnow
from academy.errors import DomainError
from academy.grading import quizzes
from academy.grading.models import Assessment, QuizAttempt
from academy.grading.my_work import student_enrolment
from academy.i18n import current_locale

bp = Blueprint("quizzes", __name__, url_prefix="/my/cohorts/<code>/quizzes")
ANSWER_FIELD = re.compile(r"^q-\d{1,12}$")
OPTION_ID = re.compile(r"^\d{1,12}$")


def _my_place(code: str) -> Enrolment:
    """The current student's enrolment in cohort ``code`` (with the cohort and course); 404 if none."""
    return student_enrolment(get_session(), current_user, code)


def _quiz(enrolment: Enrolment, assessment_id: int) -> Assessment:
    assessment = get_session().get(Assessment, assessment_id)
    if assessment is None or not quizzes.is_quiz_of(assessment, enrolment):
        abort(404)
    return assessment


def _my_attempt(enrolment: Enrolment, attempt_id: int) -> QuizAttempt:
    attempt = get_session().get(QuizAttempt, attempt_id)
    if attempt is None or attempt.enrolment_id != enrolment.id:
        abort(404)
    return attempt


def _posted_choices() -> list[int]:
    """The option ids of the posted answers; a malformed field or id is a bad request."""
    chosen = []
    for name in request.form:
        if not ANSWER_FIELD.match(name):
            if name.startswith("q-"):
                abort(400)
            continue
        for value in request.form.getlist(name):
            if not OPTION_ID.match(value):
                abort(400)
            chosen.append(int(value))
    return chosen


@bp.route("/<int:assessment_id>")
@access.roles(Role.STUDENT)
def quiz(code: str, assessment_id: int) -> str:
    """The quiz's instructions, the attempts used and left, and the past attempts."""
    db = get_session()
    enrolment = _my_place(code)
    assessment = _quiz(enrolment, assessment_id)
    now = utcnow()
    if quizzes.finish_expired(db, assessment, enrolment, now):
        db.commit()
    column = quizzes.column_of(db, assessment, enrolment.cohort)
    attempts = quizzes.attempts_of(db, assessment.id, enrolment.id)
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    left = None if assessment.max_attempts is None else max(assessment.max_attempts - len(attempts), 0)
    questions = quizzes.questions_of(db, assessment.id)
    return render_template(
        "quizzes/quiz.html",
        cohort=enrolment.cohort,
        assessment=assessment,
        column=column,
        attempts=attempts,
        open_attempt=open_attempt,
        left=left,
        question_count=len(questions),
        closed=now >= column.due_at,
        can_start=(
            open_attempt is None
            and enrolment.status is EnrolmentStatus.ENROLLED
            and now < column.due_at
            and left != 0
            and bool(questions)
        ),
        button=ConfirmForm(formdata=None),
        locale=current_locale(),
    )


@bp.route("/<int:assessment_id>/start", methods=["POST"])
@access.roles(Role.STUDENT)
def start(code: str, assessment_id: int) -> Response:
    db = get_session()
    enrolment = _my_place(code)
    assessment = _quiz(enrolment, assessment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        attempt = quizzes.start_attempt(db, assessment, enrolment, utcnow())
    except DomainError as error:
        db.rollback()
        if error.status == 404:
            raise
        flash(str(error.message), "error")
        return redirect(url_for("quizzes.quiz", code=code, assessment_id=assessment.id))
    db.commit()
    return redirect(url_for("quizzes.attempt", code=code, attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@access.roles(Role.STUDENT)
def attempt(code: str, attempt_id: int) -> str | Response:
    """The attempt's questions in its own order (GET); saving or submitting its answers (POST)."""
    db = get_session()
    enrolment = _my_place(code)
    found = _my_attempt(enrolment, attempt_id)
    assessment = found.assessment
    back = url_for("quizzes.quiz", code=code, assessment_id=assessment.id)
    now = utcnow()
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        chosen = _posted_choices()
        in_time = not quizzes.expired(found, now)
        try:
            if request.form.get("action") == "save":
                quizzes.save_answers(db, found, chosen, now)
            else:
                quizzes.submit_attempt(db, found, chosen, now)
        except quizzes.AttemptFinished as error:
            db.rollback()
            flash(str(error.message), "error")
            return redirect(back)
        # Any other DomainError (a foreign option, two answers to one question) is its error page.
        db.commit()
        if not in_time:
            flash(_("Time was up: answers sent after the deadline were not counted."), "error")
        elif found.submitted_at is None:
            flash(_("Your answers are saved. Submit them before the deadline."), "success")
            return redirect(url_for("quizzes.attempt", code=code, attempt_id=found.id))
        else:
            flash(_("Your answers are submitted."), "success")
        return redirect(back)
    if found.submitted_at is not None or quizzes.expired(found, now):
        return redirect(back)  # opening the quiz finishes an attempt whose time ran out
    questions = quizzes.questions_of(db, assessment.id)
    return render_template(
        "quizzes/attempt.html",
        cohort=enrolment.cohort,
        assessment=assessment,
        attempt=found,
        shown=quizzes.shown_order(questions, found.seed, assessment.shuffle),
        saved={answer.option_id for answer in found.answers},
        seconds_left=max(0, int((found.deadline_at - now).total_seconds())) if found.deadline_at else None,
        locale=current_locale(),
    )
