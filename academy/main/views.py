"""The per-role dashboard, the language switcher and ``/healthz``."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from academy import access
from academy.auth.models import Role
from academy.auth.services import count_users_by_role, set_locale
from academy.cohorts.models import EnrolmentStatus
from academy.cohorts.planning import cohorts_taught_by
from academy.cohorts.timetable import next_sessions, to_local
from academy.db import get_session, utcnow
from academy.employers.models import CompanyStatus
from academy.employers.services import count_companies_by_status
from academy.main.services import my_cohorts, students_per_region
from academy.regions.services import list_regions
from academy.web import safe_next

bp = Blueprint("main", __name__)


@bp.route("/dashboard")
@access.signed_in
def dashboard() -> str:
    db = get_session()
    role = current_user.role
    if role is Role.ADMIN:
        return render_template(
            "main/dashboard_admin.html",
            users_by_role=count_users_by_role(db),
            companies_by_status=count_companies_by_status(db),
            regions=list_regions(db),
            students_by_region=students_per_region(db),
            roles=Role,
            statuses=CompanyStatus,
        )
    if role is Role.EMPLOYER:
        return render_template("main/dashboard_employer.html", company=current_user.company)
    if role is Role.INSTRUCTOR:
        now = utcnow()
        taught = db.scalars(cohorts_taught_by(current_user, to_local(now).date()).limit(5)).unique().all()
        return render_template(
            "main/dashboard_instructor.html",
            cohorts=taught,
            next_sessions=next_sessions(db, (c.id for c in taught), now),
        )
    return render_template(
        "main/dashboard_student.html",
        my_cohorts=my_cohorts(db, current_user, utcnow()),
        statuses=EnrolmentStatus,
    )


@bp.route("/language", methods=["POST"])
@access.public
def set_language() -> Response:
    """Remember the chosen language in a cookie, and on the account when signed in."""
    locale = request.form.get("lang", "")
    target = safe_next(request.form.get("next"), default="catalogue.index")
    response = make_response(redirect(target))
    if locale in current_app.config["LANGUAGES"]:
        response.set_cookie(
            current_app.config["LANGUAGE_COOKIE"],
            locale,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        if current_user.is_authenticated:
            db = get_session()
            set_locale(db, current_user, locale)
            db.commit()
    return response


@bp.route("/healthz")
@access.public
def healthz() -> tuple[Response, int]:
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database does not answer")
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
