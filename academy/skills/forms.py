"""The form administrators edit a skill with."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from academy.forms import NumberRange, choices, strip
from academy.labels import TRACK_NAMES
from academy.skills.services import MAX_LEVELS, SKILL_CODE, normalise_code


def lower_code(value: object) -> object:
    return normalise_code(value) if isinstance(value, str) else value


class SkillForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(
                SKILL_CODE.pattern,
                message=_l("Use letters, digits and single dashes, such as excel-advanced."),
            ),
        ],
        filters=[lower_code],
    )
    track = SelectField(_l("Track"), choices=choices(TRACK_NAMES))
    name_uz = StringField(_l("Name in Uzbek"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    name_ru = StringField(
        _l("Name in Russian"), validators=[DataRequired(), Length(max=120)], filters=[strip]
    )
    name_en = StringField(
        _l("Name in English"), validators=[DataRequired(), Length(max=120)], filters=[strip]
    )
    description_uz = TextAreaField(
        _l("Description in Uzbek"), validators=[Optional(), Length(max=2000)], filters=[strip]
    )
    description_ru = TextAreaField(
        _l("Description in Russian"), validators=[Optional(), Length(max=2000)], filters=[strip]
    )
    description_en = TextAreaField(
        _l("Description in English"), validators=[Optional(), Length(max=2000)], filters=[strip]
    )
    max_level = IntegerField(
        _l("Number of levels"),
        default=3,
        validators=[
            InputRequired(),
            NumberRange(min=1, max=MAX_LEVELS, message=_l("From 1 to %(most)s.", most=MAX_LEVELS)),
        ],
    )
    cefr = BooleanField(_l("Levels follow the CEFR (A1 to C2): a language skill"))
    version = HiddenField()
