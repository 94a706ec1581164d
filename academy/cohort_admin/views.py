"""Administrators' cohort pages: the list, create and edit, and a cohort's enrolments with their history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from academy import access
from academy.auth.models import Role, User
from academy.auth.services import find_user_by_email
from academy.cohort_admin.forms import CohortForm, EnrolByEmailForm, OutcomeForm, WithdrawForm, version_of
from academy.cohorts import services
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.cohorts.planning import (
    CohortPhase,
    CohortPlan,
    cohort_by_code,
    cohort_enrolments,
    create_cohort,
    names_of,
    search_cohorts,
    update_cohort,
)
from academy.cohorts.timetable import LOCAL_TIME, to_local
from academy.courses.models import Course, CourseStatus
from academy.db import get_session, utcnow
from academy.errors import DomainError
from academy.forms import show_error
from academy.i18n import current_locale
from academy.pagination import page_number, paginate
from academy.web import region_choices

bp = Blueprint("cohort_admin", __name__, url_prefix="/admin")
PER_PAGE = 25
ENROLMENTS_PER_PAGE = 50


def _course_choices() -> list[tuple[int, str]]:
    locale = current_locale()
    courses = get_session().scalars(select(Course).order_by(Course.code))
    choices = []
    for c in courses:
        label = f"{c.code} · {c.title(locale)}"
        if c.status is not CourseStatus.PUBLISHED:
            # Not inside an f-string: pybabel does not look into one, and the word went untranslated.
            label = _("%(course)s (draft)", course=label)
        choices.append((c.id, label))
    return choices


@bp.route("/cohorts")
@access.roles(Role.ADMIN)
def cohorts() -> str:
    db = get_session()
    course_id = request.args.get("course", type=int)
    place = request.args.get("place", "")[:10]
    phase_value = request.args.get("status", "")
    phase = CohortPhase(phase_value) if phase_value in CohortPhase.__members__.values() else None
    today = to_local(utcnow()).date()
    page = paginate(
        db,
        search_cohorts(today, course_id, place or None, phase),
        page_number(request.args.get("page")),
        PER_PAGE,
    )
    return render_template(
        "cohort_admin/cohorts.html",
        page=page,
        courses=_course_choices(),
        regions=region_choices(db),
        course_id=course_id,
        place=place,
        phase=phase,
        phases=list(CohortPhase),
        today=today,
    )


def _instructor_choices() -> list[tuple[int, str]]:
    instructors = get_session().scalars(
        select(User).where(User.role == Role.INSTRUCTOR).order_by(User.last_name, User.first_name, User.id)
    )
    return [(u.id, f"{u.full_name} ({u.email})") for u in instructors]


def _cohort_form(cohort: Cohort | None = None) -> CohortForm:
    form = CohortForm()
    form.course.choices = _course_choices()
    form.region.choices = region_choices(get_session(), blank=_("Online (no region)"))
    form.instructors.choices = _instructor_choices()
    if form.is_submitted():
        return form
    if cohort is None:
        start = to_local(utcnow()).date() + timedelta(days=30)
        form.language.data, form.seats.data = "uz", 24
        form.starts_on.data, form.ends_on.data = start, start + timedelta(days=60)
        form.enrolment_opens_at.data = datetime.combine(start - timedelta(days=30), datetime.min.time())
        form.enrolment_closes_at.data = datetime.combine(start - timedelta(days=1), datetime.min.time())
        return form
    form.version.data = str(cohort.version)
    form.course.data, form.code.data = cohort.course_id, cohort.code
    form.region.data, form.venue.data = cohort.region_code or "", cohort.venue
    form.language.data, form.seats.data = cohort.language, cohort.seats
    form.starts_on.data, form.ends_on.data = cohort.starts_on, cohort.ends_on
    form.enrolment_opens_at.data = to_local(cohort.enrolment_opens_at).replace(tzinfo=None)
    form.enrolment_closes_at.data = to_local(cohort.enrolment_closes_at).replace(tzinfo=None)
    form.instructors.data = [u.id for u in cohort.instructors]
    return form


def _plan(form: CohortForm) -> CohortPlan:
    def utc(local: datetime | None) -> datetime:
        assert local is not None  # the form has checked it
        return local.replace(tzinfo=LOCAL_TIME).astimezone(UTC)

    assert form.starts_on.data is not None and form.ends_on.data is not None
    return CohortPlan(
        course_id=form.course.data or 0,
        code=form.code.data or "",
        region_code=form.region.data or None,
        venue=form.venue.data or "",
        language=form.language.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        enrolment_opens_at=utc(form.enrolment_opens_at.data),
        enrolment_closes_at=utc(form.enrolment_closes_at.data),
        seats=form.seats.data or 0,
        instructor_ids=form.instructors.data or [],
    )


@bp.route("/cohorts/new", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def new_cohort() -> str | Response:
    db = get_session()
    form = _cohort_form()
    if form.validate_on_submit():
        try:
            cohort = create_cohort(db, _plan(form), actor=current_user)
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()
            flash(
                _("Cohort %(code)s is created. Add its sessions to the timetable.", code=cohort.code),
                "success",
            )
            return redirect(url_for("teach.cohort", code=cohort.code))
    return render_template("cohort_admin/cohort_form.html", form=form, cohort=None)


@bp.route("/cohorts/<code>/edit", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def edit_cohort(code: str) -> str | Response:
    db = get_session()
    cohort = cohort_by_code(db, code)
    form = _cohort_form(cohort)
    if form.validate_on_submit():
        try:
            change = update_cohort(db, cohort, _plan(form), version_of(form.version), actor=current_user)
        except DomainError as error:
            db.rollback()
            if error.status == 409 and error.field is None:
                raise  # someone else saved first: the conflict page, nothing changed
            show_error(form, error)
        else:
            db.commit()
            flash(_("Cohort %(code)s is saved.", code=cohort.code), "success")
            if change.promoted:
                flash(_promoted(len(change.promoted)), "info")
            return redirect(url_for("cohort_admin.cohorts"))
    return render_template("cohort_admin/cohort_form.html", form=form, cohort=cohort)


def _promoted(count: int) -> str:
    return ngettext(
        "%(num)s student moved up from the waitlist.", "%(num)s students moved up from the waitlist.", count
    )


def _enrolments_page(cohort: Cohort, form: EnrolByEmailForm, status_code: int = 200) -> tuple[str, int]:
    db = get_session()
    status_value = request.args.get("status", "")
    status = EnrolmentStatus(status_value) if status_value in EnrolmentStatus.__members__.values() else None
    page = paginate(
        db, cohort_enrolments(cohort.id, status), page_number(request.args.get("page")), ENROLMENTS_PER_PAGE
    )
    actors = names_of(db, (event.actor_id for e in page.items for event in e.events))
    return (
        render_template(
            "cohort_admin/enrolments.html",
            cohort=cohort,
            page=page,
            status=status,
            statuses=list(EnrolmentStatus),
            positions=services.cohort_waitlist(db, cohort.id),
            actors=actors,
            form=form,
        ),
        status_code,
    )


@bp.route("/cohorts/<code>/enrolments", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def enrolments(code: str) -> tuple[str, int] | Response:
    """The cohort's enrolments; the form on the page enrols a student by e-mail."""
    db = get_session()
    cohort = cohort_by_code(db, code)
    form = EnrolByEmailForm()
    if not form.validate_on_submit():
        return _enrolments_page(cohort, form, 400 if form.is_submitted() else 200)
    student = find_user_by_email(db, form.email.data or "")
    if student is None:
        form.email.errors = [_("No account uses this e-mail address.")]
        return _enrolments_page(cohort, form, 400)
    before = db.scalar(
        select(Enrolment.status).where(Enrolment.cohort_id == cohort.id, Enrolment.student_id == student.id)
    )
    try:
        enrolment = services.enrol(db, cohort, student, actor=current_user, check_window=False)
    except DomainError as error:
        db.rollback()
        form.email.errors = [str(error.message)]
        return _enrolments_page(cohort, form, 409 if error.status == 409 else 400)
    db.commit()
    if before in services.ACTIVE:
        flash(_("%(name)s already has a place in this cohort.", name=student.full_name), "info")
    elif enrolment.status is EnrolmentStatus.WAITLISTED:
        flash(_("The cohort is full: %(name)s is on the waitlist.", name=student.full_name), "info")
    else:
        flash(_("%(name)s is enrolled.", name=student.full_name), "success")
    return redirect(url_for("cohort_admin.enrolments", code=cohort.code))


def _enrolment_or_404(enrolment_id: int) -> Enrolment:
    enrolment = get_session().get(Enrolment, enrolment_id)
    if enrolment is None:
        abort(404)
    return enrolment


@bp.route("/enrolments/<int:enrolment_id>/withdraw", methods=["POST"])
@access.roles(Role.ADMIN)
def withdraw(enrolment_id: int) -> Response:
    db = get_session()
    enrolment = _enrolment_or_404(enrolment_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    code, name = enrolment.cohort.code, enrolment.student.full_name
    try:
        change = services.withdraw(db, enrolment, actor=current_user, note=form.note.data or "")
    except DomainError as error:
        db.rollback()
        flash(str(error.message), "error")
    else:
        db.commit()
        flash(_("%(name)s is withdrawn from the cohort.", name=name), "success")
        if change.promoted:
            flash(_promoted(len(change.promoted)), "info")
    return redirect(url_for("cohort_admin.enrolments", code=code))


@bp.route("/enrolments/<int:enrolment_id>/outcome", methods=["POST"])
@access.roles(Role.ADMIN)
def outcome(enrolment_id: int) -> Response:
    db = get_session()
    enrolment = _enrolment_or_404(enrolment_id)
    form = OutcomeForm()
    if not form.validate_on_submit():
        abort(400)
    code, name = enrolment.cohort.code, enrolment.student.full_name
    result = EnrolmentStatus(form.outcome.data)
    try:
        services.record_outcome(db, enrolment, result, actor=current_user, note=form.note.data or "")
    except DomainError as error:
        db.rollback()
        flash(str(error.message), "error")
    else:
        db.commit()
        if result is EnrolmentStatus.COMPLETED:
            flash(_("%(name)s has completed the course.", name=name), "success")
        else:
            flash(_("%(name)s has not passed the course.", name=name), "info")
    return redirect(url_for("cohort_admin.enrolments", code=code))
