"""Checks of one row on its own: e-mail, names, region, language and the cohort cell being there.

What needs the database beyond the regions (accounts, cohorts, seats) is checked by the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from academy.auth.services import LOCALES, normalize_email
from academy.imports.csvfile import CsvRow
from academy.imports.lookups import region_key
from academy.imports.problems import RowError

NAME_MAX = 80
EMAIL_MAX = 254


@dataclass
class CheckedRow:
    """A row whose own cells are fine, with its values normalised."""

    row: CsvRow
    email: str
    region_code: str
    locale: str | None


def check_cells(row: CsvRow, regions: dict[str, str]) -> tuple[list[RowError], CheckedRow | None]:
    """Problems found in the row's own cells, and the row normalised when there are none."""
    line = row.line
    if row.wrong_width:
        return [RowError(line, "columns", {"found": row.cells, "expected": row.expected})], None
    errors: list[RowError] = []
    email = normalize_email(row.email)
    if not email:
        errors.append(RowError(line, "email_missing"))
    elif len(email) > EMAIL_MAX or not _valid_email(email):
        errors.append(RowError(line, "email_invalid", {"value": row.email[:80]}))
    for column, value in (("first_name", row.first_name), ("last_name", row.last_name)):
        if not value:
            errors.append(RowError(line, f"{column}_missing"))
        elif len(value) > NAME_MAX:
            errors.append(RowError(line, f"{column}_too_long", {"max": NAME_MAX}))
    region_code = regions.get(region_key(row.region)) if row.region else None
    if not row.region:
        errors.append(RowError(line, "region_missing"))
    elif region_code is None:
        errors.append(RowError(line, "region_unknown", {"value": row.region[:60]}))
    locale = row.lang.casefold() or None
    if locale is not None and locale not in LOCALES:
        errors.append(RowError(line, "lang_unknown", {"value": row.lang[:20]}))
    if not row.cohort:
        errors.append(RowError(line, "cohort_missing"))
    if errors or region_code is None:
        return errors, None
    return errors, CheckedRow(row=row, email=email, region_code=region_code, locale=locale)


def _valid_email(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True
