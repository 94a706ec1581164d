"""Small helpers the views of several features share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, request, url_for
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from academy.i18n import current_locale
from academy.regions.services import list_regions

F = TypeVar("F", bound=Callable[..., Any])


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


def body_limit(max_bytes: int) -> Callable[[F], F]:
    """A view whose requests may be at most ``max_bytes`` long, far less than ``MAX_CONTENT_LENGTH``
    (which is sized for hand-ins); :func:`enforce_body_limit` applies it."""

    def mark(view: F) -> F:
        view.max_request_bytes = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def enforce_body_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """``url_value_preprocessor`` hook: the limit a view declared with :func:`body_limit`.

    It runs before every ``before_request`` hook, and so before the CSRF check parses the form: a
    request whose ``Content-Length`` is larger is refused (413) unread, and a request without one
    (chunked) is read no further than the limit.
    """
    view = current_app.view_functions.get(endpoint) if endpoint else None
    limit = getattr(view, "max_request_bytes", None)
    if limit is None:
        return
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(413)
