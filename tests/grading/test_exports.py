"""Gradebook exports: the shape of the CSV and XLSX files, formula neutralisation, batched reading."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts.models import Cohort, Enrolment
from academy.grading import exports
from academy.grading.models import Assessment, AssessmentKind
from academy.grading.services import GradeValue, save_grade
from tests.conftest import Factory, QueryCounter

pytestmark = pytest.mark.usefixtures("app_ctx")
DANGEROUS_NAMES = ["=1+2", "+998", "-cmd", "@SUM(A1)", "\tTab", "\rReturn"]


@dataclass
class Book:
    cohort: Cohort
    task: Assessment
    exam: Assessment
    enrolments: list[Enrolment]


def gradebook(db: Session, make: Factory, students: int = 3, title: str = "Essay") -> Book:
    cohort = make.cohort()
    task = make.assessment(cohort.course, title=title, weight=60, max_points=20, position=1)
    exam = make.assessment(cohort.course, AssessmentKind.EXAM, title="Exam", weight=40, position=2)
    teacher = make.user(Role.INSTRUCTOR)
    enrolments = [make.enrolment(cohort, make.user(last_name=f"Aliyev{n:03d}")) for n in range(students)]
    if students > 0:
        save_grade(db, task, enrolments[0], GradeValue(points=17.5), 0, teacher)
        save_grade(db, exam, enrolments[0], GradeValue(points=100), 0, teacher)
    if students > 1:
        save_grade(db, task, enrolments[1], GradeValue(excused=True), 0, teacher)
    return Book(cohort, task, exam, enrolments)


def read_csv_export(db: Session, cohort: Cohort, batch: int = 500) -> tuple[str, list[list[str]]]:
    text = "".join(exports.csv_chunks(db, cohort, batch=batch))
    return text, list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_csv_has_a_bom_a_header_with_assessment_ids_and_one_line_per_student(
    db: Session, make: Factory
) -> None:
    book = gradebook(db, make)
    text, rows = read_csv_export(db, book.cohort)
    assert text.startswith("\ufeff") and "\r\n" in text
    header, *lines = rows
    assert header == [
        "Student ID",
        "E-mail",
        "Last name",
        "First name",
        "Enrolment status",
        f"Essay [#{book.task.id}]",
        f"Exam [#{book.exam.id}]",
        "Attendance %",
        "Result %",
        "Result",
    ]
    assert len(lines) == 3
    first, second, third = lines
    student = book.enrolments[0].student
    assert first[:5] == [str(student.id), student.email, student.last_name, "Test", "Enrolled"]
    assert first[5:] == ["17.5", "100", "", "92.5", "Passed"]  # 87.5 % * 0.6 + 100 % * 0.4
    assert second[5:7] == ["EX", ""]
    assert third[5:7] == ["", ""] and third[-1] == "In progress"


def test_assessment_ids_are_read_back_from_headers() -> None:
    assert exports.assessment_id_of("Essay [#12]") == 12
    assert exports.assessment_id_of("'=x [#7] ") == 7
    assert exports.assessment_id_of("Essay") is None
    assert exports.assessment_id_of("[#3] Essay") is None


@pytest.mark.parametrize(
    ("value", "text"), [(17.5, "17.5"), (100.0, "100"), (0.0, "0"), (0.05, "0.05"), (123456.78, "123456.78")]
)
def test_numbers_are_written_as_plain_decimals(value: float, text: str) -> None:
    assert exports.number_text(value) == text


def test_neutralise_and_restore() -> None:
    for name in DANGEROUS_NAMES:
        assert exports.neutralise(name) == "'" + name
        assert exports.restore(exports.neutralise(name)) == name
    assert exports.neutralise("Aliyev") == "Aliyev"
    assert exports.restore("'quoted") == "'quoted"


def dangerous_book(db: Session, make: Factory) -> Book:
    book = gradebook(db, make, students=0, title='=HYPERLINK("http://evil")')
    for name in DANGEROUS_NAMES:
        book.enrolments.append(make.enrolment(book.cohort, make.user(first_name=name, last_name=name)))
    book.enrolments.append(make.enrolment(book.cohort, make.user(email="-x@example.uz")))
    return book


def test_csv_cells_that_start_like_a_formula_are_neutralised(db: Session, make: Factory) -> None:
    book = dangerous_book(db, make)
    _, rows = read_csv_export(db, book.cohort)
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(exports.DANGEROUS)]
    assert f'\'=HYPERLINK("http://evil") [#{book.task.id}]' in rows[0]
    assert "'-x@example.uz" in cells
    for name in DANGEROUS_NAMES:
        assert "'" + name in cells


def test_xlsx_writes_text_as_strings_never_formulas(db: Session, make: Factory, tmp_path: Path) -> None:
    book = dangerous_book(db, make)
    save_grade(db, book.task, book.enrolments[0], GradeValue(points=12.25), 0, make.user(Role.INSTRUCTOR))
    path = tmp_path / "book.xlsx"
    assert exports.write_xlsx(db, book.cohort, path) == len(DANGEROUS_NAMES) + 1
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    kinds = {cell.data_type for row in sheet.iter_rows() for cell in row}
    assert "f" not in kinds  # no formula anywhere
    assert values[0][5] == f'\'=HYPERLINK("http://evil") [#{book.task.id}]'
    texts = [v for row in values for v in row if isinstance(v, str)]
    assert not [t for t in texts if t.startswith(exports.DANGEROUS)]
    graded = next(row for row in values[1:] if row[5] is not None)
    assert graded[5] == 12.25 and isinstance(graded[0], int | float)
    assert len(values) == len(DANGEROUS_NAMES) + 2


def _export_queries(db: Session, cohort: Cohort, counter: QueryCounter, batch: int) -> int:
    before = counter.count
    read_csv_export(db, cohort, batch=batch)
    return counter.count - before


def test_export_reads_in_batches_its_queries_grow_with_batches_not_students(
    db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    small, large = gradebook(db, make, students=4), gradebook(db, make, students=8)
    for book in (small, large):
        read_csv_export(db, book.cohort)  # loads the cohorts' courses once
    one_batch = _export_queries(db, small.cohort, count_queries, batch=500)
    assert _export_queries(db, large.cohort, count_queries, batch=500) == one_batch
    two_batches = _export_queries(db, small.cohort, count_queries, batch=2)
    assert two_batches > one_batch
    assert _export_queries(db, large.cohort, count_queries, batch=4) == two_batches
    per_batch = two_batches - one_batch
    assert _export_queries(db, large.cohort, count_queries, batch=2) == two_batches + 2 * per_batch


def test_csv_comes_in_chunks(db: Session, make: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    book = gradebook(db, make, students=5)
    monkeypatch.setattr(exports, "ROWS_PER_CHUNK", 2)
    chunks = list(exports.csv_chunks(db, book.cohort))
    assert len(chunks) == 3  # header and rows 1-2, rows 3-4, row 5
    assert chunks[1].count("\r\n") == 2


def test_withdrawn_students_are_not_exported(db: Session, make: Factory) -> None:
    from academy.cohorts.models import EnrolmentStatus

    book = gradebook(db, make, students=2)
    make.enrolment(book.cohort, status=EnrolmentStatus.WITHDRAWN)
    _, rows = read_csv_export(db, book.cohort)
    assert len(rows) == 3
