"""Forms of the instructors' pages: a session, a weekly series of sessions, the attendance register."""

from __future__ import annotations

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, StringField, TimeField, URLField
from wtforms.validators import InputRequired, Length, Optional

from academy.cohort_admin.forms import AtLeastOne, MultiCheckboxField
from academy.cohorts.timetable import SERIES_MINUTES
from academy.forms import NumberRange, strip


def weekday_choices() -> list[tuple[int, str]]:
    """Monday to Sunday in the reader's language (0 = Monday, as ``date.weekday()``)."""
    names = get_day_names("wide", locale=get_locale() or "en")
    return [(day, str(names[day]).capitalize()) for day in range(7)]


class PlaceFields(FlaskForm):
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=200)], filters=[strip])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=120)], filters=[strip])
    link = URLField(_l("Online link"), validators=[Optional(), Length(max=500)], filters=[strip])


class SessionForm(PlaceFields):
    version = HiddenField()
    day = DateField(_l("Date"), validators=[InputRequired()])
    starts = TimeField(_l("Starts at"), validators=[InputRequired()])
    ends = TimeField(_l("Ends at"), validators=[InputRequired()])


class SeriesForm(PlaceFields):
    weekdays = MultiCheckboxField(
        _l("Weekdays"), coerce=int, validators=[AtLeastOne(_l("Choose at least one weekday."))]
    )
    starts = TimeField(_l("Starts at"), validators=[InputRequired()])
    minutes = IntegerField(
        _l("Length in minutes"), validators=[InputRequired(), NumberRange(*SERIES_MINUTES)], default=120
    )
    first_day = DateField(_l("From"), validators=[InputRequired()])
    last_day = DateField(_l("Until"), validators=[InputRequired()])


class VersionForm(FlaskForm):
    """A button carrying the CSRF token and the version the page was loaded at."""

    version = HiddenField()
