"""Instructors run their own cohorts (administrators any cohort): the roster, the timetable, attendance.

A cohort, session or register of a cohort the instructor does not teach answers 404, as if it did
not exist.
"""

from __future__ import annotations

import re
from datetime import time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from academy import access
from academy.auth.models import Role
from academy.cohort_admin.forms import version_of
from academy.cohorts import attendance as attendance_rules
from academy.cohorts import timetable
from academy.cohorts.attendance import RegisterChanged
from academy.cohorts.models import AttendanceStatus, Cohort, CohortSession
from academy.cohorts.planning import cohorts_taught_by, phase_of, taught_cohort, teaches
from academy.db import get_session, utcnow
from academy.errors import DomainError
from academy.forms import show_error
from academy.pagination import page_number, paginate
from academy.teaching.forms import SeriesForm, SessionForm, VersionForm, weekday_choices

bp = Blueprint("teach", __name__, url_prefix="/teach")
PER_PAGE = 25
MARK_FIELD = re.compile(r"^mark-(\d{1,12})$")


@bp.route("")
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def my_cohorts() -> str:
    db = get_session()
    now = utcnow()
    today = timetable.to_local(now).date()
    page = paginate(
        db, cohorts_taught_by(current_user, today), page_number(request.args.get("page")), PER_PAGE
    )
    return render_template(
        "teaching/my_cohorts.html",
        page=page,
        next_sessions=timetable.next_sessions(db, (c.id for c in page.items), now),
        phases={c.id: phase_of(c, today).value for c in page.items},
    )


def _taught_session(session_id: int) -> CohortSession:
    db = get_session()
    cohort_session = db.scalar(
        select(CohortSession)
        .options(joinedload(CohortSession.cohort).joinedload(Cohort.course))
        .where(CohortSession.id == session_id)
    )
    if cohort_session is None or not teaches(db, current_user, cohort_session.cohort):
        abort(404)
    return cohort_session


@bp.route("/cohorts/<code>")
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def cohort(code: str) -> str:
    """The roster with attendance rates, and the timetable with the state of each register."""
    db = get_session()
    found = taught_cohort(db, current_user, code)
    sessions = db.scalars(
        select(CohortSession)
        .where(CohortSession.cohort_id == found.id)
        .order_by(CohortSession.starts_at, CohortSession.id)
    ).all()
    marked = attendance_rules.marked_counts(db, (s.id for s in sessions))
    now = utcnow()
    done = [s for s in sessions if s.ends_at < now and s.id in marked]
    return render_template(
        "teaching/cohort.html",
        cohort=found,
        roster=attendance_rules.roster(db, found.id),
        rates=attendance_rules.attendance_rates(db, found.id),
        current=[s for s in sessions if s not in done],  # upcoming, and past ones still without a register
        done=done,
        marked=marked,
        registers_open={s.id for s in sessions if attendance_rules.register_open(s, now)},
        now=now,
    )


def _plan(form: SessionForm) -> timetable.SessionPlan:
    assert form.day.data and form.starts.data and form.ends.data  # the form has checked them
    return timetable.SessionPlan(
        day=form.day.data,
        starts=form.starts.data,
        ends=form.ends.data,
        topic=form.topic.data or "",
        room=form.room.data or "",
        link=form.link.data or "",
    )


@bp.route("/cohorts/<code>/sessions/new", methods=["GET", "POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def new_session(code: str) -> str | Response:
    db = get_session()
    found = taught_cohort(db, current_user, code)
    form = SessionForm()
    if not form.is_submitted():
        form.day.data = max(found.starts_on, timetable.to_local(utcnow()).date())
        form.room.data = "" if found.online else found.venue
    if form.validate_on_submit():
        try:
            timetable.add_session(db, found, _plan(form))
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()
            flash(_("The session is added to the timetable."), "success")
            return redirect(url_for("teach.cohort", code=found.code))
    return render_template("teaching/session_form.html", form=form, cohort=found, cohort_session=None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def edit_session(session_id: int) -> str | Response:
    db = get_session()
    cohort_session = _taught_session(session_id)
    found = cohort_session.cohort
    form = SessionForm()
    if not form.is_submitted():
        starts, ends = (
            timetable.to_local(cohort_session.starts_at),
            timetable.to_local(cohort_session.ends_at),
        )
        form.version.data = str(cohort_session.version)
        form.day.data, form.starts.data, form.ends.data = starts.date(), starts.time(), ends.time()
        form.topic.data, form.room.data, form.link.data = (
            cohort_session.topic,
            cohort_session.room,
            cohort_session.link,
        )
    if form.validate_on_submit():
        try:
            timetable.update_session(db, cohort_session, _plan(form), version_of(form.version))
        except DomainError as error:
            db.rollback()
            if error.status == 409:
                raise  # someone else saved first: the conflict page, nothing changed
            show_error(form, error)
        else:
            db.commit()
            flash(_("The session is saved."), "success")
            return redirect(url_for("teach.cohort", code=found.code))
    return render_template(
        "teaching/session_form.html", form=form, cohort=found, cohort_session=cohort_session
    )


@bp.route("/sessions/<int:session_id>/delete", methods=["POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def delete_session(session_id: int) -> Response:
    db = get_session()
    cohort_session = _taught_session(session_id)
    code = cohort_session.cohort.code
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    timetable.delete_session(db, cohort_session, version_of(form.version))  # a DomainError is its own page
    db.commit()
    flash(_("The session is removed from the timetable."), "success")
    return redirect(url_for("teach.cohort", code=code))


@bp.route("/cohorts/<code>/sessions/series", methods=["GET", "POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def add_series(code: str) -> str | Response:
    db = get_session()
    found = taught_cohort(db, current_user, code)
    form = SeriesForm()
    form.weekdays.choices = weekday_choices()
    if not form.is_submitted():
        form.first_day.data = max(found.starts_on, timetable.to_local(utcnow()).date())
        form.last_day.data = found.ends_on
        form.starts.data = time(18, 0)
        form.room.data = "" if found.online else found.venue
    if form.validate_on_submit():
        assert form.starts.data and form.first_day.data and form.last_day.data
        series = timetable.WeeklySeries(
            weekdays=frozenset(form.weekdays.data or ()),
            starts=form.starts.data,
            minutes=form.minutes.data or 0,
            first_day=form.first_day.data,
            last_day=form.last_day.data,
            topic=form.topic.data or "",
            room=form.room.data or "",
            link=form.link.data or "",
        )
        try:
            added = timetable.add_weekly_series(db, found, series)
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()
            flash(
                ngettext(
                    "%(num)s session is added to the timetable.",
                    "%(num)s sessions are added to the timetable.",
                    len(added),
                ),
                "success",
            )
            return redirect(url_for("teach.cohort", code=found.code))
    return render_template("teaching/series_form.html", form=form, cohort=found)


def _submitted_marks() -> dict[int, AttendanceStatus]:
    """The marks of a posted register, by student id; a malformed one is a bad request."""
    marks = {}
    for name, value in request.form.items():
        match = MARK_FIELD.match(name)
        if match is None:
            if name.startswith("mark-"):
                abort(400)
            continue
        if value not in AttendanceStatus.__members__.values():
            abort(400)
        marks[int(match.group(1))] = AttendanceStatus(value)
    return marks


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def attendance(session_id: int) -> str | tuple[str, int] | Response:
    """The whole roster on one form, saved at once; a register saved by someone else meanwhile is a 409."""
    db = get_session()
    cohort_session = _taught_session(session_id)
    roster = attendance_rules.roster(db, cohort_session.cohort_id)
    form = VersionForm()
    errors: list[str] = []
    status = 200
    marks = attendance_rules.register(db, cohort_session.id)
    version = cohort_session.attendance_version
    if form.validate_on_submit():
        submitted = _submitted_marks()
        if any(enrolment.student_id not in submitted for enrolment in roster):
            errors.append(_("Choose a mark for every student."))
            marks, version, status = submitted, version_of(form.version), 400
        else:
            try:
                attendance_rules.record_attendance(
                    db, cohort_session, submitted, version_of(form.version), actor=current_user
                )
            except RegisterChanged as error:
                db.rollback()
                errors.append(str(error.message))
                marks = attendance_rules.register(db, cohort_session.id)  # what the other person saved
                version, status = cohort_session.attendance_version, 409
            except DomainError as error:
                db.rollback()
                errors.append(str(error.message))
                marks, version, status = submitted, version_of(form.version), error.status
            else:
                db.commit()
                flash(_("The attendance is saved."), "success")
                return redirect(url_for("teach.cohort", code=cohort_session.cohort.code))
    elif form.is_submitted():
        abort(400)
    return render_template(
        "teaching/attendance.html",
        cohort_session=cohort_session,
        cohort=cohort_session.cohort,
        roster=roster,
        marks=marks,
        version=version,
        errors=errors,
        statuses=list(AttendanceStatus),
        register_open=attendance_rules.register_open(cohort_session, utcnow()),
    ), status
