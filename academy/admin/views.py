"""Administrators manage accounts (invite staff, deactivate, reactivate) and approve companies."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from academy import access
from academy.admin.forms import CompanyDecisionForm, ConfirmForm, InviteUserForm
from academy.auth import services as auth_services
from academy.auth.models import Role, User
from academy.db import get_session
from academy.employers import services as employer_services
from academy.employers.models import Company, CompanyStatus
from academy.errors import DomainError
from academy.forms import show_error
from academy.pagination import Page, page_number, paginate
from academy.web import region_choices, safe_next

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 25


@bp.route("/users")
@access.roles(Role.ADMIN)
def users() -> str:
    role_filter = request.args.get("role", "")
    role = Role(role_filter) if role_filter in Role.__members__.values() else None
    query = request.args.get("q", "")[:100]
    page = paginate(
        get_session(),
        auth_services.search_users(get_session(), role, query),
        page_number(request.args.get("page")),
        PER_PAGE,
    )
    return render_template(
        "admin/users.html", page=page, role=role, query=query, roles=list(Role), confirm=ConfirmForm()
    )


@bp.route("/users/new", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def invite_user() -> str | Response:
    db = get_session()
    form = InviteUserForm()
    form.region.choices = region_choices(db, blank=_("No region"))
    if form.validate_on_submit():
        try:
            user = auth_services.invite_user(
                db,
                role=Role(form.role.data),
                email=form.email.data or "",
                first_name=form.first_name.data or "",
                last_name=form.last_name.data or "",
                region_code=form.region.data or None,
                locale=form.locale.data or "uz",
            )
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()  # the invitation e-mail leaves through the notification outbox
            flash(_("%(name)s has been invited by e-mail to set a password.", name=user.full_name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/invite_user.html", form=form)


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@access.roles(Role.ADMIN)
def deactivate_user(user_id: int) -> Response:
    return _set_active(user_id, False)


@bp.route("/users/<int:user_id>/activate", methods=["POST"])
@access.roles(Role.ADMIN)
def activate_user(user_id: int) -> Response:
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db = get_session()
    user = _user_or_404(user_id)
    auth_services.set_active(db, user, active, by=current_user)
    db.commit()
    if active:
        flash(_("%(name)s can sign in again.", name=user.full_name), "success")
    else:
        flash(_("%(name)s has been deactivated and signed out everywhere.", name=user.full_name), "success")
    return redirect(safe_next(request.form.get("next"), default="admin.users"))


@bp.route("/companies")
@access.roles(Role.ADMIN)
def companies() -> str:
    status_filter = request.args.get("status", CompanyStatus.PENDING.value)
    status = CompanyStatus(status_filter) if status_filter in CompanyStatus.__members__.values() else None
    stmt = (
        select(Company)
        .options(selectinload(Company.members))
        .order_by(Company.created_at.desc(), Company.id.desc())
    )
    if status is not None:
        stmt = stmt.where(Company.status == status)
    page: Page[Company] = paginate(get_session(), stmt, page_number(request.args.get("page")), PER_PAGE)
    return render_template(
        "admin/companies.html",
        page=page,
        status=status,
        statuses=list(CompanyStatus),
        form=CompanyDecisionForm(),
    )


@bp.route("/companies/<int:company_id>/<any(approve, reject):decision>", methods=["POST"])
@access.roles(Role.ADMIN)
def decide_company(company_id: int, decision: str) -> Response:
    db = get_session()
    company = db.get(Company, company_id)
    if company is None:
        abort(404)
    form = CompanyDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    employer_services.decide_company(db, company, decision == "approve", by=current_user, note=form.note.data)
    db.commit()
    if decision == "approve":
        flash(_("%(company)s is approved.", company=company.name), "success")
    else:
        flash(_("%(company)s is rejected.", company=company.name), "info")
    return redirect(url_for("admin.companies"))
