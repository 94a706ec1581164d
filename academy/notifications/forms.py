"""The buttons of the notification list: they carry the CSRF token and where to come back to."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class MarkReadForm(FlaskForm):
    next = HiddenField()
