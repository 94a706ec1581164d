"""Forms for administrators."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from academy.auth.models import Role
from academy.forms import choices, strip
from academy.i18n import LANGUAGE_NAMES
from academy.labels import ROLE_NAMES

STAFF_ROLES = choices({role.value: ROLE_NAMES[role.value] for role in (Role.INSTRUCTOR, Role.ADMIN)})


class InviteUserForm(FlaskForm):
    role = SelectField(_l("Role"), choices=STAFF_ROLES)
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=80)], filters=[strip])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=80)], filters=[strip])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip])
    region = SelectField(_l("Region"), validators=[Optional()])
    locale = SelectField(_l("Language of e-mails"), choices=choices(LANGUAGE_NAMES))


class CompanyDecisionForm(FlaskForm):
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=1000)], filters=[strip])


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""
