"""What a grade import found: the plan kept with the upload between the preview and the import, its
problems (a code and parameters, put into words in the reader's language) and its errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from academy.errors import Conflict, DomainError
from academy.grading.exports import EXCUSED
from academy.imports.problems import MESSAGES, RowError

ERRORS_KEPT = 500  # problems kept with a preview (all are counted)
CELL_MAX = 40  # characters of a bad value repeated in a message

GRADE_MESSAGES: dict[str, Callable[..., str]] = {
    "columns": MESSAGES["columns"],
    "no_student": lambda: gettext("The row gives neither an e-mail nor a student ID."),
    "unknown_email": lambda value: gettext("%(value)s is not on this cohort's roster.", value=value),
    "unknown_student_id": lambda value: gettext(
        "No student with the ID %(value)s is on this cohort's roster.", value=value
    ),
    "student_mismatch": lambda email, value: gettext(
        "The e-mail %(email)s and the student ID %(value)s belong to different students.",
        email=email,
        value=value,
    ),
    "duplicate": lambda line: gettext("This student is already on line %(line)s.", line=line),
    "unknown_assessment": lambda column: gettext(
        "The column “%(column)s” is not an assessment of this cohort's course.", column=column
    ),
    "repeated_assessment": lambda column: gettext(
        "The column “%(column)s” is the same assessment as an earlier column.", column=column
    ),
    "not_a_number": lambda column, value: gettext(
        "%(column)s: “%(value)s” is not a number of points (nor %(excused)s for excused).",
        column=column,
        value=value,
        excused=EXCUSED,
    ),
    "out_of_range": lambda column, value, max: gettext(
        "%(column)s: %(value)s is not between 0 and %(max)s.", column=column, value=value, max=max
    ),
    "too_precise": lambda column, value: gettext(
        "%(column)s: %(value)s has more than two decimals.", column=column, value=value
    ),
    "stale": lambda student, column: gettext(
        "%(student)s, %(column)s: the grade changed after the preview.", student=student, column=column
    ),
    "refused": lambda student, column, reason: gettext(
        "%(student)s, %(column)s: %(reason)s", student=student, column=column, reason=reason
    ),
}


class GradeProblem(RowError):
    """A problem on one line of a grade file."""

    messages = GRADE_MESSAGES


class NoStudentColumn(DomainError):
    field = "file"
    message = _l(
        "The first line must name an e-mail or a student ID column, as an export of the gradebook does."
    )


class NoAssessmentColumn(DomainError):
    field = "file"
    message = _l(
        "The first line names no assessment of this course: an assessment's column ends with its id, "
        "such as “Quiz 1 [#12]”. Export the gradebook to get a file to fill in."
    )


class GradeImportHasErrors(DomainError):
    message = _l("The file has errors; no grade was imported.")


class GradeImportFailed(Conflict):
    """Some changes could not be saved (changed since the preview ...): nothing was."""

    message = _l(
        "No grade was imported: some grades changed after the preview or can no longer be saved. "
        "Upload the file again to see the grades as they stand now."
    )

    def __init__(self, problems: list[GradeProblem]) -> None:
        super().__init__()
        self.problems = problems


@dataclass(frozen=True)
class CellChange:
    """A grade the import changes, with the version of it the preview saw (0: not graded yet)."""

    line: int
    enrolment_id: int
    assessment_id: int
    version: int
    old_points: float | None
    old_excused: bool
    new_points: float | None
    new_excused: bool
    student: str


@dataclass
class GradePlan:
    """What importing a file would do; kept with the upload (JSON) between preview and apply."""

    rows: int = 0
    changes: list[CellChange] = field(default_factory=list)
    unchanged: int = 0
    errors: list[GradeProblem] = field(default_factory=list)
    error_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    checked_at: str = ""

    @property
    def clean(self) -> bool:
        return self.error_count == 0

    def problem(self, line: int, code: str, /, **params: Any) -> None:
        self.error_count += 1
        if len(self.errors) < ERRORS_KEPT:
            self.errors.append(GradeProblem(line, code, params))

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "changes": [list(asdict(c).values()) for c in self.changes],
            "unchanged": self.unchanged,
            "errors": [e.as_dict() for e in self.errors],
            "error_count": self.error_count,
            "ignored_columns": self.ignored_columns,
            "checked_at": self.checked_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GradePlan:
        return cls(
            rows=int(data["rows"]),
            changes=[CellChange(*values) for values in data["changes"]],
            unchanged=int(data["unchanged"]),
            errors=[GradeProblem(e["line"], e["code"], e["params"]) for e in data["errors"]],
            error_count=int(data["error_count"]),
            ignored_columns=[str(c) for c in data["ignored_columns"]],
            checked_at=str(data["checked_at"]),
        )
