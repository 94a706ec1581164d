"""The timetable as iCalendar feeds: a published cohort's public feed, a person's secret feed, and
the button on the account page that creates or replaces the secret address."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from academy import access
from academy.cohorts import calendar
from academy.db import get_session, utcnow
from academy.i18n import current_locale

bp = Blueprint("feeds", __name__)


def _uid_domain() -> str:
    """The host part of the events' UIDs: the deployment's public host, stable across requests."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "academy"


def _feed(body: bytes, filename: str) -> Response:
    response = Response(body, content_type=calendar.CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.route("/cohorts/<code>/calendar.ics")
@access.public
def cohort_calendar(code: str) -> Response:
    db = get_session()
    cohort = calendar.published_cohort(db, code)
    body = calendar.cohort_feed(db, cohort, current_locale(), _uid_domain(), utcnow())
    return _feed(body, f"{cohort.code}.ics")


@bp.route("/calendar/<token>.ics")
@access.public
def personal_calendar(token: str) -> Response:
    db = get_session()
    owner = calendar.owner_of_token(db, token)
    locale = owner.locale if owner.locale in current_app.config["LANGUAGES"] else current_locale()
    body = calendar.personal_feed(db, owner, locale, _uid_domain(), utcnow())
    response = _feed(body, "academy.ics")
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/account/calendar", methods=["POST"])
@access.signed_in
def issue_calendar_address() -> Response:
    """Create the secret address of the person's own feed, or replace it (the old one stops working)."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    db = get_session()
    had_one = current_user.calendar_token is not None
    calendar.issue_calendar_token(db, current_user)
    db.commit()
    if had_one:
        flash(_("Your calendar has a new address. The old address no longer works."), "success")
    else:
        flash(_("Your calendar address is ready. Add it to your calendar app."), "success")
    return redirect(url_for("auth.account") + "#calendar")
