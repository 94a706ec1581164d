"""Form pieces shared by several features."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, Form, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Regexp

from academy.auth.services import password_problem

PHONE = Regexp(r"^\+?[0-9 ()-]{9,20}$", message=_l("Enter a phone number such as +998 90 123 45 67."))


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
