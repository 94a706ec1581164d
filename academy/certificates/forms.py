"""Forms of the certificate pages: issuing a cohort's certificates, revoking and reissuing one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length


class IssueForm(FlaskForm):
    """The "Issue certificates" button (only the CSRF token)."""


class ReasonForm(FlaskForm):
    """Revoke or reissue: a reason (checked by the service) and the version the page showed."""

    reason = TextAreaField(_l("Reason"), validators=[Length(max=500)])
    version = HiddenField()
