"""Form pieces shared by several features."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import wtforms
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, Field, ValidationError
from wtforms import validators as wtforms_validators
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Regexp

from academy.auth.services import password_problem
from academy.errors import DomainError
from academy.form_messages import FORM_MESSAGES

ID = re.compile(r"[0-9]{1,12}")  # an id posted in a form (str.isdigit() also takes "²", which int() does not)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # control characters: no title or name has them
PHONE = Regexp(r"^\+?[0-9 ()-]{9,20}$", message=_l("Enter a phone number such as +998 90 123 45 67."))


class Form(wtforms.Form):
    """A form posted without a CSRF token (a filter, a search, a row of a list of rows), whose WTForms
    messages come from the academy's catalogue like those of the Flask-WTF forms."""

    class Meta:
        def get_translations(self, form: wtforms.Form) -> Any:
            return FORM_MESSAGES


class NumberRange(wtforms_validators.NumberRange):
    """WTForms' range check, with an integer of hundreds of digits out of range instead of an
    ``OverflowError`` (the check passes the number through ``math.isnan``, a float)."""

    def __call__(self, form: wtforms.Form, field: Field) -> None:
        try:
            super().__call__(form, field)
        except OverflowError:
            field.data = math.inf if field.data > 0 else -math.inf
            super().__call__(form, field)
            raise ValidationError(field.gettext("Not a valid integer value.")) from None


def show_error(form: wtforms.Form, error: DomainError) -> None:
    """Put a service's error on the field it concerns, or above the form."""
    message = str(error.message)
    if error.field and error.field in form:
        form[error.field].errors = [message]
    else:
        form.form_errors.append(message)


def person_data(form: wtforms.Form) -> dict[str, Any]:
    """The personal details of a registration form, as the account services take them."""
    return {
        name: form[name].data for name in ("email", "password", "first_name", "last_name", "phone", "locale")
    }


def choices(labels: dict[str, Any]) -> list[SelectChoice]:
    """Select options from a mapping of value to (lazily translated) label."""
    return [SelectChoice(value, label) for value, label in labels.items()]


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class StrongPassword:
    """The account password rule (``password_problem``), as a form validator."""

    def __init__(self, email_field: str | None = "email") -> None:
        self.email_field = email_field

    def __call__(self, form: Form, field: Field) -> None:
        email = form[self.email_field].data if self.email_field and self.email_field in form else None
        problem = password_problem(field.data or "", email)
        if problem:
            raise ValidationError(problem)


class FiniteDecimalField(DecimalField):
    """A decimal field that refuses NaN and the infinities with a field error (a signalling NaN
    would otherwise break the range validators)."""

    data: Decimal | None

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


class NoControlCharacters:
    """A one-line text (a title) has no line breaks, tabs or other control characters."""

    message = _l("Use letters, digits and punctuation only: no line breaks or tabs.")

    def __call__(self, form: Form, field: Field) -> None:
        if isinstance(field.data, str) and CONTROL.search(field.data):
            raise ValidationError(self.message)
