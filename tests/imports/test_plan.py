"""The dry run: every kind of bad row with its line number, and what a clean file would do."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts import services as enrolment
from academy.cohorts.models import EnrolmentStatus
from academy.courses.models import CourseStatus
from tests.conftest import Factory, QueryCounter
from tests.imports.conftest import csv_bytes, plan_for

pytestmark = pytest.mark.usefixtures("app_ctx")


def test_each_kind_of_bad_row_is_reported_on_its_line(db: Session, make: Factory) -> None:
    cohort = make.cohort(seats=30)
    draft = make.cohort(course=make.course(status=CourseStatus.DRAFT))
    tiny = make.cohort(seats=1)
    instructor = make.user(Role.INSTRUCTOR)
    gone = make.user(active=False)
    c = cohort.code
    rows = [
        ("ok@example.uz", "Ali", "Valiyev", "UZ-SA", c),  # 2: fine
        ("not-an-address", "Ali", "Valiyev", "UZ-SA", c),  # 3
        ("", "Ali", "Valiyev", "UZ-SA", c),  # 4
        ("a4@example.uz", "", "Valiyev", "UZ-SA", c),  # 5
        ("a5@example.uz", "Ali", "", "UZ-SA", c),  # 6
        ("a6@example.uz", "Ali", "Valiyev", "Atlantis", c),  # 7
        ("a7@example.uz", "Ali", "Valiyev", "UZ-SA", "NO-SUCH-COHORT"),  # 8
        ("a8@example.uz", "Ali", "Valiyev", "UZ-SA", draft.code),  # 9
        (instructor.email, "Ali", "Valiyev", "UZ-SA", c),  # 10
        ("OK@example.uz", "Ali", "Valiyev", "UZ-SA", c),  # 11: same person, same cohort as line 2
        ("a10@example.uz", "Ali", "Valiyev", "UZ-SA", tiny.code),  # 12: takes the last seat
        ("a11@example.uz", "Ali", "Valiyev", "UZ-SA", tiny.code),  # 13: does not fit
        ("a12@example.uz", "Ali", "Valiyev", "UZ-SA", tiny.code),  # 14: does not fit either
        ("a13@example.uz", "Ali", "Valiyev", "UZ-SA"),  # 15: a cell short
        (gone.email, "Ali", "Valiyev", "UZ-SA", c),  # 16
        ("a15@example.uz", "Ali", "Valiyev", "", c),  # 17
        ("a16@example.uz", "Ali", "Valiyev", "UZ-SA", ""),  # 18
        ("a17@example.uz", "A" * 81, "Valiyev", "UZ-SA", c),  # 19
    ]
    plan = plan_for(db, csv_bytes(rows))
    assert [(e.line, e.code) for e in plan.errors] == [
        (3, "email_invalid"),
        (4, "email_missing"),
        (5, "first_name_missing"),
        (6, "last_name_missing"),
        (7, "region_unknown"),
        (8, "cohort_unknown"),
        (9, "course_unpublished"),
        (10, "not_a_student"),
        (11, "duplicate"),
        (13, "cohort_full"),
        (15, "columns"),
        (16, "account_inactive"),
        (17, "region_missing"),
        (18, "cohort_missing"),
        (19, "first_name_too_long"),
    ]
    messages = {e.line: e.message for e in plan.errors}
    assert messages[3] == "“not-an-address” is not a valid e-mail address."
    assert messages[8] == "There is no cohort with the code “NO-SUCH-COHORT”."
    assert messages[11] == f"ok@example.uz is already listed for cohort {c} on line 2."
    assert (
        messages[13]
        == f"Cohort {tiny.code} is full: it has 1 seat left for the 3 students this file enrols in it."
    )
    assert messages[15] == "The row has 4 columns; the first line has 5."
    assert not plan.clean and plan.counts()["errors"] == 15


def test_a_row_can_have_several_problems(db: Session, make: Factory) -> None:
    plan = plan_for(db, csv_bytes([("bad", "", "V", "Mars", "NOPE")]))
    assert [e.code for e in plan.errors] == [
        "email_invalid",
        "first_name_missing",
        "region_unknown",
        "cohort_unknown",
    ]
    assert {e.line for e in plan.errors} == {2}


def test_full_cohort_counts_seats_left_at_plan_time(db: Session, make: Factory) -> None:
    cohort = make.cohort(seats=3)
    enrolment.enrol(db, cohort, make.user())
    rows = [(f"s{n}@example.uz", "Ali", "Valiyev", "UZ-SA", cohort.code) for n in range(3)]
    plan = plan_for(db, csv_bytes(rows))
    assert [(e.line, e.code, e.params["left"], e.params["wanted"]) for e in plan.errors] == [
        (4, "cohort_full", 2, 3)
    ]
    assert plan_for(db, csv_bytes(rows[:2])).clean


@pytest.mark.parametrize(
    "region",
    [
        "UZ-FA",
        "uz-fa",
        "Fargʻona viloyati",
        "Farg'ona viloyati",
        "FARG‘ONA  VILOYATI",
        "Ферганская область",
        "ферганская область",
        "Fergana Region",
        "fergana region",
    ],
)
def test_region_by_code_or_name_in_any_language(db: Session, make: Factory, region: str) -> None:
    cohort = make.cohort()
    plan = plan_for(db, csv_bytes([("new@example.uz", "Ali", "Valiyev", region, cohort.code)]))
    assert plan.clean, [e.message for e in plan.errors]
    assert plan.students[0].region_code == "UZ-FA"


def test_a_clean_plan_counts_new_students_enrolments_and_rows_already_done(
    db: Session, make: Factory
) -> None:
    first, second = make.cohort(language="ru"), make.cohort(language="uz")
    enrolled, waiting, withdrew, completed = (make.user() for _ in range(4))
    enrolment.enrol(db, first, enrolled)
    full = make.cohort(seats=1)
    enrolment.enrol(db, full, make.user())
    on_waitlist = enrolment.enrol(db, full, waiting)
    assert on_waitlist.status is EnrolmentStatus.WAITLISTED
    left = enrolment.enrol(db, first, withdrew)
    enrolment.withdraw(db, left, withdrew)
    done = enrolment.enrol(db, second, completed)
    done.status = EnrolmentStatus.COMPLETED
    db.flush()
    rows = [
        ("new@example.uz", "Yangi", "Talaba", "UZ-TK", first.code),
        ("New@Example.uz", "Yangi", "Talaba", "UZ-TK", second.code),
        (enrolled.email, "x", "y", "UZ-SA", first.code),
        (completed.email, "x", "y", "UZ-SA", second.code),
        (withdrew.email, "x", "y", "UZ-SA", first.code),
        (enrolled.email, "x", "y", "UZ-SA", second.code),
    ]
    plan = plan_for(db, csv_bytes(rows))
    assert plan.clean, [e.message for e in plan.errors]
    assert plan.counts() == {
        "rows": 6,
        "new_students": 1,
        "new_enrolments": 4,
        "unchanged": 2,
        "errors": 0,
    }
    (student,) = plan.students
    assert (student.email, student.locale, student.line) == ("new@example.uz", "ru", 2)
    re_seated = [e for e in plan.enrolments if e.enrolment_id is not None]
    assert [(e.email, e.previous) for e in re_seated] == [(withdrew.email, EnrolmentStatus.WITHDRAWN)]
    waitlisted = plan_for(db, csv_bytes([(waiting.email, "x", "y", "UZ-SA", full.code)]))
    assert [e.code for e in waitlisted.errors] == ["cohort_full"]


def test_lang_column_sets_the_new_students_language(db: Session, make: Factory) -> None:
    cohort = make.cohort(language="uz")
    header = ("email", "firstname", "lastname", "region", "cohort", "lang")
    rows = [
        ("a@example.uz", "A", "V", "UZ-SA", cohort.code, "EN"),
        ("b@example.uz", "B", "V", "UZ-SA", cohort.code, ""),
        ("c@example.uz", "C", "V", "UZ-SA", cohort.code, "fr"),
    ]
    plan = plan_for(db, csv_bytes(rows, header=header))
    assert [(e.line, e.code) for e in plan.errors] == [(4, "lang_unknown")]
    assert [(s.email, s.locale) for s in plan.students] == [("a@example.uz", "en"), ("b@example.uz", "uz")]


def test_cohort_codes_match_without_case(db: Session, make: Factory) -> None:
    cohort = make.cohort(code="BPO-CC-SA-2609-1")
    plan = plan_for(db, csv_bytes([("a@example.uz", "A", "V", "UZ-SA", "bpo-cc-sa-2609-1")]))
    assert plan.clean and plan.enrolments[0].cohort_id == cohort.id


def test_planning_needs_the_same_queries_for_20_rows_as_for_200(
    db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    cohorts = [make.cohort(seats=500) for _ in range(4)]
    existing = [make.user() for _ in range(50)]

    def rows(n: int) -> list[tuple[str, ...]]:
        people = [u.email for u in existing] + [f"new{i}@example.uz" for i in range(n)]
        return [(people[i], "A", "V", "UZ-SA", cohorts[i % 4].code) for i in range(n)]

    small, large = csv_bytes(rows(20)), csv_bytes(rows(200))
    count_queries.statements.clear()
    assert plan_for(db, small).clean
    few = count_queries.count
    count_queries.statements.clear()
    assert plan_for(db, large).clean
    assert count_queries.count == few, count_queries.statements
    assert few <= 6
