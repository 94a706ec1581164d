"""Reading an enrolment CSV the way people make them: Moodle-style columns under several spellings,
UTF-8 with or without a BOM, commas or semicolons (Excel in a Russian or Uzbek locale).

Line numbers are those of the file as an editor shows them: the header is line 1, and a row that
spans several lines (a quoted line break) is numbered by its first line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from academy.errors import DomainError

# The academy's column names, and the spellings accepted for each (compared without case, spaces,
# underscores, dots or hyphens). ``lang`` is optional.
COLUMNS = ("email", "first_name", "last_name", "region", "cohort", "lang")
REQUIRED = ("email", "first_name", "last_name", "region", "cohort")
ALIASES: dict[str, frozenset[str]] = {
    "email": frozenset({"email", "mail", "emailaddress", "почта", "электроннаяпочта", "pochta", "elpochta"}),
    "first_name": frozenset({"firstname", "first", "givenname", "имя", "ism"}),
    "last_name": frozenset({"lastname", "last", "surname", "familyname", "фамилия", "familiya"}),
    "region": frozenset({"region", "province", "viloyat", "hudud", "регион", "область"}),
    "cohort": frozenset({"cohort", "cohortcode", "cohort1", "group", "guruh", "когорта", "группа"}),
    "lang": frozenset({"lang", "language", "locale", "til", "язык"}),
}
HEADER_EXAMPLE = "email,firstname,lastname,region,cohort"
_SEPARATORS = re.compile(r"[\s_.\-]+")


class NotACsvFile(DomainError):
    message = _l(
        "This is not a CSV text file in UTF-8. In Excel choose “Save as” and the type “CSV UTF-8”, "
        "then upload that file."
    )
    field = "file"


class EmptyFile(DomainError):
    message = _l("The file has no rows to import.")
    field = "file"


class MissingColumns(DomainError):
    field = "file"

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            _l(
                "The first line must name the columns %(expected)s; missing: %(missing)s.",
                expected=HEADER_EXAMPLE,
                missing=", ".join(missing),
            )
        )


class RepeatedColumn(DomainError):
    field = "file"

    def __init__(self, column: str) -> None:
        super().__init__(_l("The column %(column)s appears twice in the first line.", column=column))


@dataclass(frozen=True)
class CsvRow:
    """One row of the file, its cells stripped; ``cells`` and ``expected`` count its columns."""

    line: int
    cells: int
    expected: int
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    region: str = ""
    cohort: str = ""
    lang: str = ""

    @property
    def wrong_width(self) -> bool:
        return self.cells != self.expected


@dataclass
class CsvFile:
    rows: list[CsvRow] = field(default_factory=list)
    delimiter: str = ","
    ignored_columns: list[str] = field(default_factory=list)


def column_of(header: str) -> str | None:
    """The academy's name for a header cell, or None for a column the import does not use."""
    key = _SEPARATORS.sub("", header.strip().casefold())
    return next((name for name in COLUMNS if key in ALIASES[name]), None)


def decode(data: bytes) -> str:
    """The text of an uploaded file, or NotACsvFile for anything but UTF-8 text."""
    if b"\x00" in data:
        raise NotACsvFile()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotACsvFile() from None


def read_records(data: bytes) -> tuple[str, list[tuple[int, list[str]]]]:
    """The delimiter and the non-blank records of a CSV file, each with the line it starts on.

    Raises NotACsvFile for anything but UTF-8 CSV text. Any CSV import reads its file through here.
    """
    text = decode(data)
    first_line = text.lstrip("\r\n").partition("\n")[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = []
    end = 0
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in record):  # blank lines are skipped, and still counted
                records.append((start, record))
    except csv.Error:
        raise NotACsvFile() from None
    return delimiter, records


def read_csv(data: bytes) -> CsvFile:
    """Parse an enrolment file; raise a DomainError when it cannot be read as one at all."""
    delimiter, records = read_records(data)
    parsed = CsvFile(delimiter=delimiter)
    if not records:
        raise EmptyFile()
    (_, header), rows = records[0], records[1:]
    positions = _positions(header, parsed)
    for line, record in rows:
        cells = [cell.strip() for cell in record]
        parsed.rows.append(
            CsvRow(
                line=line,
                cells=len(cells),
                expected=len(header),
                **{name: cells[index] if index < len(cells) else "" for name, index in positions.items()},
            )
        )
    if not parsed.rows:
        raise EmptyFile()
    return parsed


def _positions(header: list[str], parsed: CsvFile) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = column_of(cell)
        if name is None:
            if cell.strip():
                parsed.ignored_columns.append(cell.strip()[:40])
            continue
        if name in positions:
            raise RepeatedColumn(cell.strip())
        positions[name] = index
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        raise MissingColumns([HEADER_EXAMPLE.split(",")[REQUIRED.index(name)] for name in missing])
    return positions
