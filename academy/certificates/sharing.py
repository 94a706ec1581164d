"""Links a holder shares: the public verification page and "Add to LinkedIn profile"."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _

from academy.certificates.models import Certificate
from academy.cohorts.timetable import to_local

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def share_url(code: str) -> str:
    """The public page that verifies the certificate of ``code`` (the one place that builds it)."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/verify/{code}"


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
