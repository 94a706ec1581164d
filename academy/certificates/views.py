"""Certificate pages: issuing a cohort's certificates (a background job) and their list for its
instructors, revoking and reissuing for administrators, "My certificates" for students, and the PDF.

A cohort's pages live under ``/teach/cohorts/<code>/certificates`` (another instructor's cohort is
404); administration under ``/admin/certificates``; a student's own under ``/my/certificates``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from academy import access
from academy.auth.models import Role
from academy.catalogue.views import academy_today
from academy.certificates import jobs, pdf
from academy.certificates.forms import IssueForm, ReasonForm
from academy.certificates.models import Certificate, CertificateStatus
from academy.certificates.services import (
    CertificateState,
    StaleCertificate,
    certificate_status,
    reissue_certificate,
    revoke_certificate,
)
from academy.certificates.sharing import linkedin_url, share_url
from academy.cohort_admin.forms import version_of
from academy.cohorts.models import Enrolment
from academy.cohorts.planning import taught_cohort
from academy.cohorts.timetable import to_local
from academy.db import get_session, utcnow
from academy.errors import DomainError
from academy.forms import show_error
from academy.i18n import current_locale
from academy.jobs.queue import dispatch
from academy.jobs.services import create_job
from academy.pagination import page_number, paginate

bp = Blueprint("certificates", __name__)
PER_PAGE = 25
STATE_NAMES = {
    CertificateState.VALID.value: _l("Valid"),
    CertificateState.REVOKED.value: _l("Revoked"),
    CertificateState.EXPIRED.value: _l("Expired"),
}
STATE_BADGES = {"valid": "ok", "revoked": "danger", "expired": "wait"}


def _render(template: str, **context: object) -> str:
    return render_template(
        template,
        state_names=STATE_NAMES,
        state_badges=STATE_BADGES,
        state_of=lambda c: certificate_status(c, to_local(utcnow()).date()).value,
        **context,
    )


@bp.route("/teach/cohorts/<code>/certificates", methods=["POST"])
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def issue(code: str) -> Response:
    """Start issuing the cohort's certificates and show the job's page."""
    db = get_session()
    cohort = taught_cohort(db, current_user, code)
    if not IssueForm().validate_on_submit():
        abort(400)
    job = create_job(db, jobs.KIND, current_user, {"cohort_id": cohort.id, "cohort": cohort.code})
    db.commit()
    dispatch(job.id)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/teach/cohorts/<code>/certificates")
@access.roles(Role.INSTRUCTOR, Role.ADMIN)
def cohort(code: str) -> str:
    """Every certificate of the cohort, current and retired, by holder."""
    db = get_session()
    found = taught_cohort(db, current_user, code)
    certificates = db.scalars(
        select(Certificate)
        .where(Certificate.cohort_id == found.id)
        .order_by(Certificate.holder_name, Certificate.id)
    ).all()
    return _render("certificates/cohort.html", cohort=found, certificates=certificates, form=IssueForm())


@bp.route("/admin/certificates")
@access.roles(Role.ADMIN)
def admin_list() -> str:
    """All certificates, newest first; searched by serial or holder, filtered by status."""
    query = request.args.get("q", "").strip()[:100]
    wanted = request.args.get("status", "")
    status = CertificateStatus(wanted) if wanted in CertificateStatus.__members__.values() else None
    stmt = (
        select(Certificate)
        .options(selectinload(Certificate.course))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    if query:
        pattern = f"%{query.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(Certificate.serial.ilike(pattern), Certificate.holder_name.ilike(pattern)))
    if status is not None:
        stmt = stmt.where(Certificate.status == status)
    page = paginate(get_session(), stmt, page_number(request.args.get("page")), PER_PAGE)
    return _render(
        "certificates/admin_list.html",
        page=page,
        query=query,
        status=status,
        statuses=list(CertificateStatus),
    )


def _certificate_or_404(certificate_id: int) -> Certificate:
    certificate = get_session().get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    return certificate


def _reason_form(certificate: Certificate) -> ReasonForm:
    form = ReasonForm()
    if request.method == "GET":
        form.version.data = str(certificate.version)
    return form


@bp.route("/admin/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def revoke(certificate_id: int) -> str | Response:
    db = get_session()
    certificate = _certificate_or_404(certificate_id)
    form = _reason_form(certificate)
    if form.validate_on_submit():
        try:
            revoke_certificate(
                db, certificate, current_user, form.reason.data or "", version_of(form.version), utcnow()
            )
        except DomainError as error:
            db.rollback()
            if error.status == 409:
                raise  # changed meanwhile or already revoked: the conflict page, nothing changed
            show_error(form, error)
        else:
            db.commit()
            flash(_("Certificate %(serial)s is revoked.", serial=certificate.serial), "success")
            return redirect(url_for("certificates.admin_list"))
    return _render("certificates/reason.html", form=form, certificate=certificate, action="revoke")


@bp.route("/admin/certificates/<int:certificate_id>/reissue", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def reissue(certificate_id: int) -> str | Response:
    db = get_session()
    certificate = _certificate_or_404(certificate_id)
    form = _reason_form(certificate)
    if form.validate_on_submit():
        try:
            if version_of(form.version) != certificate.version:
                raise StaleCertificate()
            new = reissue_certificate(db, certificate, current_user, form.reason.data or "", utcnow())
        except DomainError as error:
            db.rollback()
            if error.status == 409:
                raise
            show_error(form, error)
        else:
            db.commit()
            flash(
                _("Certificate %(old)s is replaced by %(new)s.", old=certificate.serial, new=new.serial),
                "success",
            )
            return redirect(url_for("certificates.admin_list", q=new.serial))
    holder = certificate.enrolment.student.full_name
    return _render(
        "certificates/reason.html", form=form, certificate=certificate, action="reissue", holder=holder
    )


@bp.route("/my/certificates")
@access.roles(Role.STUDENT)
def mine() -> str:
    """The student's own certificates with their share and LinkedIn links."""
    certificates = (
        get_session()
        .scalars(
            select(Certificate)
            .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
            .where(Enrolment.student_id == current_user.id)
            .options(selectinload(Certificate.course))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
        .all()
    )
    locale = current_locale()
    links = {
        c.id: (share_url(c.verification_code), linkedin_url(c, c.course.title(locale))) for c in certificates
    }
    return _render("certificates/mine.html", certificates=certificates, links=links)


def _pdf_response(certificate: Certificate) -> Response:
    """The certificate's PDF as a download, or 304 when the browser's copy (its ETag) is current."""
    tag = pdf.etag(certificate)
    if tag in request.if_none_match:
        response = Response(status=304)
    else:
        body = pdf.certificate_pdf(get_session(), certificate, academy_today())
        response = Response(body, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{certificate.serial}.pdf"'
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/my/certificates/<int:certificate_id>/certificate.pdf")
@access.roles(Role.STUDENT)
def my_pdf(certificate_id: int) -> Response:
    """The student's own certificate as a PDF; another's, or a revoked one (its replacement is the one
    offered), is 404."""
    certificate = get_session().scalar(
        select(Certificate)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(
            Certificate.id == certificate_id,
            Enrolment.student_id == current_user.id,
            Certificate.status == CertificateStatus.VALID,
        )
    )
    if certificate is None:
        abort(404)
    return _pdf_response(certificate)


@bp.route("/admin/certificates/<int:certificate_id>/certificate.pdf")
@access.roles(Role.ADMIN)
def admin_pdf(certificate_id: int) -> Response:
    """Any certificate as a PDF; a revoked one carries a "Revoked" stamp across the page."""
    return _pdf_response(_certificate_or_404(certificate_id))
