"""The form a student hands in work with. It only carries the input: the rules (which field the
assignment takes, sizes, types, due dates) are the hand-in service's."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField, URLField


class HandInForm(FlaskForm):
    text = TextAreaField(_l("Your answer"))
    link = URLField(_l("Link to your work"))
    file = FileField(_l("File"))
