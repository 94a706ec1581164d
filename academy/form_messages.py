"""WTForms' own messages (a required field, a number out of range, a choice not offered) in the
reader's language, from the academy's catalogue.

WTForms ships no Uzbek catalogue, so its built-in messages reached Uzbek readers in English. The
messages the academy's forms can produce are listed here with ``N_`` so that ``make extract`` takes
them into ``academy/translations``, where they are translated like every other string; forms read
them through :data:`FORM_MESSAGES` (Flask-WTF's forms through the request, plain forms through
:class:`academy.forms.Form`).
"""

from __future__ import annotations

from flask import request
from flask_babel import get_translations, ngettext


def N_(message: str) -> str:  # the marker Babel's extractor knows
    return message


MESSAGES = (
    N_("This field is required."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid URL."),
    N_("Not a valid choice."),
    N_("Invalid Choice: could not coerce."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
    N_("Not a valid date value."),
    N_("Not a valid datetime value."),
    N_("Not a valid time value."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Field must be equal to %(other_name)s."),
    N_("Invalid CSRF Token."),
    N_("CSRF token missing."),
    N_("CSRF failed."),
    N_("CSRF token expired."),
)


def _plural_messages() -> None:
    """Never called: it shows Babel's extractor the plural messages of WTForms' validators."""
    ngettext(
        "Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1
    )
    ngettext(
        "Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1
    )
    ngettext(
        "Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long.", 1
    )
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    )


class FormMessages:
    """The translations object WTForms and Flask-WTF ask for, answering from the academy's catalogue."""

    # The catalogue's own lookups: Flask-Babel's gettext functions would fill in the %-placeholders,
    # which WTForms fills itself.
    def gettext(self, string: str) -> str:
        return str(get_translations().ugettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(get_translations().ungettext(singular, plural, n))

    ugettext = gettext  # the names Flask-WTF's request-level hook calls
    ungettext = ngettext


FORM_MESSAGES = FormMessages()


def use_academy_messages() -> None:
    """``before_request``: Flask-WTF reads a request's WTForms translations from this attribute."""
    request.wtforms_translations = FORM_MESSAGES  # type: ignore[attr-defined]
