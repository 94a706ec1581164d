"""Forms of the administrators' cohort pages: a cohort, and the actions on its enrolments."""

from __future__ import annotations

from typing import Any

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    EmailField,
    Field,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from academy.forms import NumberRange, choices, strip
from academy.i18n import LANGUAGE_NAMES

COHORT_CODE = Regexp(
    r"^[A-Z0-9][A-Z0-9-]*$", message=_l("Use capital letters, digits and dashes, e.g. BPO-CC-SA-2609-1.")
)
OUTCOMES = {"completed": _l("Completed"), "failed": _l("Failed")}


def upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def version_of(field: HiddenField) -> int:
    """The version a form was loaded at; anything odd counts as none (and conflicts)."""
    try:
        return int(field.data or -1)
    except ValueError:
        return -1


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of check boxes, which work on a phone."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AtLeastOne:
    """At least one box ticked. Unlike DataRequired it sets no ``required`` flag, which on check
    boxes would demand that every box be ticked."""

    def __init__(self, message: object) -> None:
        self.message = message

    def __call__(self, form: wtforms.Form, field: Field) -> None:
        if not field.data:
            raise StopValidation(str(self.message))


class CohortForm(FlaskForm):
    version = HiddenField()
    course = SelectField(_l("Course"), coerce=int, validators=[DataRequired(message=_l("Choose a course."))])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40), COHORT_CODE], filters=[upper])
    region = SelectField(_l("Region"), validators=[Optional()])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)], filters=[strip])
    language = SelectField(_l("Language of instruction"), choices=choices(LANGUAGE_NAMES))
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])
    enrolment_opens_at = DateTimeLocalField(
        _l("Enrolment opens"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    enrolment_closes_at = DateTimeLocalField(
        _l("Enrolment closes"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    seats = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(min=0, max=1000)])
    instructors = MultiCheckboxField(
        _l("Instructors"),
        coerce=int,
        validators=[AtLeastOne(_l("Choose at least one instructor."))],
    )


class EnrolByEmailForm(FlaskForm):
    email = EmailField(
        _l("Student's e-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip]
    )


class WithdrawForm(FlaskForm):
    note = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=500)], filters=[strip])


class OutcomeForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=choices(OUTCOMES))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=500)], filters=[strip])
