"""What can be wrong with one row of an enrolment file, and how to say it in the reader's language.

A problem is kept as a code and its parameters (so it fits in a job's JSON result) and put into
words only when shown, in the language of whoever reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from flask_babel import gettext, ngettext

# code -> the sentence, formatted with the problem's parameters in the current language.
MESSAGES: dict[str, Callable[..., str]] = {
    "columns": lambda found, expected: gettext(
        "The row has %(found)s columns; the first line has %(expected)s.", found=found, expected=expected
    ),
    "email_missing": lambda: gettext("The e-mail address is missing."),
    "email_invalid": lambda value: gettext("“%(value)s” is not a valid e-mail address.", value=value),
    "first_name_missing": lambda: gettext("The first name is missing."),
    "last_name_missing": lambda: gettext("The last name is missing."),
    "first_name_too_long": lambda max: gettext("The first name is longer than %(max)s characters.", max=max),
    "last_name_too_long": lambda max: gettext("The last name is longer than %(max)s characters.", max=max),
    "region_missing": lambda: gettext("The region is missing."),
    "region_unknown": lambda value: gettext(
        "Unknown region “%(value)s”: give its code, such as UZ-SA, or its full name.", value=value
    ),
    "lang_unknown": lambda value: gettext("Unknown language “%(value)s”: use uz, ru or en.", value=value),
    "cohort_missing": lambda: gettext("The cohort code is missing."),
    "cohort_unknown": lambda value: gettext("There is no cohort with the code “%(value)s”.", value=value),
    "course_unpublished": lambda cohort: gettext(
        "Cohort %(cohort)s belongs to a course that is not published.", cohort=cohort
    ),
    "not_a_student": lambda email: gettext(
        "%(email)s belongs to an account that is not a student's.", email=email
    ),
    "account_inactive": lambda email: gettext("The account %(email)s is deactivated.", email=email),
    "duplicate": lambda email, cohort, line: gettext(
        "%(email)s is already listed for cohort %(cohort)s on line %(line)s.",
        email=email,
        cohort=cohort,
        line=line,
    ),
    "cohort_full": lambda cohort, left, wanted: ngettext(
        "Cohort %(cohort)s is full: it has %(num)s seat left for the %(wanted)s students "
        "this file enrols in it.",
        "Cohort %(cohort)s is full: it has %(num)s seats left for the %(wanted)s students "
        "this file enrols in it.",
        left,
        cohort=cohort,
        wanted=wanted,
    ),
}


@dataclass(frozen=True)
class RowError:
    """A problem on one line of the file. Another import subclasses it with its own ``messages``."""

    line: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    messages: ClassVar[Mapping[str, Callable[..., str]]] = MESSAGES

    @property
    def message(self) -> str:
        return describe(self.code, self.params, self.messages)

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "code": self.code, "params": dict(self.params)}


def describe(code: str, params: dict[str, Any], messages: Mapping[str, Callable[..., str]] = MESSAGES) -> str:
    """The translated sentence for a problem (one from an older version is shown by its code)."""
    sentence = messages.get(code)
    if sentence is None:
        return code
    try:
        return sentence(**params)
    except TypeError:
        return code
