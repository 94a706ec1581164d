"""The employer registration form: a company and its first member."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp

from academy.auth.forms import PersonFields
from academy.forms import strip


class EmployerRegistrationForm(PersonFields):
    company_name = StringField(
        _l("Company name"), validators=[DataRequired(), Length(max=160)], filters=[strip]
    )
    tax_id = StringField(
        _l("Taxpayer number (INN)"),
        validators=[
            DataRequired(),
            Regexp(r"^[0-9]{9}$", message=_l("The taxpayer number (INN) has exactly 9 digits.")),
        ],
        filters=[strip],
    )
    website = URLField(
        _l("Website (optional)"),
        validators=[
            Optional(),
            URL(message=_l("Enter a full address such as https://example.uz.")),
            Length(max=200),
        ],
        filters=[strip],
    )
    region = SelectField(_l("Head office region"), validators=[Optional()])
