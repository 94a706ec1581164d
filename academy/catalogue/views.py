"""The public catalogue at ``/``, course and cohort pages, and a student's enrol and withdraw buttons."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from academy import access
from academy.auth.models import Role, User
from academy.catalogue.forms import CatalogueFilterForm, PlaceForm, parse_month
from academy.catalogue.services import (
    ONLINE,
    Place,
    find_courses,
    get_cohort,
    get_course,
    next_month,
    place_of,
    sees_session_links,
    skills_for_choice,
    upcoming_cohorts,
)
from academy.cohorts import services as cohort_services
from academy.cohorts.models import EnrolmentStatus
from academy.db import get_session, utcnow
from academy.errors import DomainError
from academy.i18n import current_locale
from academy.pagination import page_number
from academy.web import region_choices

bp = Blueprint("catalogue", __name__)
MONTHS_AHEAD = 12


def academy_today() -> date:
    """Today in the academy's time zone (Asia/Tashkent), where cohorts start and end."""
    return datetime.now(get_timezone()).date()


def _viewer() -> User | None:
    user: User | None = current_user._get_current_object() if current_user.is_authenticated else None
    return user


def _month_choices(today: date, requested: str | None) -> list[SelectChoice]:
    months = [today.replace(day=1)]
    while len(months) < MONTHS_AHEAD:
        months.append(next_month(months[-1]))
    asked = parse_month(requested)
    if asked is not None and asked not in months:
        months = sorted([*months, asked])
    choices = [SelectChoice("", _("Any month"))]
    for month in months:
        label = str(format_date(month, "LLLL y"))
        choices.append(SelectChoice(f"{month:%Y-%m}", label[:1].upper() + label[1:]))
    return choices


@bp.route("/")
@access.public
def index() -> str:
    db = get_session()
    today = academy_today()
    locale = current_locale()
    form = CatalogueFilterForm(request.args)
    form.region.choices = [
        SelectChoice("", _("All regions")),
        SelectChoice(ONLINE, _("Online")),
        *region_choices(db),
    ]
    skills = sorted(((s.name(locale), s.code) for s in skills_for_choice(db)), key=lambda s: s[0].casefold())
    form.skill.choices = [SelectChoice("", _("All skills")), *(SelectChoice(c, n) for n, c in skills)]
    form.month.choices = _month_choices(today, form.month.data)
    form.validate()
    page = find_courses(db, form.filters(), today, page_number(request.args.get("page")))
    return render_template(
        "catalogue/index.html", form=form, page=page, query_args=form.query_args(), now=utcnow()
    )


@bp.route("/courses/<code>")
@access.public
def course(code: str) -> str:
    db = get_session()
    found = get_course(db, code, _viewer())
    return render_template(
        "catalogue/course.html",
        course=found,
        cohorts=upcoming_cohorts(db, found, academy_today()),
        now=utcnow(),
    )


@bp.route("/cohorts/<code>")
@access.public
def cohort(code: str) -> str:
    db = get_session()
    viewer = _viewer()
    found = get_cohort(db, code, viewer)
    place = place_of(db, found, viewer) if viewer is not None and viewer.role is Role.STUDENT else Place()
    return render_template(
        "catalogue/cohort.html",
        cohort=found,
        place=place,
        show_links=sees_session_links(found, viewer, place),
        form=PlaceForm(),
        now=utcnow(),
        statuses=EnrolmentStatus,
    )


def _back_to(code: str) -> Response:
    return redirect(url_for("catalogue.cohort", code=code))


@bp.route("/cohorts/<code>/enrol", methods=["GET", "POST"])
@access.roles(Role.STUDENT)
def enrol(code: str) -> Response:
    """Enrol, or join the waitlist of a full cohort. A GET (where signing in after pressing the
    button lands) only leads back to the cohort page."""
    if request.method == "GET":
        return _back_to(code)
    if not PlaceForm().validate_on_submit():
        abort(400)
    db = get_session()
    student = _viewer()
    assert student is not None
    found = get_cohort(db, code, student)
    if place_of(db, found, student).status in cohort_services.ACTIVE:
        flash(_("You already have a place in this cohort."), "info")
        return _back_to(code)
    try:
        enrolment = cohort_services.enrol(db, found, student)
        position = cohort_services.waitlist_position(db, enrolment)
    except cohort_services.PrerequisitesMissing as error:
        db.rollback()
        locale = current_locale()
        missing = ", ".join(f"{c.title(locale)} ({c.code})" for c in error.missing)
        flash(_("Complete these courses first: %(codes)s", codes=missing), "error")
        return _back_to(code)
    except DomainError as error:
        db.rollback()
        flash(str(error.message), "error")
        return _back_to(code)
    db.commit()
    if enrolment.status is EnrolmentStatus.WAITLISTED:
        flash(
            _("The cohort is full, so you are on its waitlist: number %(position)s.", position=position),
            "info",
        )
    else:
        flash(_("You are enrolled. The timetable is below."), "success")
    return _back_to(code)


@bp.route("/cohorts/<code>/withdraw", methods=["GET", "POST"])
@access.roles(Role.STUDENT)
def withdraw(code: str) -> str | Response:
    """Give up a seat or a waitlist place, after confirming on a page of its own."""
    db = get_session()
    student = _viewer()
    assert student is not None
    found = get_cohort(db, code, student)
    place = place_of(db, found, student)
    if place.enrolment is None or not place.active:
        flash(str(cohort_services.NotWithdrawable().message), "info")
        return _back_to(code)
    form = PlaceForm()
    if not form.validate_on_submit():
        return render_template("catalogue/withdraw.html", cohort=found, place=place, form=form)
    was = place.enrolment.status
    try:
        cohort_services.withdraw(db, place.enrolment, actor=student)
    except DomainError as error:
        db.rollback()
        flash(str(error.message), "error")
        return _back_to(code)
    db.commit()
    if was is EnrolmentStatus.WAITLISTED:
        flash(_("You have left the waitlist."), "success")
    else:
        flash(_("You have given up your seat in this cohort."), "success")
    return _back_to(code)
