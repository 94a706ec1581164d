"""Public verification: ``/verify`` (search by serial) and ``/verify/<code>`` (what a certificate states).

No account is needed. Both pages share one rate limit per client address, so nobody can walk the
space of serials or codes; a wrong code is the plain 404 page, with no hint about other codes.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import Form, SearchField

from academy import access
from academy.catalogue.views import academy_today
from academy.certificates.serials import InvalidSerial
from academy.certificates.services import REISSUED, CertificateState, find_by_serial
from academy.certificates.verification import verify
from academy.db import get_session
from academy.extensions import client_address, limiter
from academy.i18n import current_locale

bp = Blueprint("verify", __name__)
MAX_SERIAL_LENGTH = 60
lookups = limiter.shared_limit(
    lambda: current_app.config["VERIFY_LIMIT_PER_ADDRESS"], scope="verify", key_func=client_address
)


class SerialSearchForm(Form):
    """The search box, read from the query string (a GET form: nothing changes, no CSRF)."""

    serial = SearchField(_l("Certificate serial"), filters=[lambda v: (v or "").strip()[:MAX_SERIAL_LENGTH]])


def _private(body: str, status: int = 200) -> Response:
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/verify")
@access.public
@lookups
def search() -> Response:
    form = SerialSearchForm(request.args)
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
    return _private(render_template("certificates/search.html", form=form), status)


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
