"""Edit versions: a form saved over a newer version of its row is refused (409), never applied.

Rows edited through forms (skills, courses, modules, lessons...) map a ``version`` column as
SQLAlchemy's ``version_id_col``. The form carries the version it was drawn from; the service compares
it with the row's before changing anything, and a concurrent change that slips in between the check
and the UPDATE surfaces at flush as ``StaleDataError``, answered the same way.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from academy.errors import Conflict


class Versioned(Protocol):
    version: int


def check_version(row: Versioned, submitted: int | None) -> None:
    """Raise ``Conflict`` unless the form was drawn from the row's current version."""
    if submitted is None or submitted != row.version:
        raise Conflict()


def flush_or_conflict(session: Session) -> None:
    """Flush; a row changed by someone else since it was read is a ``Conflict``, not a 500."""
    try:
        session.flush()
    except StaleDataError as error:
        raise Conflict() from error


def submitted_version(raw: object) -> int | None:
    """The version a form carried back, or None when it is missing or mangled."""
    try:
        return int(str(raw))
    except ValueError:
        return None
