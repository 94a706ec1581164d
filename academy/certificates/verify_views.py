"""Public verification: ``/verify`` (search by serial) and ``/verify/<code>`` (what a certificate states).

No account is needed. Both pages share one rate limit per client address, so nobody can walk the
space of serials or codes; a wrong code is the plain 404 page, with no hint about other codes.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response
from wtforms import SearchField, TextAreaField

from academy import access
from academy.catalogue.views import academy_today
from academy.certificates import checking, credentials
from academy.certificates.serials import InvalidSerial
from academy.certificates.services import REISSUED, CertificateState, find_by_code, find_by_serial
from academy.certificates.verification import verify, well_shaped
from academy.db import get_session, utcnow
from academy.extensions import client_address, limiter
from academy.forms import Form
from academy.i18n import current_locale
from academy.web import body_limit

bp = Blueprint("verify", __name__)
MAX_SERIAL_LENGTH = 60
# A credential upload: the largest credential, and room for the form around it, so that a file a
# little over the limit gets the form's message; anything larger is the 413 page, unread.
MAX_UPLOAD_REQUEST = checking.MAX_BYTES + 16 * 1024
lookups = limiter.shared_limit(
    lambda: current_app.config["VERIFY_LIMIT_PER_ADDRESS"], scope="verify", key_func=client_address
)


class SerialSearchForm(Form):
    """The search box, read from the query string (a GET form: nothing changes, no CSRF)."""

    serial = SearchField(_l("Certificate serial"), filters=[lambda v: (v or "").strip()[:MAX_SERIAL_LENGTH]])


class CredentialForm(FlaskForm):
    """An Open Badges 3.0 credential to check: a file (JSON or JWT) or the same pasted."""

    file = FileField(_l("Credential file (.json or .jwt)"))
    text = TextAreaField(_l("Or paste the credential"))


def _private(body: str | bytes, status: int = 200) -> Response:
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/verify")
@access.public
@lookups
def search() -> Response:
    form = SerialSearchForm(request.args)
    upload = CredentialForm()
    status = 200
    if form.serial.data:
        try:
            certificate = find_by_serial(get_session(), form.serial.data)
        except InvalidSerial as error:
            form.serial.errors = [str(error.message)]
        else:
            if certificate is not None:
                return redirect(url_for("verify.certificate", code=certificate.verification_code))
            form.serial.errors = [str(_l("No certificate has this serial."))]
            status = 404
    return _private(render_template("certificates/search.html", form=form, upload=upload), status)


@bp.route("/verify/credential", methods=["POST"])
@access.public
@body_limit(MAX_UPLOAD_REQUEST)
@lookups
def check_credential() -> Response:
    """Check an uploaded credential's signature, schema, status and dates; the report on the page."""
    upload = CredentialForm()
    report, status = None, 200
    if upload.validate_on_submit():
        try:
            report = checking.check(get_session(), _uploaded_text(upload), utcnow())
        except checking.Unreadable as error:
            upload.text.errors = [str(error.message)]
            status = 400
    else:
        status = 400
    return _private(
        render_template(
            "certificates/search.html",
            form=SerialSearchForm(),
            upload=upload,
            report=report,
            outcomes=checking.Outcome,
        ),
        status,
    )


def _uploaded_text(upload: CredentialForm) -> str | bytes:
    """The chosen file's bytes (a little past the limit at most), else the pasted text."""
    file = upload.file.data
    if isinstance(file, FileStorage) and file.filename:
        return bytes(file.stream.read(checking.MAX_BYTES + 1))
    return upload.text.data or ""


@bp.route("/verify/<code>")
@access.public
@lookups
def certificate(code: str) -> Response:
    found = verify(get_session(), code, current_locale(), academy_today())
    if found is None:
        abort(404)
    return _private(
        render_template("certificates/verify.html", v=found, states=CertificateState, reissued=REISSUED)
    )


def _credential_of(code: str) -> tuple[str, str]:
    """(JSON, JWT) of the certificate of ``code``; 404 when there is none or it has no credential."""
    certificate = find_by_code(get_session(), code) if well_shaped(code) else None
    if certificate is None or certificate.credential is None or certificate.credential_jwt is None:
        abort(404)
    return certificate.credential, certificate.credential_jwt


def _download(body: str, media_type: str, name: str) -> Response:
    response = _private(body)
    response.mimetype = media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/verify/<code>/ob3.json")
@access.public
@lookups
def ob3_json(code: str) -> Response:
    """The Open Badges 3.0 credential with its Data Integrity proof, as signed at issue."""
    document, _token = _credential_of(code)
    return _download(document, credentials.MEDIA_TYPE, "certificate.ob3.json")


@bp.route("/verify/<code>/ob3.jwt")
@access.public
@lookups
def ob3_jwt(code: str) -> Response:
    """The same credential as a VC-JWT."""
    _document, token = _credential_of(code)
    return _download(token, "application/jwt", "certificate.ob3.jwt")
