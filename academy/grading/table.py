"""The gradebook page as an instructor reads it: which rows, in what order, and what each cell says.

Everything here is arithmetic on the rows of :mod:`academy.grading.book`, which reads a cohort in a
fixed number of queries: filtering and sorting happen in Python, never in SQL, so the page costs the
same number of queries at any size. A cohort of 1,000 students by 20 assessments is 20,000 cells, so
each cell's text is made once per request by plain string operations (no Babel call, no
``url_for``, no macro per cell): the numbers' decimal sign and the labels are looked up once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

from academy.cohorts.models import EnrolmentStatus
from academy.grading.book import Cell, Column, Row
from academy.grading.models import AssessmentKind, Grade
from academy.grading.results import ResultState, WorkState
from academy.i18n import format_moment
from academy.labels import GRADE_SOURCE_NAMES, RESULT_BADGES, RESULT_NAMES

FIXED_SORTS = ("name", "percent", "attendance")
EXCUSED = "EX"  # what the editor shows, and accepts, for an excused cell


@dataclass(frozen=True)
class Query:
    """What the instructor asked to see: filters, and the order (``sort`` is a key of :func:`sort_keys`)."""

    text: str = ""
    state: ResultState | None = None
    status: EnrolmentStatus | None = None
    needs_grading: bool = False
    sort: str = "name"
    descending: bool = False


def sort_keys(cols: Sequence[Column]) -> tuple[str, ...]:
    """Every order the page offers: by name, result, attendance, or an assessment (``a<id>``)."""
    return (*FIXED_SORTS, *(f"a{c.id}" for c in cols))


def needs_grading(row: Row, cols: Sequence[Column]) -> bool:
    """Something waits for a grade: work handed in and not graded, or a practical exam not graded (as
    the grading view's "waiting" counts it); attendance never does."""
    for column, cell in zip(cols, row.cells, strict=True):
        if cell.points is not None or cell.excused or column.assessment.kind is AssessmentKind.ATTENDANCE:
            continue
        if cell.handed_in_at is not None or not column.assessment.hand_in:
            return True
    return False


def _name_key(row: Row) -> tuple[str, str, int]:
    return (row.last_name.casefold(), row.first_name.casefold(), row.enrolment_id)


def _value_of(sort: str, cols: Sequence[Column]) -> Callable[[Row], float | None]:
    if sort == "percent":
        return lambda row: row.result.percent
    if sort == "attendance":
        return lambda row: row.attendance_rate
    index = next(i for i, c in enumerate(cols) if f"a{c.id}" == sort)
    return lambda row: row.cells[index].points


def select_rows(rows: Sequence[Row], cols: Sequence[Column], query: Query) -> list[Row]:
    """The rows matching ``query``, in its order; rows without a value to sort by come last."""
    text = query.text.casefold()
    found = [
        row
        for row in rows
        if (query.state is None or row.result.state is query.state)
        and (query.status is None or row.status is query.status)
        and (not text or text in f"{row.first_name} {row.last_name} {row.email}".casefold())
        and (not query.needs_grading or needs_grading(row, cols))
    ]
    found.sort(key=_name_key, reverse=query.descending and query.sort == "name")
    if query.sort not in sort_keys(cols) or query.sort == "name":
        return found
    value = _value_of(query.sort, cols)
    with_value = [row for row in found if value(row) is not None]
    with_value.sort(key=value, reverse=query.descending)  # type: ignore[arg-type]
    return with_value + [row for row in found if value(row) is None]


@dataclass(frozen=True, slots=True)
class CellView:
    """One cell as the page draws it."""

    css: str  # its state: g graded, l late, x excused, m missing, t handed in to grade, "" open
    text: str
    note: str  # "late by 2 days"
    href: str  # the grading view of the cell; "" for attendance, which is not graded by hand
    version: int
    value: str  # the points with a dot, "EX", or nothing (the page's editor reads the cell's text)


@dataclass(frozen=True, slots=True)
class RowView:
    row: Row
    cells: Markup  # the row's <td> cells, made by :meth:`Formatter.cells`
    percent: str
    attendance: str
    state: str


@dataclass(frozen=True, slots=True)
class ColumnSummary:
    graded: int
    to_grade: int


class Formatter:
    """Cell texts in the reader's language, with the labels and the decimal sign looked up once."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.decimal = get_decimal_symbol(get_locale() or "en")
        self.excused = _("excused")
        self.missing = _("missing")
        self.to_grade = _("handed in, to grade")
        self.open = "—"
        self.states = {key: str(name) for key, name in RESULT_NAMES.items()}
        self._late: dict[int, str] = {}
        self._excused, self._missing, self._to_grade = (
            str(escape(self.excused)),
            str(escape(self.missing)),
            str(escape(self.to_grade)),
        )
        self._columns: Sequence[Column] | None = None
        self._starts: list[str | None] = []

    def number(self, value: float | None) -> str:
        if value is None:
            return "—"
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return text if self.decimal == "." else text.replace(".", self.decimal)

    def late(self, days: int) -> str:
        if days not in self._late:
            self._late[days] = ngettext("late by %(num)s day", "late by %(num)s days", days)
        return self._late[days]

    def cell(self, cell: Cell, column: Column, enrolment_id: int) -> CellView:
        """One cell, for the inline editor's answers."""
        if column.assessment.kind is AssessmentKind.ATTENDANCE:
            return CellView("", self.number(cell.points), "", "", 0, "")
        href = f"{self.base_url}/{column.id}/{enrolment_id}"
        if cell.excused:
            return CellView("x", self.excused, "", href, cell.version, EXCUSED)
        if cell.points is not None:
            value = f"{cell.points:.2f}".rstrip("0").rstrip(".")
            late = self.late(cell.scored.days_late) if cell.scored.state is WorkState.LATE else ""
            return CellView("l" if late else "g", self.number(cell.points), late, href, cell.version, value)
        if cell.handed_in_at is not None:
            return CellView("t", self.to_grade, "", href, cell.version, "")
        if cell.scored.state is WorkState.MISSING:
            return CellView("m", self.missing, "", href, cell.version, "")
        return CellView("", self.open, "", href, cell.version, "")

    def cells(self, row: Row, cols: Sequence[Column]) -> Markup:
        """The row's cells as HTML, the same as :meth:`cell` draws them, made by joining strings.

        This is the page's inner loop (students times assessments), so it avoids a template, a
        macro and ``url_for`` per cell. Every piece is escaped: the labels and the links' start
        once per request, the rest are numbers.
        """
        if self._columns is not cols:
            self._columns = cols
            self._starts = [
                None
                if c.assessment.kind is AssessmentKind.ATTENDANCE
                else str(escape(f"{self.base_url}/{c.id}/"))
                for c in cols
            ]
        eid = str(row.enrolment_id)
        decimal = self.decimal
        parts = []
        for cell, start in zip(row.cells, self._starts, strict=True):
            points = cell.points
            shown = "" if points is None else f"{points:.2f}".rstrip("0").rstrip(".")
            if decimal != ".":
                shown = shown.replace(".", decimal)
            if start is None:
                parts.append(f"<td>{shown or self.open}</td>")
                continue
            link = f'<a href="{start}{eid}" data-v="{cell.version}"'
            if cell.excused:
                parts.append(f'<td class="x">{link}>{self._excused}</a></td>')
            elif points is not None:
                if cell.scored.state is WorkState.LATE:
                    late = f"<small>{escape(self.late(cell.scored.days_late))}</small>"
                    parts.append(f'<td class="l">{link}>{shown} {late}</a></td>')
                else:
                    parts.append(f'<td class="g">{link}>{shown}</a></td>')
            elif cell.handed_in_at is not None:
                parts.append(f'<td class="t">{link}>{self._to_grade}</a></td>')
            elif cell.scored.state is WorkState.MISSING:
                parts.append(f'<td class="m">{link}>{self._missing}</a></td>')
            else:
                parts.append(f"<td>{link}>{self.open}</a></td>")
        return Markup("".join(parts))  # noqa: S704 (every piece is escaped or a number, see above)

    def row(self, row: Row, cols: Sequence[Column]) -> RowView:
        return RowView(
            row=row,
            cells=self.cells(row, cols),
            percent=self.number(row.result.percent),
            attendance=self.number(None if row.attendance_rate is None else row.attendance_rate * 100),
            state=self.states[row.result.state.value],
        )

    def row_json(self, row: Row) -> dict[str, Any]:
        """What the inline editor updates in a row after a save."""
        return {
            "percent": row.result.percent,
            "percent_display": self.number(row.result.percent),
            "state": row.result.state.value,
            "state_label": self.states[row.result.state.value],
            "badge": RESULT_BADGES[row.result.state.value],
        }

    def grade_json(self, grade: Grade | None) -> dict[str, Any]:
        """The grade that stands, for a conflict: its value, version, who saved it and when."""
        if grade is None:
            return {"points": None, "excused": False, "version": 0, "by": "", "at": "", "display": "—"}
        return {
            "points": grade.points,
            "excused": grade.excused,
            "version": grade.version,
            "by": grade.graded_by.full_name if grade.graded_by else str(GRADE_SOURCE_NAMES["quiz"]),
            "at": format_moment(grade.graded_at, "short"),
            "display": self.grade_text(grade.points, grade.excused),
        }

    def grade_text(self, points: float | None, excused: bool) -> str:
        """A value of the history or of a conflict: points, "excused", or a dash when there is none."""
        return self.excused if excused else self.number(points)


def summaries(rows: Sequence[Row], cols: Sequence[Column]) -> list[ColumnSummary]:
    """Per column: how many of ``rows`` are graded (or excused), and how many wait for a grade."""
    graded = [0] * len(cols)
    to_grade = [0] * len(cols)
    for row in rows:
        for i, c in enumerate(row.cells):
            if c.points is not None or c.excused:
                graded[i] += 1
            elif c.handed_in_at is not None:
                to_grade[i] += 1
    return [ColumnSummary(g, t) for g, t in zip(graded, to_grade, strict=True)]
