"""Languages: choosing the reader's locale, and formatting numbers, money and dates for it.

The locale is the signed-in user's setting, else the language cookie set by the switcher,
else the best match of ``Accept-Language``, else Uzbek.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale
from babel import numbers as babel_numbers
from babel.numbers import parse_pattern
from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, format_percent, format_time, get_locale
from flask_login import current_user

from academy.form_messages import use_app_catalogue_for_form_messages

LANGUAGE_NAMES = {"uz": "Oʻzbekcha", "ru": "Русский", "en": "English"}
# Amounts in these currencies are shown without minor units.
WHOLE_CURRENCIES = frozenset({"UZS"})


def select_locale() -> str:
    if not has_request_context():  # CLI and background jobs: force_locale() or the default
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return str(user_locale)
    cookie = request.cookies.get(current_app.config["LANGUAGE_COOKIE"])
    if cookie in languages:
        return str(cookie)
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or "uz")


def format_money(amount: Decimal | int | float, currency: str) -> str:
    """``amount`` in ``currency`` for the reader's locale; UZS has no decimals."""
    locale: Locale = get_locale() or Locale.parse("uz")
    pattern = copy.copy(parse_pattern(locale.currency_formats["standard"]))
    if currency in WHOLE_CURRENCIES:
        pattern.frac_prec = (0, 0)
        return pattern.apply(Decimal(amount), locale, currency=currency, currency_digits=False)
    return pattern.apply(Decimal(amount), locale, currency=currency)


def format_number(value: int | float | Decimal) -> str:
    return str(format_decimal(value))


def format_day(value: date | datetime | None, style: str = "medium") -> str:
    return "" if value is None else str(format_date(value, style))


def format_moment(value: datetime | None, style: str = "medium") -> str:
    return "" if value is None else str(format_datetime(value, style))


def format_clock(value: datetime) -> str:
    """The wall-clock time of a moment in the academy's time zone, e.g. 18:30."""
    return str(format_time(value, "short"))


def format_share(value: float | None, precise: bool = False) -> str:
    """A share between 0 and 1 as a percentage for the reader's locale; a dash when there is none.

    ``precise`` keeps up to two decimals of the percentage (a certificate's grade) instead of a whole
    percent."""
    if value is None:
        return "—"
    if precise:
        return babel_numbers.format_percent(round(value, 4), locale=get_locale(), decimal_quantization=False)
    return str(format_percent(value))


def register_i18n(app: Flask) -> None:
    use_app_catalogue_for_form_messages()
    app.jinja_env.filters.update(
        money=format_money,
        number=format_number,
        day=format_day,
        moment=format_moment,
        clock=format_clock,
        share=format_share,
    )

    @app.context_processor
    def languages() -> dict[str, Any]:
        return {"language_names": LANGUAGE_NAMES, "current_locale": current_locale()}
