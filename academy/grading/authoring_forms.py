"""Forms for authoring assessments, their rubrics and quiz questions, and a course's grading policy.

Forms check the shape of the input; the rules live in :mod:`academy.grading.authoring`. Rubric
levels and quiz options are fixed sets of rows (blank rows are ignored), so that the pages work
without JavaScript.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields import FieldList, FormField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from academy.forms import ID, FiniteDecimalField, Form, NoControlCharacters, NumberRange, choices, strip
from academy.grading.authoring import MAX_ATTEMPTS, MAX_DUE_DAY, MAX_INSTRUCTIONS, MAX_POINTS, MAX_TIME_LIMIT
from academy.grading.authoring_parts import MAX_LEVELS, MAX_OPTIONS, MAX_TEXT
from academy.grading.authoring_policy import MAX_GRACE_HOURS
from academy.grading.models import AssessmentKind, SubmissionType
from academy.labels import ASSESSMENT_KIND_NAMES

SUBMISSION_TYPE_NAMES = {
    SubmissionType.TEXT.value: _l("Text"),
    SubmissionType.LINK.value: _l("A link"),
    SubmissionType.FILE.value: _l("A file"),
}
CHOICE_NAMES = {"single": _l("One correct option"), "multiple": _l("Several correct options")}
PERCENT = [InputRequired(), NumberRange(min=0, max=100)]
MAX_WEIGHT_ROWS = 500  # more rows than any course has assessments; the rest would be dropped


class AssessmentForm(FlaskForm):
    kind = SelectField(
        _l("Kind"), choices=choices(ASSESSMENT_KIND_NAMES), default=AssessmentKind.ASSIGNMENT.value
    )
    title = StringField(
        _l("Title"), validators=[DataRequired(), Length(max=200), NoControlCharacters()], filters=[strip]
    )
    weight = IntegerField(_l("Weight in the result, %"), validators=PERCENT)
    max_points = FiniteDecimalField(
        _l("Maximum points"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0.01, max=MAX_POINTS)],
    )
    due_day = IntegerField(
        _l("Due on day of the cohort"), validators=[Optional(), NumberRange(min=1, max=MAX_DUE_DAY)]
    )
    instructions_markdown = TextAreaField(
        _l("Instructions (Markdown)"),
        validators=[Optional(), Length(max=MAX_INSTRUCTIONS)],
        render_kw={"rows": 10},
    )
    submission_type = SelectField(
        _l("Students hand in"), choices=choices(SUBMISSION_TYPE_NAMES), default=SubmissionType.TEXT.value
    )
    time_limit_minutes = IntegerField(
        _l("Time limit, minutes"), validators=[Optional(), NumberRange(min=1, max=MAX_TIME_LIMIT)]
    )
    max_attempts = IntegerField(
        _l("Attempts allowed"), default=1, validators=[Optional(), NumberRange(min=1, max=MAX_ATTEMPTS)]
    )
    shuffle = BooleanField(_l("Shuffle the questions and their options"), default=True)
    version = HiddenField()


class PolicyForm(FlaskForm):
    pass_mark = IntegerField(_l("Pass mark, %"), validators=PERCENT)
    late_grace_hours = IntegerField(
        _l("Grace period, hours"), validators=[InputRequired(), NumberRange(min=0, max=MAX_GRACE_HOURS)]
    )
    late_penalty_per_day = FiniteDecimalField(
        _l("Late penalty per day, percentage points"), places=2, validators=PERCENT
    )
    late_floor = IntegerField(_l("Lowest score a penalty leaves, %"), validators=PERCENT)
    min_attendance = IntegerField(_l("Minimum attendance to pass, %"), validators=PERCENT)
    missing_counts_as = IntegerField(_l("Missing work counts as, %"), validators=PERCENT)
    version = HiddenField()


class WeightRow(Form):
    assessment_id = HiddenField()
    version = HiddenField()
    weight = IntegerField(_l("Weight, %"), validators=[InputRequired(), NumberRange(min=0, max=100)])


class WeightsForm(FlaskForm):
    """Every assessment's weight, one row each (the page names each row by its assessment)."""

    rows = FieldList(FormField(WeightRow), max_entries=MAX_WEIGHT_ROWS)
    save = SubmitField(_l("Save the weights"))
    check = SubmitField(_l("Update the total"))

    def weights(self) -> list[tuple[int, int | None, str]]:
        """(assessment id, weight, version) of each row; an id that is not one is 0."""
        return [
            (_id(row.assessment_id.data) or 0, row.weight.data, str(row.version.data or ""))
            for row in (entry.form for entry in self.rows.entries)
        ]

    def total(self) -> int:
        """The total of the weights typed that are percentages, as the page shows it."""
        return sum(w for _i, w, _v in self.weights() if isinstance(w, int) and 0 <= w <= 100)


class LevelRow(Form):
    level_id = HiddenField()
    title = StringField(_l("Level %(num)s"), validators=[Optional(), Length(max=200)], filters=[strip])
    points = FiniteDecimalField(_l("Points"), places=2, validators=[Optional(), NumberRange(min=0, max=1000)])


class CriterionForm(FlaskForm):
    title = StringField(_l("Criterion"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    description = TextAreaField(
        _l("What is judged"), validators=[Optional(), Length(max=MAX_TEXT)], filters=[strip]
    )
    levels = FieldList(FormField(LevelRow), min_entries=MAX_LEVELS, max_entries=MAX_LEVELS)
    version = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _number_rows(self.levels, "title", "Level %(num)s")

    def filled_levels(self) -> list[tuple[int | None, str, float | None]]:
        """(level id, title, points) of the rows with a title or points."""
        return [
            (_id(row.level_id.data), row.title.data or "", _float(row.points.data))
            for row in (entry.form for entry in self.levels.entries)
            if (row.title.data or "").strip() or row.points.data is not None
        ]


class OptionRow(Form):
    option_id = HiddenField()
    text = StringField(_l("Option %(num)s"), validators=[Optional(), Length(max=500)], filters=[strip])
    correct = BooleanField(_l("Correct"))


class QuestionForm(FlaskForm):
    text = TextAreaField(
        _l("Question"),
        validators=[DataRequired(), Length(max=MAX_TEXT)],
        filters=[strip],
        render_kw={"rows": 3},
    )
    choice = SelectField(_l("Answers"), choices=choices(CHOICE_NAMES), default="single")
    points = FiniteDecimalField(
        _l("Points"), places=2, default=1, validators=[InputRequired(), NumberRange(min=0.01, max=100)]
    )
    options = FieldList(FormField(OptionRow), min_entries=MAX_OPTIONS, max_entries=MAX_OPTIONS)
    version = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _number_rows(self.options, "text", "Option %(num)s")

    def filled_options(self) -> list[tuple[int | None, str, bool]]:
        """(option id, text, correct) of the rows with a text, or ticked."""
        return [
            (_id(row.option_id.data), row.text.data or "", bool(row.correct.data))
            for row in (entry.form for entry in self.options.entries)
            if (row.text.data or "").strip() or row.correct.data
        ]


def _number_rows(rows: FieldList, name: str, label: str) -> None:
    """Label each row's main field with its number ("Option 3"), read out by screen readers."""
    for number, entry in enumerate(rows.entries, start=1):
        entry.form[name].label.text = _(label, num=number)


def _id(raw: Any) -> int | None:
    text = str(raw or "")
    return int(text) if ID.fullmatch(text) else None


def _float(raw: Any) -> float | None:
    return float(raw) if raw is not None else None
