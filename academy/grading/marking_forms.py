"""The grading view's form: points (a decimal comma is fine), excused, feedback, the reason for a change
and the version the form was drawn from. Rubric levels come as ``level-<criterion id>`` radio groups,
read by :func:`chosen_levels`, since their number depends on the assessment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from academy.forms import ID, strip

POINTS_TEXT = re.compile(r"-?\d{1,9}(?:\.\d+)?")
SPACES = re.compile(r"[\s\u00a0\u202f]")  # also the narrow no-break space some keyboards put in numbers
LEVEL_FIELD = re.compile(r"^level-(\d{1,12})$")
NO_LEVEL = ""  # the "not assessed" choice of a criterion


def points_text(points: float | None) -> str:
    """Points as the form shows them: no trailing zeros, nothing for none."""
    if points is None:
        return ""
    return format(Decimal(str(points)).normalize(), "f")


class PointsField(StringField):
    """Points typed by hand: ``12.5`` or ``12,5``; empty is none (a cleared grade)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = SPACES.sub("", str(valuelist[0]) if valuelist else "").replace(",", ".")
        self.data = None
        if not text:
            return
        if not POINTS_TEXT.fullmatch(text):
            raise ValueError(_l("Enter the points as a number, such as 12.5 or 12,5."))
        try:
            self.data = float(Decimal(text))
        except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
            raise ValueError(_l("Enter the points as a number, such as 12.5 or 12,5.")) from error

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return points_text(self.data)


class MarkingForm(FlaskForm):
    version = HiddenField()
    points = PointsField(_l("Points"), validators=[Optional()])
    excused = BooleanField(_l("Excused: leave this work out of the result"))
    feedback = TextAreaField(_l("Feedback to the student"), filters=[strip])
    reason = TextAreaField(
        _l("Reason for the change"), validators=[Optional(), Length(max=1000)], filters=[strip]
    )


def chosen_levels(form: Mapping[str, str]) -> dict[int, int] | None:
    """The rubric levels of a posted form, by criterion id; "not assessed" left out.

    None when a level is malformed (not an id): that is not something the page ever sends.
    """
    levels = {}
    for name, value in form.items():
        match = LEVEL_FIELD.match(name)
        if match is None or value == NO_LEVEL:
            continue
        if not ID.fullmatch(value):
            return None
        levels[int(match.group(1))] = int(value)
    return levels
