"""Files on disk that nothing will ask for again: hand-ins no submission names, and expired exports
and import uploads (``flask --app wsgi sweep-files``).

A hand-in file can outlive its row: two resubmissions at the same moment on SQLite (where
``FOR UPDATE`` locks nothing) may each replace the same row, and only one replaced file is deleted;
a crash between moving the file to its name and the commit leaves it too. Such a file is deleted
once it is older than ``older_than``, so a hand-in being committed right now (its file is placed
just before the commit) is never touched. Temporary ``.incoming-`` files a crash left are deleted
under the same age.

Gradebook exports and import uploads expire after :data:`academy.imports.uploads.STALE_AFTER`, the
rule already applied whenever a new export or upload starts; the sweep applies it when none does.

Only regular files carrying the app's own random names, directly in their folder, are looked at
(:mod:`academy.storage`): directories, links and any other name are left alone. Hand-in names are
checked against the database in batches of :data:`BATCH`, one query per batch, so memory and the
number of queries per file stay flat however many files there are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from itertools import islice
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from academy import storage
from academy.grading import files
from academy.grading.models import Submission
from academy.imports import uploads

log = logging.getLogger(__name__)

BATCH = 500  # hand-in names checked against the database in one query
DEFAULT_OLDER_THAN = timedelta(hours=24)
EXPIRE_AFTER = timedelta(seconds=uploads.STALE_AFTER)
HAND_INS, EXPORTS, IMPORTS = "hand-ins", "exports", "imports"
KINDS = (HAND_INS, EXPORTS, IMPORTS)
EXPORT_SUFFIXES = (".xlsx",)
IMPORT_SUFFIXES = (".csv", ".json")

Found = Callable[[str, storage.StoredFile], None]  # told of every file deleted, or to be in a dry run


@dataclass
class Tally:
    """Files deleted (or, in a dry run, to be deleted) and their bytes."""

    files: int = 0
    bytes: int = 0


@dataclass
class SweepReport:
    """What a sweep deleted, by kind of file (:data:`HAND_INS`, :data:`EXPORTS`, :data:`IMPORTS`)."""

    dry_run: bool
    kinds: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in KINDS})

    @property
    def total(self) -> Tally:
        return Tally(sum(t.files for t in self.kinds.values()), sum(t.bytes for t in self.kinds.values()))


def _hand_in_name(name: str) -> bool:
    return files.is_key(name) or files.is_incoming(name)


def _batches(found: Iterator[storage.StoredFile], size: int) -> Iterator[list[storage.StoredFile]]:
    while chunk := list(islice(found, size)):
        yield chunk


def _referenced(session: Session, names: list[str]) -> set[str]:
    keys = [name for name in names if files.is_key(name)]
    if not keys:
        return set()
    return set(session.scalars(select(Submission.file_key).where(Submission.file_key.in_(keys))))


def _delete(
    kind: str, candidates: Iterable[storage.StoredFile], report: SweepReport, found: Found | None
) -> None:
    tally = report.kinds[kind]
    for stored in candidates:
        if report.dry_run or storage.remove(stored):
            tally.files += 1
            tally.bytes += stored.size
            if found is not None:
                found(kind, stored)


def sweep_files(
    session: Session,
    submissions: Path,
    exports: Path,
    imports: Path,
    older_than: timedelta = DEFAULT_OLDER_THAN,
    expire_after: timedelta = EXPIRE_AFTER,
    dry_run: bool = False,
    now: float | None = None,
    batch: int = BATCH,
    found: Found | None = None,
    end_read: Callable[[], object] | None = None,
) -> SweepReport:
    """Delete the hand-in files in ``submissions`` that no submission names and that are older than
    ``older_than``, and the exports and import uploads older than ``expire_after``; with ``dry_run``
    delete nothing and report what would go. ``found`` hears of each file. Reads, never writes, the
    database; ``end_read`` is called after each batch's read, before any file is touched, so that the
    caller can end the read transaction (on SQLite a transaction holds the write lock: a sweep keeping
    one open would hold up every hand-in while it walks the folders)."""
    now = time.time() if now is None else now
    report = SweepReport(dry_run=dry_run)
    old = storage.old_files(submissions, _hand_in_name, now - older_than.total_seconds())
    for chunk in _batches(old, batch):
        referenced = _referenced(session, [stored.name for stored in chunk])
        if end_read is not None:
            end_read()
        _delete(HAND_INS, (s for s in chunk if s.name not in referenced), report, found)
    expired = now - expire_after.total_seconds()
    for kind, base, suffixes in ((EXPORTS, exports, EXPORT_SUFFIXES), (IMPORTS, imports, IMPORT_SUFFIXES)):
        ours = partial(uploads.is_token_file, suffixes=suffixes)
        _delete(kind, storage.old_files(base, ours, expired), report, found)
    verb = "would delete" if dry_run else "deleted"
    for kind, tally in report.kinds.items():
        if tally.files:
            log.info("sweep %s %d %s files (%d bytes)", verb, tally.files, kind, tally.bytes)
    return report
