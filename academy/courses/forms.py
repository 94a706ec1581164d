"""Forms for authoring courses: details, skills taught, prerequisites, modules and lessons."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields import FieldList, FormField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from academy.courses.content import MAX_BODY, MAX_MINUTES
from academy.courses.models import Course, CourseStatus
from academy.courses.services import COURSE_CODE, MAX_CERTIFICATE_MONTHS, MAX_HOURS, normalise_code
from academy.forms import ID, Form, NumberRange, choices, strip
from academy.i18n import LANGUAGE_NAMES
from academy.labels import TRACK_NAMES
from academy.skills.models import Skill

COURSE_STATUS_NAMES = {
    CourseStatus.DRAFT.value: _l("Draft"),
    CourseStatus.PUBLISHED.value: _l("Published"),
}


def upper_code(value: Any) -> Any:
    return normalise_code(value) if isinstance(value, str) else value


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes: easier than a multiple select on a phone."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SkillTaughtForm(Form):
    """One skill of the taxonomy: not taught (0), or the level a graduate reaches."""

    skill_id = HiddenField()
    level = SelectField(_l("Level"), coerce=int, default=0)

    skill: Skill | None = None  # set by the view, for the label


class CourseForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=20),
            Regexp(
                COURSE_CODE.pattern,
                message=_l("Use capital letters, digits and single dashes, such as BPO-CC-EN."),
            ),
        ],
        filters=[upper_code],
    )
    track = SelectField(_l("Track"), choices=choices(TRACK_NAMES))
    title_uz = StringField(
        _l("Title in Uzbek"), validators=[DataRequired(), Length(max=160)], filters=[strip]
    )
    title_ru = StringField(
        _l("Title in Russian"), validators=[DataRequired(), Length(max=160)], filters=[strip]
    )
    title_en = StringField(
        _l("Title in English"), validators=[DataRequired(), Length(max=160)], filters=[strip]
    )
    description_uz = TextAreaField(
        _l("Description in Uzbek"), validators=[Optional(), Length(max=5000)], filters=[strip]
    )
    description_ru = TextAreaField(
        _l("Description in Russian"), validators=[Optional(), Length(max=5000)], filters=[strip]
    )
    description_en = TextAreaField(
        _l("Description in English"), validators=[Optional(), Length(max=5000)], filters=[strip]
    )
    hours = IntegerField(
        _l("Hours"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_HOURS)],
    )
    language = SelectField(_l("Language of instruction"), choices=choices(LANGUAGE_NAMES))
    pass_mark = IntegerField(
        _l("Pass mark, %"), default=60, validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    certificate_valid_months = IntegerField(
        _l("Certificates valid for, months"),
        validators=[Optional(), NumberRange(min=1, max=MAX_CERTIFICATE_MONTHS)],
    )
    status = SelectField(_l("Status"), choices=choices(COURSE_STATUS_NAMES), default=CourseStatus.DRAFT.value)
    skills = FieldList(FormField(SkillTaughtForm))
    prerequisites = CheckboxesField(_l("Prerequisite courses"), coerce=int)
    version = HiddenField()

    def offer(self, skills: list[Skill], others: list[Course], locale: str, taught: dict[int, int]) -> None:
        """Fill the skill rows and prerequisite choices; ``taught`` gives the levels on a fresh form."""
        self.prerequisites.choices = [(c.id, f"{c.code}: {c.title(locale)}") for c in others]
        by_id = {skill.id: skill for skill in skills}
        if not self.is_submitted():
            while self.skills.entries:
                self.skills.pop_entry()
            for one in skills:
                self.skills.append_entry({"skill_id": str(one.id), "level": taught.get(one.id, 0)})
        for entry in self.skills.entries:
            row = entry.form
            raw = str(row.skill_id.data or "")
            row.skill = by_id.get(int(raw)) if ID.fullmatch(raw) else None
            levels = range(1, row.skill.max_level + 1) if row.skill else range(0)
            row.level.choices = [(0, _l("Not taught"))] + [
                (level, row.skill.level_label(level)) for level in levels
            ]

    def skills_taught(self) -> dict[int, int]:
        """Skill id to level, for the rows with a level."""
        taught: dict[int, int] = {}
        for entry in self.skills.entries:
            row = entry.form
            if row.skill is not None and row.level.data:
                taught[row.skill.id] = int(row.level.data)
        return taught

    def unknown_skill_rows(self) -> bool:
        return any(entry.form.skill is None for entry in self.skills.entries)


class VersionForm(FlaskForm):
    """A button that carries the CSRF token and the version it was drawn from."""

    version = HiddenField()


class ModuleForm(FlaskForm):
    title = StringField(_l("Module title"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    version = HiddenField()


class LessonForm(FlaskForm):
    title = StringField(_l("Lesson title"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    minutes = IntegerField(
        _l("Expected study time, minutes"),
        default=15,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_MINUTES)],
    )
    body_markdown = TextAreaField(
        _l("Lesson text (Markdown)"), validators=[Optional(), Length(max=MAX_BODY)], render_kw={"rows": 18}
    )
    version = HiddenField()
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))
