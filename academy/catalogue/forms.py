"""The catalogue's search form (a GET form: no CSRF, bad values become field errors) and its buttons."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField, ValidationError
from wtforms.fields.choices import SelectChoice

from academy.catalogue.services import Filters
from academy.forms import Form
from academy.i18n import LANGUAGE_NAMES
from academy.tracks import Track

MAX_QUERY_LENGTH = 100
CHOOSE_FROM_LIST = _l("Choose an option from the list.")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(raw: str | None) -> date | None:
    """The first day of ``YYYY-MM``, or None when ``raw`` is not such a month."""
    match = MONTH.match(raw or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def _clip(value: str | None) -> str:
    return (value or "").strip()[:MAX_QUERY_LENGTH]


class CatalogueFilterForm(Form):
    """Filters of the catalogue, read from the query string. The view fills the region, skill and
    month choices. A value that is not a choice is reported on its field and then ignored."""

    q = SearchField(_l("Course name or code"), filters=[_clip])
    region = SelectField(
        _l("Region"), default="", invalid_choice_message=_l("Choose a region from the list.")
    )
    track = SelectField(
        _l("Track"),
        default="",
        choices=[
            SelectChoice("", _l("All tracks")),
            *(SelectChoice(t.value, t.value.upper()) for t in Track),
        ],
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    language = SelectField(
        _l("Language of instruction"),
        default="",
        choices=[
            SelectChoice("", _l("All languages")),
            *(SelectChoice(c, n) for c, n in LANGUAGE_NAMES.items()),
        ],
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    skill = SelectField(_l("Skill"), default="", invalid_choice_message=CHOOSE_FROM_LIST)
    month = SelectField(_l("Starts in"), default="", validate_choice=False)

    def validate_month(self, field: SelectField) -> None:
        if field.data and parse_month(field.data) is None:
            raise ValidationError(_l("Choose a month from the list."))

    def filters(self) -> Filters:
        """The filters the reader asked for, leaving out any field that has an error."""

        def valid(name: str) -> str | None:
            value = self[name].data
            return value if value and not self[name].errors else None

        track = valid("track")
        return Filters(
            region=valid("region"),
            track=Track(track) if track else None,
            language=valid("language"),
            skill=valid("skill"),
            month=parse_month(valid("month")),
            text=self.q.data or "",
        )

    def query_args(self) -> dict[str, str]:
        """The valid, non-empty filters as query-string arguments (for the pager's links)."""
        args = {name: self[name].data for name in ("region", "track", "language", "skill", "month")}
        args = {name: value for name, value in args.items() if value and not self[name].errors}
        if self.q.data:
            args["q"] = self.q.data
        return args


class PlaceForm(FlaskForm):
    """The enrol, withdraw and leave-the-waitlist buttons: only the CSRF token."""
