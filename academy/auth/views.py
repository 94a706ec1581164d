"""Signing in and out, student registration, passwords."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from academy import access
from academy.auth import services
from academy.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    StudentRegistrationForm,
)
from academy.auth.models import User
from academy.cohorts.calendar import ensure_calendar_token
from academy.db import get_session
from academy.errors import DomainError
from academy.extensions import client_address, limiter
from academy.forms import person_data, show_error
from academy.i18n import current_locale
from academy.web import region_choices, safe_next

bp = Blueprint("auth", __name__)


def _login_account_key() -> str:
    return "account:" + services.normalize_email(request.form.get("email", ""))


def _login_failed(_response: Response) -> bool:
    return bool(g.get("login_failed"))


def start_session(user: User, remember: bool = False) -> None:
    """Sign ``user`` in on a fresh session: nothing from before the login survives."""
    session.clear()
    login_user(user, remember=remember)
    session["sid"] = secrets.token_urlsafe(16)


@bp.route("/login", methods=["GET", "POST"])
@access.public
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    key_func=client_address,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-address",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
)
def login() -> str | tuple[str, int] | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            user = services.authenticate(db, form.email.data or "", form.password.data or "")
        except DomainError as error:
            g.login_failed = True
            form.form_errors.append(str(error.message))
            return render_template("auth/login.html", form=form), 200
        db.commit()
        start_session(user, remember=bool(form.remember.data))
        flash(_("Welcome, %(name)s.", name=user.first_name), "success")
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@access.signed_in
def logout() -> Response:
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("catalogue.index"))


@bp.route("/register", methods=["GET", "POST"])
@access.public
@limiter.limit("10 per hour", methods=["POST"], key_func=client_address, scope="register")
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    db = get_session()
    form = StudentRegistrationForm()
    form.region.choices = region_choices(db, blank=_("Choose your region"))
    if not form.is_submitted():
        form.locale.data = current_locale()
    if form.validate_on_submit():
        try:
            user = services.register_student(db, region_code=form.region.data or "", **person_data(form))
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()
            start_session(user)
            flash(_("Your account is ready. Welcome to the academy!"), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/register.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@access.signed_in
def account() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            services.change_password(db, current_user, form.current.data or "", form.password.data or "")
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()
            start_session(current_user._get_current_object())  # the old cookies died with the token
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("auth.account"))
    if not form.is_submitted() and ensure_calendar_token(get_session(), current_user):
        get_session().commit()  # the address of the person's own timetable feed, shown on this page
    return render_template("auth/account.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@access.public
@limiter.limit(
    lambda: current_app.config["RESET_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    key_func=client_address,
    scope="forgot-password",
)
def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        db = get_session()
        # The e-mail goes out through the notification outbox once this commits.
        services.request_password_reset(db, form.email.data or "")
        db.commit()
        # The same answer whether or not the account exists.
        flash(
            _(
                "If an account uses that e-mail, a link to set a new password is on its way. "
                "It works once, within an hour."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@access.public
@limiter.limit("30 per hour", key_func=client_address, scope="reset-password")
def reset_password(token: str) -> str | tuple[str, int] | Response:
    db = get_session()
    try:
        user = services.check_reset_token(db, token)
    except services.InvalidResetToken as error:
        return render_template("auth/reset_invalid.html", message=error.message), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(db, token, form.password.data or "")
        except services.InvalidResetToken as error:
            return render_template("auth/reset_invalid.html", message=error.message), 404
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()
            logout_user()
            session.clear()
            flash(_("Your new password is set. Sign in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, user=user)
