"""The gradebook as a file: CSV streamed to the browser, XLSX written by a background job.

Both read the roster in batches through :func:`academy.grading.book.iter_rows`, so memory stays flat
however large the cohort. One line per student: id, e-mail, surname, first name, enrolment status,
then one column per assessment whose header ends with its id (``Title [#12]``, which is how an edited
export is imported again), then the attendance rate, the result and its state. Points are numbers,
excused work is :data:`EXCUSED`, work without a grade is empty.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (CSV injection):
every text cell that starts with one of them, a tab or a carriage return is written with a ``'`` in
front (:func:`neutralise`), in CSV and XLSX alike, and XLSX text cells are always written as strings.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import Cohort, Enrolment
from academy.cohorts.planning import teaches
from academy.db import utcnow
from academy.errors import NotFound
from academy.grading import book
from academy.grading.models import Assessment
from academy.imports import uploads
from academy.jobs.models import Job
from academy.jobs.services import JobFailed, Progress
from academy.labels import ENROLMENT_STATUS_NAMES, RESULT_NAMES

log = logging.getLogger(__name__)

KIND = "export-gradebook"  # the background job that writes an XLSX file
EXCUSED = "EX"  # the token of excused work, in exports and in imports
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 200  # CSV lines sent to the browser at a time
HEADER_ID = re.compile(r"\[#(\d{1,12})\]\s*$")
Value = str | int | float | None  # one cell: text, a number, or empty


class ExportMissing(NotFound):
    message = _l("This export is no longer available. Export the gradebook again.")


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it but never runs it as a formula."""
    return "'" + text if text.startswith(DANGEROUS) else text


def restore(text: str) -> str:
    """The text :func:`neutralise` was given (a cell read back from an edited export)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(DANGEROUS) else text


def column_header(assessment: Assessment) -> str:
    return f"{assessment.title} [#{assessment.id}]"


def assessment_id_of(header: str) -> int | None:
    """The assessment id at the end of a column's header (``Title [#12]`` -> 12), or None."""
    found = HEADER_ID.search(header)
    return int(found.group(1)) if found else None


def header(cols: Sequence[book.Column]) -> list[str]:
    names = [
        _("Student ID"),
        _("E-mail"),
        _("Last name"),
        _("First name"),
        _("Enrolment status"),
        *(column_header(c.assessment) for c in cols),
        _("Attendance %"),
        _("Result %"),
        _("Result"),
    ]
    return [neutralise(str(name)) for name in names]


class Labels:
    """The translated words of an export, looked up once per file rather than once per line."""

    def __init__(self) -> None:
        self.status = {key: neutralise(str(name)) for key, name in ENROLMENT_STATUS_NAMES.items()}
        self.result = {key: neutralise(str(name)) for key, name in RESULT_NAMES.items()}


def record(row: book.Row, labels: Labels | None = None) -> list[Value]:
    """One student's line, in the order of :func:`header`; text cells already neutralised."""
    labels = labels or Labels()
    cells: list[Value] = [EXCUSED if c.excused else c.points for c in row.cells]
    rate = None if row.attendance_rate is None else round(row.attendance_rate * 100, 2)
    return [
        row.student_id,
        neutralise(row.email),
        neutralise(row.last_name),
        neutralise(row.first_name),
        labels.status[row.status.value],
        *cells,
        rate,
        row.result.percent,
        labels.result[row.result.state.value],
    ]


def number_text(value: float | int) -> str:
    """A number as CSV writes it: a decimal point, at most two decimals, no trailing zeros (``17.5``)."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}".rstrip("0").rstrip(".")


def csv_cell(value: Value) -> str:
    return "" if value is None else value if isinstance(value, str) else number_text(value)


def file_name(cohort: Cohort, now: datetime, extension: str) -> str:
    return f"gradebook-{cohort.code}-{now:%Y-%m-%d}.{extension}"


def csv_chunks(
    session: Session, cohort: Cohort, now: datetime | None = None, batch: int = book.BATCH
) -> Iterator[str]:
    """The CSV file in pieces of :data:`ROWS_PER_CHUNK` lines: UTF-8 text starting with a BOM (so that
    Excel reads Cyrillic and Uzbek letters right), comma-separated, CRLF line ends."""
    now = now or utcnow()
    cols = book.columns(session, cohort)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header(cols))
    labels = Labels()
    for n, row in enumerate(book.iter_rows(session, cohort, cols, now, batch), start=1):
        writer.writerow([csv_cell(value) for value in record(row, labels)])
        if n % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def sheet_name(cohort: Cohort) -> str:
    """The cohort's code as a worksheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    return re.sub(r"[\[\]:*?/\\']", "-", cohort.code)[:31] or "Gradebook"


def write_xlsx(
    session: Session,
    cohort: Cohort,
    path: Path,
    now: datetime | None = None,
    advance: Callable[[int], None] | None = None,
    batch: int = book.BATCH,
) -> int:
    """Write the gradebook to ``path`` as XLSX, row after row (constant memory); the number of students."""
    now = now or utcnow()
    cols = book.columns(session, cohort)
    names = header(cols)
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "tmpdir": str(path.parent),
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    written = 0
    try:
        sheet = workbook.add_worksheet(sheet_name(cohort))
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        sheet.set_column(0, 0, 10)
        sheet.set_column(1, 1, 30)
        sheet.set_column(2, 4, 16)
        sheet.set_column(5, len(names) - 1, 12)
        sheet.freeze_panes(1, 3)
        for index, name in enumerate(names):
            sheet.write_string(0, index, name, bold)
        labels = Labels()
        for written, row in enumerate(book.iter_rows(session, cohort, cols, now, batch), start=1):
            for index, value in enumerate(record(row, labels)):
                if isinstance(value, str):
                    sheet.write_string(written, index, value)
                elif value is not None:
                    sheet.write_number(written, index, value)
            if advance:
                advance(1)
    finally:
        workbook.close()
    return written


def export_folder() -> Path:
    """Where XLSX exports wait for their owner (``EXPORT_FOLDER``, default ``instance/exports``)."""
    return uploads.private_folder("EXPORT_FOLDER", "exports")


def export_path(token: str) -> Path:
    """The file of a finished export job; ExportMissing once it has been cleaned away."""
    path = export_folder() / f"{token}.xlsx"
    if not uploads.valid_token(token) or not path.is_file():
        raise ExportMissing()
    return path


def roster_size(session: Session, cohort: Cohort) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(ROSTER_STATUSES))
        )
        or 0
    )


def run_export(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    """The ``export-gradebook`` job: write the cohort's gradebook as XLSX for the job's owner.

    The file goes to :func:`export_folder` under a random name; files older than a day are removed
    whenever a new export starts, as are import uploads, and by ``sweep-files``.
    """
    cohort = session.get(Cohort, int(job.params.get("cohort_id", 0)))
    if cohort is None or job.owner is None or not teaches(session, job.owner, cohort):
        raise JobFailed(_l("This gradebook can no longer be exported by you."))
    base = export_folder()
    uploads.purge_stale(base=base, suffixes=(".xlsx",))
    token, path = uploads.new_file(base, ".xlsx")
    progress.start(roster_size(session, cohort))
    now = utcnow()
    try:
        rows = write_xlsx(session, cohort, path, now, progress.advance)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    log.info("gradebook of cohort %s exported as XLSX (%d rows) for user %s", cohort.id, rows, job.owner_id)
    return {"file": token, "file_name": file_name(cohort, now, "xlsx"), "rows": rows, "cohort": cohort.code}
