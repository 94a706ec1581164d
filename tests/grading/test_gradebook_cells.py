"""Saving a cell of the gradebook: the inline editor's JSON and the plain form; bad points and ids;
two saves of one cell from the same version (the second is a 409 showing both values, the first
value stands, one change in the history) and saving over it on purpose."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.grading.models import AssessmentKind, GradeChange
from academy.grading.services import grade_of
from tests.conftest import Browser, Factory
from tests.grading.gradebook_helpers import JSON, changes, make_book, save

# -- saving a cell: JSON -----------------------------------------------------------------------------


def test_inline_save_answers_the_new_version_display_and_row(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = make_book(db, make, students=1)
    browser.login(book.teacher)
    response = save(browser, book, 0, 0, "15,5", 0, reason="first look")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json == {
        "version": 1,
        "display": "15.5",
        "note": "",
        "css": "g",
        "value": "15.5",
        "row": {
            "percent": 77.5,
            "percent_display": "77.5",
            "state": "in_progress",
            "state_label": "In progress",
            "badge": "wait",
        },
    }
    grade = grade_of(db, book.tasks[0].id, book.enrolments[0].id)
    assert grade is not None and (grade.points, grade.version, grade.graded_by_id) == (
        15.5,
        1,
        book.teacher.id,
    )
    change = db.scalars(select(GradeChange)).one()
    assert (change.new_points, change.reason) == (15.5, "first look")
    # Excused, then cleared; each from the version it saw.
    assert save(browser, book, 0, 0, "ex", 1).json["display"] == "excused"
    cleared = save(browser, book, 0, 0, "", 2)
    assert cleared.status_code == 200 and cleared.json["display"] == "—" and cleared.json["version"] == 3
    assert changes(db) == 3


def test_inline_save_keeps_the_feedback(browser: Browser, db: Session, make: Factory) -> None:
    book = make_book(db, make, students=1)
    book.grade(0, 0, 10)
    grade = grade_of(db, book.tasks[0].id, book.enrolments[0].id)
    assert grade is not None
    grade.feedback = "Good structure."
    db.flush()
    browser.login(book.teacher)
    assert save(browser, book, 0, 0, "12", grade.version).status_code == 200
    db.expire_all()
    grade = grade_of(db, book.tasks[0].id, book.enrolments[0].id)
    assert grade is not None and (grade.points, grade.feedback) == (12, "Good structure.")


@pytest.mark.parametrize(
    ("points", "field", "message"),
    [
        ("abc", "points", "Enter points such as 7 or 7.5"),
        ("-1", "points", "Enter points such as 7 or 7.5"),
        ("1e3", "points", "Enter points such as 7 or 7.5"),
        ("21", "points", "Points must be between 0 and 20."),
        ("7.125", "points", "Points can have at most two decimals."),
    ],
)
def test_inline_save_refuses_bad_points_and_changes_nothing(
    browser: Browser, db: Session, make: Factory, points: str, field: str, message: str
) -> None:
    book = make_book(db, make, students=1)
    browser.login(book.teacher)
    response = save(browser, book, 0, 0, points, 0)
    assert response.status_code == 400
    assert any(message in m for m in response.json["errors"][field]), response.json
    assert grade_of(db, book.tasks[0].id, book.enrolments[0].id) is None and changes(db) == 0


@pytest.mark.parametrize(
    "data",
    [
        {"version": "x"},
        {"version": "-1"},
        {"enrolment_id": ""},
        {"assessment_id": "99999999999999999999"},
    ],
)
def test_inline_save_refuses_malformed_ids(
    browser: Browser, db: Session, make: Factory, data: dict[str, str]
) -> None:
    book = make_book(db, make, students=1)
    browser.login(book.teacher)
    cell = {"enrolment_id": book.enrolments[0].id, "assessment_id": book.tasks[0].id, "version": 0, **data}
    response = browser.post(f"{book.url}/cells", {**cell, "points": "5"}, headers=JSON)
    assert response.status_code == 400 and "errors" in response.json
    assert browser.post(f"{book.url}/cells", {**cell, "points": "5"}).status_code == 400
    assert changes(db) == 0


def test_attendance_is_not_graded_by_hand(browser: Browser, db: Session, make: Factory) -> None:
    book = make_book(db, make, students=1, kinds=(AssessmentKind.EXAM, AssessmentKind.ATTENDANCE))
    browser.login(book.teacher)
    response = save(browser, book, 1, 0, "5", 0)
    assert response.status_code == 400
    assert "computed from the registers" in response.json["errors"]["form"][0]


def test_two_saves_from_the_same_version_the_second_is_a_409_with_both_values(
    browser: Browser, db: Session, make: Factory
) -> None:
    """The issue's case: two tabs open the cell at version 1 and both save."""
    book = make_book(db, make, students=1)
    book.grade(0, 0, 10)  # version 1
    before = changes(db)
    browser.login(book.teacher)
    first = save(browser, book, 0, 0, "14", 1)
    assert first.status_code == 200 and first.json["version"] == 2
    second = save(browser, book, 0, 0, "9", 1, reason="second tab")
    assert second.status_code == 409
    answer = second.json
    assert "Your value was not saved" in answer["error"]
    assert {k: answer["current"][k] for k in ("points", "excused", "version", "by")} == {
        "points": 14,
        "excused": False,
        "version": 2,
        "by": book.teacher.full_name,
    }
    assert answer["current"]["at"]
    assert answer["yours"] == {"points": 9, "excused": False, "reason": "second tab", "display": "9"}
    assert answer["cell"]["display"] == "14" and answer["cell"]["version"] == 2
    grade = grade_of(db, book.tasks[0].id, book.enrolments[0].id)
    assert grade is not None and (grade.points, grade.version) == (14, 2)  # the first value stands
    assert changes(db) - before == 1  # exactly one change for the two saves
    history = browser.get(f"{book.url}/history").get_data(as_text=True)
    assert history.count("<strong>14</strong>") == 1 and "<strong>9</strong>" not in history
    # Having seen the other value, the instructor may save theirs over it, on purpose.
    again = save(browser, book, 0, 0, "9", answer["current"]["version"])
    assert again.status_code == 200 and again.json["version"] == 3


def test_a_new_cell_saved_twice_from_version_zero(browser: Browser, db: Session, make: Factory) -> None:
    book = make_book(db, make, students=1)
    browser.login(book.teacher)
    assert save(browser, book, 0, 0, "3", 0).status_code == 200
    second = save(browser, book, 0, 0, "EX", 0)
    assert second.status_code == 409
    assert second.json["current"]["points"] == 3 and second.json["yours"]["excused"] is True
    assert changes(db) == 1


# -- saving a cell: the plain form -----------------------------------------------------------------


def test_plain_form_save_returns_to_the_same_order_and_filters(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = make_book(db, make, students=2)
    browser.login(book.teacher)
    response = browser.post(
        f"{book.url}/cells",
        {
            "enrolment_id": book.enrolments[0].id,
            "assessment_id": book.tasks[0].id,
            "version": 0,
            "points": "12.5",
            "back": "sort=percent&dir=desc&q=kar&evil=https://elsewhere.example",
        },
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(book.url + "?") and "evil" not in location
    assert "sort=percent" in location and "dir=desc" in location and "q=kar" in location
    page = browser.get(location).get_data(as_text=True)
    assert "The grade of Student0 Karimov is saved." in page
    assert grade_of(db, book.tasks[0].id, book.enrolments[0].id) is not None


def test_plain_form_conflict_shows_both_values_and_saves_over_only_on_purpose(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = make_book(db, make, students=1)
    book.grade(0, 0, 10)
    browser.login(book.teacher)
    assert save(browser, book, 0, 0, "14", 1).status_code == 200  # the other tab
    cell = {"enrolment_id": book.enrolments[0].id, "assessment_id": book.tasks[0].id}
    response = browser.post(f"{book.url}/cells", {**cell, "version": 1, "points": "8", "back": "sort=name"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "The grade that stands" in body and "<strong>14</strong>" in body
    assert "Your value, not saved" in body and "<strong>8</strong>" in body
    assert re.search(r'name="version"[^>]*value="2"', body)  # the form carries the new version
    assert 'value="8"' in body  # and the value typed
    assert "History of this grade" in body
    grade = grade_of(db, book.tasks[0].id, book.enrolments[0].id)
    assert grade is not None and grade.points == 14
    over = browser.post(f"{book.url}/cells", {**cell, "version": 2, "points": "8", "reason": "re-marked"})
    assert over.status_code == 302
    db.expire_all()
    grade = grade_of(db, book.tasks[0].id, book.enrolments[0].id)
    assert grade is not None and (grade.points, grade.version) == (8, 3)


def test_plain_form_with_bad_points_shows_the_error(browser: Browser, db: Session, make: Factory) -> None:
    book = make_book(db, make, students=1)
    browser.login(book.teacher)
    cell = {"enrolment_id": book.enrolments[0].id, "assessment_id": book.tasks[0].id, "version": 0}
    response = browser.post(f"{book.url}/cells", {**cell, "points": "lots"})
    assert response.status_code == 400
    assert "Enter points such as 7 or 7.5" in response.get_data(as_text=True)
    response = browser.post(f"{book.url}/cells", {**cell, "points": "25"})
    assert response.status_code == 400
    assert "Points must be between 0 and 20." in response.get_data(as_text=True)
    assert changes(db) == 0
