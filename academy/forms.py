"""Form pieces shared by several features."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, Form, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Regexp

from academy.auth.services import password_problem
from academy.errors import DomainError

PHONE = Regexp(r"^\+?[0-9 ()-]{9,20}$", message=_l("Enter a phone number such as +998 90 123 45 67."))


def show_error(form: Form, error: DomainError) -> None:
    """Put a service's error on the field it concerns, or above the form."""
    message = str(error.message)
    if error.field and error.field in form:
        form[error.field].errors = [message]
    else:
        form.form_errors.append(message)


def person_data(form: Form) -> dict[str, Any]:
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
