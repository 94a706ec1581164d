"""Grade imports: the preview of a good file, every kind of bad row or cell reported with its line,
all or nothing when applying (a bad row, a grade changed since the preview), and the round trip."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.errors import DomainError
from academy.grading import exports
from academy.grading.grade_import import apply_grade_import, parse_points, plan_grade_import
from academy.grading.import_report import (
    GradeImportFailed,
    GradeImportHasErrors,
    GradePlan,
    NoAssessmentColumn,
    NoStudentColumn,
)
from academy.grading.models import Assessment, AssessmentKind, Grade, GradeChange, GradeSource
from academy.grading.services import GradeValue, grade_of, save_grade
from academy.imports.csvfile import EmptyFile, NotACsvFile
from tests.conftest import Factory

pytestmark = pytest.mark.usefixtures("app_ctx")


@dataclass
class Book:
    cohort: Cohort
    task: Assessment  # max 20
    exam: Assessment  # max 100
    attendance: Assessment
    students: list[Enrolment]
    teacher: User


@pytest.fixture
def book(db: Session, make: Factory) -> Book:
    cohort = make.cohort()
    task = make.assessment(cohort.course, title="Essay", weight=50, max_points=20, position=1)
    exam = make.assessment(cohort.course, AssessmentKind.EXAM, title="Exam", weight=40, position=2)
    attendance = make.assessment(cohort.course, AssessmentKind.ATTENDANCE, title="Att", weight=10, position=3)
    teacher = make.user(Role.INSTRUCTOR)
    cohort.instructors.append(teacher)
    students = [make.enrolment(cohort, make.user(last_name=f"Karimov{n}")) for n in range(3)]
    save_grade(db, task, students[0], GradeValue(points=15, feedback="Well argued"), 0, teacher)
    save_grade(db, exam, students[1], GradeValue(excused=True), 0, teacher)
    db.commit()  # the import's rollback must not take the fixture's rows with it
    return Book(cohort, task, exam, attendance, students, teacher)


def grade_file(book: Book, *rows: str, header: str | None = None, sep: str = ",") -> bytes:
    head = header or sep.join(["E-mail", "Surname", f"Essay [#{book.task.id}]", f"Exam [#{book.exam.id}]"])
    return ("\ufeff" + "\r\n".join([head, *rows]) + "\r\n").encode()


def email(book: Book, n: int) -> str:
    return book.students[n].student.email


def footprint(db: Session) -> tuple[int, int, list[tuple[float | None, bool, int]]]:
    grades = db.execute(select(Grade.points, Grade.excused, Grade.version).order_by(Grade.id)).all()
    changes = db.scalar(select(func.count()).select_from(GradeChange)) or 0
    return len(grades), changes, [tuple(g) for g in grades]


def problems(plan: GradePlan) -> list[tuple[int, str]]:
    return [(p.line, p.code) for p in plan.errors]


def test_a_good_file_previews_each_change_and_applies_it_with_its_history(db: Session, book: Book) -> None:
    data = grade_file(
        book,
        f'{email(book, 0)},Karimov0,"17,5",',  # 15 -> 17.5 (decimal comma), exam left as it is
        f"{email(book, 1).upper()},Karimov1,EX,ex",  # essay excused; exam already excused
        f"{email(book, 2)},Karimov2,,88",
    )
    plan = plan_grade_import(db, book.cohort, data)
    assert plan.clean and plan.rows == 3 and plan.unchanged == 1
    assert [(c.line, c.enrolment_id, c.assessment_id, c.version) for c in plan.changes] == [
        (2, book.students[0].id, book.task.id, 1),
        (3, book.students[1].id, book.task.id, 0),
        (4, book.students[2].id, book.exam.id, 0),
    ]
    first = plan.changes[0]
    assert (first.old_points, first.new_points, first.new_excused) == (15, 17.5, False)
    assert plan.changes[1].new_excused and plan.changes[1].new_points is None
    assert "Surname" in plan.ignored_columns

    assert apply_grade_import(db, book.cohort, plan, book.teacher, "grades.csv") == 3
    db.commit()
    grade = grade_of(db, book.task.id, book.students[0].id)
    assert grade is not None and (grade.points, grade.version, grade.feedback) == (17.5, 2, "Well argued")
    changes = db.scalars(select(GradeChange).where(GradeChange.source == GradeSource.IMPORT)).all()
    assert len(changes) == 3
    assert {c.reason for c in changes} == {"imported from grades.csv"}
    assert all(c.actor_id == book.teacher.id for c in changes)


def test_semicolons_and_student_ids_work_too(db: Session, book: Book) -> None:
    student = book.students[2]
    data = grade_file(book, f"{student.student_id};9.25", header=f"Student ID;Essay [#{book.task.id}]")
    plan = plan_grade_import(db, book.cohort, data)
    assert plan.clean and [(c.enrolment_id, c.new_points) for c in plan.changes] == [(student.id, 9.25)]


def test_translated_headers_are_understood(db: Session, book: Book) -> None:
    with force_locale("ru"):
        header = f"{gettext('E-mail')};Essay [#{book.task.id}]"
    plan = plan_grade_import(db, book.cohort, grade_file(book, f"{email(book, 2)};3", header=header))
    assert plan.clean and len(plan.changes) == 1


def test_every_bad_row_and_cell_is_reported_with_its_line(db: Session, make: Factory, book: Book) -> None:
    other = make.enrolment(make.cohort())  # a student of another cohort
    withdrawn = make.enrolment(book.cohort, status=EnrolmentStatus.WITHDRAWN)
    data = grade_file(
        book,
        f"{email(book, 0)},A,abc,",  # 2: not a number
        f"{email(book, 1)},B,21,",  # 3: above the maximum
        f"{email(book, 2)},C,1.255,-1",  # 4: three decimals; below 0
        f"{other.student.email},D,1,",  # 5: another cohort's student
        f"{withdrawn.student.email},E,1,",  # 6: not on the roster any more
        ",F,1,",  # 7: nobody
        f"{email(book, 2)},G,,",  # 8: the same student again
        f"{email(book, 0)},H,1",  # 9: a column short
        f"{email(book, 0)},I,nan,inf",  # 10: the first student again, and not numbers either
    )
    plan = plan_grade_import(db, book.cohort, data)
    assert problems(plan) == [
        (2, "not_a_number"),
        (3, "out_of_range"),
        (4, "too_precise"),
        (4, "out_of_range"),
        (5, "unknown_email"),
        (6, "unknown_email"),
        (7, "no_student"),
        (8, "duplicate"),
        (9, "columns"),
        (10, "duplicate"),
        (10, "not_a_number"),
        (10, "not_a_number"),
    ]
    messages = [p.message for p in plan.errors]
    assert messages[0] == f"Essay [#{book.task.id}]: “abc” is not a number of points (nor EX for excused)."
    assert messages[1] == f"Essay [#{book.task.id}]: 21 is not between 0 and 20."
    assert messages[4] == f"{other.student.email} is not on this cohort's roster."
    assert messages[7] == "This student is already on line 4."
    assert not plan.clean and plan.error_count == 12


def test_student_ids_are_checked_against_the_roster_and_the_email(
    db: Session, make: Factory, book: Book
) -> None:
    other = make.enrolment(make.cohort())
    header = f"Student ID,E-mail,Essay [#{book.task.id}]"
    data = grade_file(
        book,
        f"{other.student_id},,1",
        "x12,,1",
        f"{book.students[0].student_id},{email(book, 1)},1",
        f"{book.students[2].student_id},{email(book, 2)},1",
        header=header,
    )
    plan = plan_grade_import(db, book.cohort, data)
    assert problems(plan) == [(2, "unknown_student_id"), (3, "unknown_student_id"), (4, "student_mismatch")]


def test_an_assessment_of_another_course_or_twice_is_refused_on_line_1(
    db: Session, make: Factory, book: Book
) -> None:
    foreign = make.assessment(make.course(), title="Foreign")
    header = f"E-mail,Essay [#{book.task.id}],Foreign [#{foreign.id}],Again [#{book.task.id}],Nope [#999999]"
    plan = plan_grade_import(db, book.cohort, grade_file(book, f"{email(book, 0)},1,2,3,4", header=header))
    assert problems(plan) == [
        (1, "unknown_assessment"),
        (1, "repeated_assessment"),
        (1, "unknown_assessment"),
    ]
    assert plan.errors[0].message == (
        f"The column “Foreign [#{foreign.id}]” is not an assessment of this cohort's course."
    )


def test_attendance_and_computed_columns_are_ignored(db: Session, book: Book) -> None:
    header = f"E-mail,Att [#{book.attendance.id}],Result %,Essay [#{book.task.id}]"
    plan = plan_grade_import(db, book.cohort, grade_file(book, f"{email(book, 2)},55,99,4", header=header))
    assert plan.clean and [(c.assessment_id, c.new_points) for c in plan.changes] == [(book.task.id, 4)]
    assert plan.ignored_columns == [f"Att [#{book.attendance.id}]", "Result %"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"\x00\x01binary", NotACsvFile),
        (b"\xff\xfe\xfa", NotACsvFile),
        (b"", EmptyFile),
        (b"E-mail,Essay [#1]\r\n", EmptyFile),
        (b"Name,Essay [#1]\r\nx,1\r\n", NoStudentColumn),
        (b"E-mail,Essay\r\nx@example.uz,1\r\n", NoAssessmentColumn),
    ],
)
def test_files_that_are_no_grade_files_at_all(
    db: Session, book: Book, data: bytes, error: type[DomainError]
) -> None:
    with pytest.raises(error):
        plan_grade_import(db, book.cohort, data)


def test_nothing_is_written_when_one_row_is_bad(db: Session, book: Book) -> None:
    data = grade_file(book, f"{email(book, 0)},Karimov0,18,", f"{email(book, 2)},Karimov2,20.5,")
    plan = plan_grade_import(db, book.cohort, data)
    assert not plan.clean
    before = footprint(db)
    with pytest.raises(GradeImportHasErrors):
        apply_grade_import(db, book.cohort, plan, book.teacher)
    assert footprint(db) == before


def test_a_grade_changed_after_the_preview_means_nothing_is_written(db: Session, book: Book) -> None:
    data = grade_file(book, f"{email(book, 2)},K,10,50", f"{email(book, 0)},K,16,")
    plan = GradePlan.from_json(plan_grade_import(db, book.cohort, data).as_json())  # kept as JSON
    save_grade(db, book.task, book.students[0], GradeValue(points=12), 1, book.teacher, "meanwhile")
    db.commit()
    before = footprint(db)
    with pytest.raises(GradeImportFailed) as failed:
        apply_grade_import(db, book.cohort, plan, book.teacher)
    db.rollback()
    assert [(p.line, p.code) for p in failed.value.problems] == [(3, "stale")]
    assert failed.value.problems[0].message == (
        f"{book.students[0].student.last_name} Test, Essay [#{book.task.id}]: "
        "the grade changed after the preview."
    )
    assert footprint(db) == before
    grade = grade_of(db, book.task.id, book.students[0].id)
    assert grade is not None and grade.points == 12


def test_a_student_withdrawn_after_the_preview_means_nothing_is_written(db: Session, book: Book) -> None:
    plan = plan_grade_import(
        db, book.cohort, grade_file(book, f"{email(book, 2)},K,10,", f"{email(book, 1)},K,3,")
    )
    book.students[1].status = EnrolmentStatus.WITHDRAWN
    db.commit()
    before = footprint(db)
    with pytest.raises(GradeImportFailed) as failed:
        apply_grade_import(db, book.cohort, plan, book.teacher)
    db.rollback()
    assert [(p.line, p.code) for p in failed.value.problems] == [(3, "refused")]
    assert footprint(db) == before


def test_an_export_imported_again_changes_nothing(db: Session, make: Factory, book: Book) -> None:
    tricky = make.enrolment(
        book.cohort, make.user(email="-dash@example.uz", first_name="=cmd", last_name="@x")
    )
    save_grade(db, book.exam, tricky, GradeValue(points=99.99), 0, book.teacher)
    save_grade(db, book.task, book.students[2], GradeValue(points=0), 0, book.teacher)
    data = "".join(exports.csv_chunks(db, book.cohort)).encode()
    plan = plan_grade_import(db, book.cohort, data)
    assert plan.clean, [p.message for p in plan.errors]
    assert plan.changes == [] and plan.unchanged == 4 and plan.rows == 4  # the four grades given


@pytest.mark.parametrize(
    ("raw", "value"),
    [("17", "17"), ("17,5", "17.5"), (" 1 000,25 ", "1000.25"), ("1,2,3", None), ("x", None)],
)
def test_points_are_read_with_a_decimal_point_or_comma(raw: str, value: str | None) -> None:
    parsed = parse_points(raw)
    assert (str(parsed) if parsed is not None else None) == value
