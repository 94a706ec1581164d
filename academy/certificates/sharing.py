"""Links a holder shares: the public verification page and "Add to LinkedIn profile"."""

from __future__ import annotations

from urllib.parse import urlencode

from flask_babel import gettext as _

from academy.certificates.models import Certificate
from academy.cohorts.timetable import to_local
from academy.notifications.emails import public_url

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def share_url(code: str) -> str:
    """The public page that verifies the certificate of ``code``, at the deployment's ``BASE_URL``
    (never the request's Host header)."""
    return public_url("verify.certificate", code=code)


def linkedin_url(certificate: Certificate, course_name: str) -> str:
    """LinkedIn's "add a certification" form, filled in for ``certificate``."""
    issued = to_local(certificate.issued_at)
    return (
        LINKEDIN_ADD
        + "?"
        + urlencode(
            {
                "startTask": "CERTIFICATION_NAME",
                "name": course_name,
                "organizationName": _("BPO/KPO Academy"),
                "issueYear": issued.year,
                "issueMonth": issued.month,
                "certUrl": share_url(certificate.verification_code),
                "certId": certificate.serial,
            }
        )
    )
