"""Domain errors raised by services, and the app's translated error pages."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from academy.db import get_session


class DomainError(Exception):
    """A rule of the academy was broken; ``message`` is translated and safe to show the user."""

    message: object = _l("This action is not allowed.")
    status = 400
    field: str | None = None  # the form field the error belongs to, when it comes from one

    def __init__(self, message: object | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class NotFound(DomainError):
    message = _l("Not found.")
    status = 404


class Conflict(DomainError):
    message = _l("Someone else changed this in the meantime. Reload and try again.")
    status = 409


_TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("File too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}
_EXPLANATIONS = {
    400: _l("The request could not be understood. Go back, reload the page and try again."),
    403: _l("You do not have access to this page."),
    404: _l("The page you asked for does not exist or has moved."),
    405: _l("This address does not accept that kind of request."),
    409: _l("Someone else changed this in the meantime. Reload and try again."),
    413: _l("The upload is larger than allowed."),
    429: _l("Too many attempts in a short time. Wait a few minutes and try again."),
    500: _l("An unexpected error happened on our side. It has been logged; please try again later."),
}


def error_page(status: int, message: object | None = None) -> tuple[str, int]:
    code = status if status in _TITLES else 500 if status >= 500 else 400
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=_TITLES[code],
            message=message or _EXPLANATIONS[code],
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        return error_page(
            400, _l("The form has expired or was not sent from this site. Reload the page and try again.")
        )

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded) -> Response:
        body, status = error_page(429)
        response = app.make_response((body, status))
        retry = getattr(error, "retry_after", None)
        if retry:
            response.headers["Retry-After"] = str(retry)
        return response

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> tuple[str, int]:
        get_session().rollback()
        return error_page(error.status, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if error.code is None or error.code < 400:
            return error
        return error_page(error.code)

    @app.errorhandler(InternalServerError)
    def unexpected(error: InternalServerError) -> tuple[str, int]:
        # Flask has logged the original exception; what the request wrote must not be committed.
        app.logger.error("500 on %s %s", request.method, request.path)
        get_session().rollback()
        return error_page(500)
