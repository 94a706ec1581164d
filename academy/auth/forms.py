"""Sign-in, registration and password forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from academy.forms import PHONE, StrongPassword, choices, strip
from academy.i18n import LANGUAGE_NAMES


def _confirm(label: object) -> PasswordField:
    return PasswordField(
        label, validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))]
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)], filters=[strip])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class PersonFields(FlaskForm):
    """The personal details every self-registration asks for."""

    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=80)], filters=[strip])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=80)], filters=[strip])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip])
    phone = TelField(_l("Phone (optional)"), validators=[Optional(), PHONE], filters=[strip])
    locale = SelectField(_l("Preferred language"), choices=choices(LANGUAGE_NAMES))
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256), StrongPassword()])
    confirm = _confirm(_l("Repeat the password"))


class StudentRegistrationForm(PersonFields):
    region = SelectField(_l("Region"), validators=[DataRequired()])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=256), StrongPassword(email_field=None)]
    )
    confirm = _confirm(_l("Repeat the new password"))


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip])
