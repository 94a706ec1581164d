"""Forms of the gradebook: its filters (a GET form: bad values become field errors and are ignored),
a cell saved inline or as a plain form, a cohort's due date, the release buttons and the history's
filters. Forms check input; the services in :mod:`academy.grading` write."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import EnrolmentStatus
from academy.forms import Form, NumberRange, strip
from academy.grading.results import ResultState
from academy.grading.table import EXCUSED, Query
from academy.labels import ENROLMENT_STATUS_NAMES, RESULT_NAMES

MAX_QUERY_LENGTH = 100
MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL: anything larger is simply not found
CHOOSE_FROM_LIST = _l("Choose an option from the list.")
POINTS = re.compile(r"^\d{1,6}(?:[.,]\d{1,6})?$")
# The query-string arguments of the gradebook page: what a save returns to.
PAGE_ARGS = ("q", "state", "status", "needs", "sort", "dir")


def _clip(value: str | None) -> str:
    return (value or "").strip()[:MAX_QUERY_LENGTH]


class GradebookFilterForm(Form):
    """Filters and order of the gradebook, read from the query string. The view checks ``sort``
    against the cohort's columns; an unknown order or direction is ignored."""

    q = SearchField(_l("Name or e-mail"), filters=[_clip])
    state = SelectField(
        _l("Result"),
        default="",
        choices=[
            SelectChoice("", _l("All results")),
            *(SelectChoice(k, v) for k, v in RESULT_NAMES.items()),
        ],
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    status = SelectField(
        _l("Enrolment"),
        default="",
        choices=[
            SelectChoice("", _l("Everyone on the roster")),
            *(SelectChoice(s.value, ENROLMENT_STATUS_NAMES[s.value]) for s in ROSTER_STATUSES),
        ],
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    needs = BooleanField(_l("Needs grading only"))
    sort = HiddenField()
    dir = HiddenField()

    def query(self, sorts: tuple[str, ...]) -> Query:
        """The filters and order asked for, leaving out any field that has an error."""
        state = self.state.data if self.state.data and not self.state.errors else None
        status = self.status.data if self.status.data and not self.status.errors else None
        return Query(
            text=self.q.data or "",
            state=ResultState(state) if state else None,
            status=EnrolmentStatus(status) if status else None,
            needs_grading=bool(self.needs.data),
            sort=self.sort.data if self.sort.data in sorts else "name",
            descending=self.dir.data == "desc",
        )


def page_args(query: Query) -> dict[str, str]:
    """``query`` as the gradebook's query-string arguments (defaults left out)."""
    args = {
        "q": query.text,
        "state": query.state.value if query.state else "",
        "status": query.status.value if query.status else "",
        "needs": "y" if query.needs_grading else "",
        "sort": query.sort if query.sort != "name" else "",
        "dir": "desc" if query.descending else "",
    }
    return {key: value for key, value in args.items() if value}


def args_from(query_string: str | None) -> MultiDict[str, str]:
    """The gradebook arguments in a query string carried by a form (anything else is dropped)."""
    parsed = parse_qsl((query_string or "")[:1000])
    return MultiDict([(key, value) for key, value in parsed if key in PAGE_ARGS])


def parse_points(raw: str) -> tuple[float | None, bool]:
    """``(points, excused)`` from what was typed: blank clears, EX excuses, a decimal comma is a point."""
    text = raw.strip().replace(" ", "")
    if not text:
        return None, False
    if text.upper() == EXCUSED:
        return None, True
    if not POINTS.match(text):
        raise ValueError(text)
    return float(text.replace(",", ".")), False


class CellForm(FlaskForm):
    """One cell of the gradebook, saved over the version it showed (0: not graded yet)."""

    enrolment_id = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    assessment_id = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=MAX_ID)])
    points = StringField(_l("Points"), filters=[strip], validators=[Length(max=20)])
    excused = BooleanField(_l("Excused"))
    reason = StringField(
        _l("Reason for the change (optional)"), filters=[strip], validators=[Optional(), Length(max=1000)]
    )
    back = HiddenField()  # the gradebook's query string, to return to the same order and filters

    def validate_points(self, field: Field) -> None:
        try:
            parse_points(field.data or "")
        except ValueError:
            raise ValidationError(
                _l("Enter points such as 7 or 7.5, EX for excused, or nothing to clear the grade.")
            ) from None

    def value(self) -> tuple[float | None, bool]:
        """``(points, excused)`` of a validated form; the box excuses whatever was typed."""
        points, excused = parse_points(self.points.data or "")
        if self.excused.data:
            return None, True
        return points, excused


class DueDateForm(FlaskForm):
    """The cohort's due date of an assessment, in Tashkent time; "reset" returns to the course's."""

    version = HiddenField()
    day = DateField(_l("Due date"), validators=[Optional()])
    at = TimeField(_l("Due at"), validators=[Optional()])
    reset = SubmitField(_l("Back to the course's due date"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.day.data is None and not self.reset.data:
            self.day.errors = [str(_l("Enter the new due date."))]
            return False
        return valid


class ReleaseForm(FlaskForm):
    """The release and hide buttons: only the CSRF token."""


class HistoryFilterForm(Form):
    """Filters of the cohort's history: one student, one assessment (the view fills the choices)."""

    student = SelectField(_l("Student"), default="", invalid_choice_message=CHOOSE_FROM_LIST)
    assessment = SelectField(_l("Assessment"), default="", invalid_choice_message=CHOOSE_FROM_LIST)

    def chosen(self, name: str) -> int | None:
        field = self[name]
        return int(field.data) if field.data and not field.errors else None

    def query_args(self) -> dict[str, Any]:
        return {name: self[name].data for name in ("student", "assessment") if self.chosen(name) is not None}
