"""WTForms' own error messages ("This field is required.") in the reader's language.

WTForms ships Russian and English catalogues but no Uzbek one, so Uzbek pages showed its messages in
English. The app's catalogue translates the messages our forms can produce (listed below for
pybabel); a message it does not know still comes from WTForms' catalogue through Flask-WTF.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_translations, gettext, ngettext
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations


class FormTranslations:
    """The ``gettext``/``ngettext`` pair WTForms asks for; it formats the result itself."""

    def gettext(self, string: str) -> str:
        ours = str(get_translations().ugettext(string))
        return ours if ours != string else str(wtforms_translations.gettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        ours = str(get_translations().ungettext(singular, plural, n))
        if ours not in (singular, plural):
            return ours
        return str(wtforms_translations.ngettext(singular, plural, n))


FORM_TRANSLATIONS = FormTranslations()


def form_translations(meta: Any, form: Any) -> FormTranslations:
    return FORM_TRANSLATIONS


def use_app_catalogue_for_form_messages() -> None:
    """Make every FlaskForm take WTForms' messages from the app's catalogue first."""
    FlaskForm.Meta.get_translations = form_translations


def _messages_for_pybabel() -> None:  # pragma: no cover - never called: pybabel reads these calls
    """The WTForms and Flask-WTF messages our forms can show, so that the catalogue translates them."""
    gettext("This field is required.")
    gettext("Invalid email address.")
    gettext("Invalid URL.")
    gettext("Invalid input.")
    gettext("Field must be equal to %(other_name)s.")
    gettext("Number must be at least %(min)s.")
    gettext("Number must be at most %(max)s.")
    gettext("Number must be between %(min)s and %(max)s.")
    gettext("Field must be between %(min)d and %(max)d characters long.")
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    )
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    )
    ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
        1,
    )
    gettext("Not a valid choice.")
    gettext("Invalid Choice: could not coerce.")
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    )
    gettext("Not a valid integer value.")
    gettext("Not a valid decimal value.")
    gettext("Not a valid date value.")
    gettext("Not a valid datetime value.")
    gettext("Not a valid time value.")
    gettext("File does not have an approved extension: {extensions}")
