"""Small helpers the views of several features share."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request, url_for
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from academy.i18n import current_locale
from academy.regions.services import list_regions


def region_choices(session: Session, blank: object | None = None) -> list[SelectChoice]:
    """Region options in the reader's language, optionally headed by a blank choice."""
    locale = current_locale()
    choices = [SelectChoice(region.code, region.name(locale)) for region in list_regions(session)]
    return ([SelectChoice("", str(blank))] if blank is not None else []) + choices


def safe_next(target: str | None, default: str = "main.dashboard") -> str:
    """``target`` when it is a path on this site, else the URL of ``default``."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for(default)


def refuse_nul_bytes() -> None:
    """``before_request`` hook: a NUL character in the address or a form is a bad request (400).

    No text of the academy has one, and PostgreSQL refuses to store or even compare text holding
    one: without this, a pasted NUL would reach the database and end in a 500.
    """
    values = [*request.args.values(), *(request.view_args or {}).values()]
    if request.method in ("POST", "PUT", "PATCH"):
        values.extend(request.form.values())
    if any(isinstance(value, str) and "\x00" in value for value in values):
        abort(400)
