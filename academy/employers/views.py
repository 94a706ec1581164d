"""Employer self-registration; the company waits for the academy's approval."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from academy import access
from academy.auth.views import start_session
from academy.db import get_session
from academy.employers import services
from academy.employers.forms import EmployerRegistrationForm
from academy.errors import DomainError
from academy.extensions import client_address, limiter
from academy.forms import person_data, show_error
from academy.i18n import current_locale
from academy.web import region_choices

bp = Blueprint("employers", __name__, url_prefix="/employers")


@bp.route("/register", methods=["GET", "POST"])
@access.public
@limiter.limit("10 per hour", methods=["POST"], key_func=client_address, scope="register")
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    db = get_session()
    form = EmployerRegistrationForm()
    form.region.choices = region_choices(db, blank=_("Choose a region"))
    if not form.is_submitted():
        form.locale.data = current_locale()
    if form.validate_on_submit():
        try:
            user = services.register_employer(
                db,
                company_name=form.company_name.data or "",
                tax_id=form.tax_id.data or "",
                website=form.website.data,
                region_code=form.region.data or None,
                **person_data(form),
            )
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()
            start_session(user)
            flash(
                _(
                    "Your company is registered. The academy will review it shortly; "
                    "you can sign in meanwhile."
                ),
                "success",
            )
            return redirect(url_for("main.dashboard"))
    return render_template("employers/register.html", form=form)
