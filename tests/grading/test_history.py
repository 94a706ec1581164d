"""The history of grades: one cell's changes and a cohort's, newest first, filtered, paged, in a fixed
number of queries, and only for the cohort's instructors and administrators."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.grading.history import cell_history, cohort_history
from academy.grading.models import AssessmentKind, GradeSource
from academy.grading.services import GradeValue, save_grade
from academy.pagination import paginate
from tests.conftest import Browser, Factory, QueryCounter
from tests.grading.gradebook_helpers import make_book, page_queries, save


@pytest.mark.usefixtures("app_ctx")
def test_cell_history_is_that_cell_newest_first(db: Session, make: Factory) -> None:
    book = make_book(db, make, students=2)
    book.grade(0, 0, 5)
    book.grade(0, 0, 7)
    book.grade(0, 0, excused=True)
    book.grade(1, 0, 3)  # another cell of the same student
    book.grade(0, 1, 9)  # the same assessment, another student
    changes = cell_history(db, book.tasks[0].id, book.enrolments[0].id)
    assert [(c.old_points, c.old_excused, c.new_points, c.new_excused) for c in changes] == [
        (7, False, None, True),
        (5, False, 7, False),
        (None, False, 5, False),
    ]
    assert all(c.actor_id == book.teacher.id for c in changes)
    assert cell_history(db, book.tasks[1].id, book.enrolments[1].id) == []


@pytest.mark.usefixtures("app_ctx")
def test_cohort_history_keeps_to_the_cohort_and_filters(db: Session, make: Factory) -> None:
    book = make_book(db, make, students=2)
    other = make_book(db, make, students=1)
    book.grade(0, 0, 5)
    book.grade(1, 1, 6)
    book.grade(0, 1, 7)
    other.grade(0, 0, 8)

    def news(**filters: int) -> list[float | None]:
        return [c.new_points for c in db.scalars(cohort_history(book.cohort.id, **filters)).unique()]

    assert news() == [7, 6, 5]
    assert news(enrolment_id=book.enrolments[1].id) == [7, 6]
    assert news(assessment_id=book.tasks[0].id) == [7, 5]
    assert news(enrolment_id=book.enrolments[1].id, assessment_id=book.tasks[1].id) == [6]
    assert news(enrolment_id=other.enrolments[0].id) == []
    page = paginate(db, cohort_history(book.cohort.id), 2, 2)
    assert (page.total, page.pages, [c.new_points for c in page.items]) == (3, 2, [5])


def test_history_page_shows_who_when_what_and_why(browser: Browser, db: Session, make: Factory) -> None:
    book = make_book(db, make, students=2)
    book.grade(0, 0, 5)
    browser.login(book.teacher)
    browser.post(
        f"{book.url}/cells",
        {
            "enrolment_id": book.enrolments[0].id,
            "assessment_id": book.tasks[0].id,
            "version": 1,
            "points": "EX",
            "reason": "medical certificate",
        },
    )
    response = browser.get(f"{book.url}/history")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "2 changes" in body
    assert "5 → <strong>excused</strong>" in body and "— → <strong>5</strong>" in body
    assert body.index("medical certificate") < body.index("— → <strong>5</strong>")  # newest first
    assert book.teacher.full_name in body and book.enrolments[0].student.full_name in body
    assert "Task 1" in body and "By hand" in body


@pytest.mark.parametrize(
    ("locale", "source", "old_author", "saved", "heading"),
    [
        ("en", "Quiz, automatic", "the quiz", "Saved automatically from the quiz, ", "What changed"),
        (
            "ru",
            "Тест, автоматически",
            "тест",
            "Сохранено автоматически по результатам теста, ",
            "Что изменилось",
        ),
        ("uz", "Test, avtomatik", "test", "Testdan avtomatik saqlangan, ", "Nima oʻzgardi"),
    ],
)
def test_an_automatic_mark_names_its_source_once_not_a_lowercase_author(
    browser: Browser,
    db: Session,
    make: Factory,
    locale: str,
    source: str,
    old_author: str,
    saved: str,
    heading: str,
) -> None:
    book = make_book(db, make, students=1, assessments=1, kinds=(AssessmentKind.QUIZ,))
    quiz, enrolment = book.tasks[0], book.enrolments[0]
    save_grade(db, quiz, enrolment, GradeValue(points=8), None, None, source=GradeSource.QUIZ)
    book.teacher.locale = locale
    db.flush()
    browser.login(book.teacher)
    cohort_page = browser.get(f"{book.url}/history").get_data(as_text=True)
    cell_page = browser.get(f"{book.url}/{quiz.id}/{enrolment.id}").get_data(as_text=True)
    assert f'<th scope="col">{heading}</th>' in cohort_page  # a noun, not the verb of a button
    # The history table: a dash for who, the source says it is the quiz's automatic mark.
    row = cohort_page[cohort_page.index("<tbody>") : cohort_page.index("</tbody>")]
    assert '<td><span class="muted">—</span></td>' in row and f"<td>{source}</td>" in row
    assert row.count(source) == 1 and f"<td>{old_author}</td>" not in row
    # The grading view's history: the time, the change and the source, no author between them.
    history = cell_page[cell_page.index('class="history grade-history"') :]
    history = history[: history.index("</ol>")]
    assert "</time>:" in history and f"({source})" in history and history.count(source) == 1
    assert f"{old_author}:" not in history
    # Editing it over a stale version: the conflict names the quiz the same way.
    stale = save(browser, book, 0, 0, "3", 0)
    assert stale.status_code == 409 and stale.json["current"]["by"] == source
    stale_form = browser.post(f"{book.url}/{quiz.id}/{enrolment.id}", {"version": "0", "points": "3"})
    assert stale_form.status_code == 409
    assert saved in stale_form.get_data(as_text=True)  # not "Saved by the quiz"


def test_history_page_filters_and_ignores_bad_values(browser: Browser, db: Session, make: Factory) -> None:
    book = make_book(db, make, students=2)
    other = make_book(db, make, students=1)
    book.grade(0, 0, 5)
    book.grade(1, 1, 6)
    browser.login(book.teacher)
    body = browser.get(f"{book.url}/history?student={book.enrolments[1].id}").get_data(as_text=True)
    assert "1 change" in body and "<strong>6</strong>" in body and "<strong>5</strong>" not in body
    body = browser.get(f"{book.url}/history?assessment={book.tasks[0].id}").get_data(as_text=True)
    assert "<strong>5</strong>" in body and "<strong>6</strong>" not in body
    for args in (
        f"student={other.enrolments[0].id}",  # another cohort's student: not a choice
        f"assessment={other.tasks[0].id}",
        "student=abc&assessment=-1",
        "page=-5",
        "page=99999999999999999999",
    ):
        response = browser.get(f"{book.url}/history?{args}")
        assert response.status_code == 200, args
        body = response.get_data(as_text=True)
        assert "2 changes" in body, args  # the bad filter is left out
        if "page" not in args:
            assert "Choose an option from the list." in body


def test_history_page_query_count_does_not_grow(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    counts = []
    for students in (2, 12):
        book = make_book(db, make, students=students, assessments=2)
        for s in range(students):
            book.grade(0, s, 5)
            book.grade(1, s, 6)
        counts.append(page_queries(browser, count_queries, book.teacher, f"{book.url}/history"))
    assert counts[0] == counts[1], counts


def test_history_is_for_the_cohorts_instructors_and_admins(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = make_book(db, make, students=1)
    book.grade(0, 0, 5)
    browser.login(Role.INSTRUCTOR)
    assert browser.get(f"{book.url}/history").status_code == 404
    browser.logout()
    browser.login(book.enrolments[0].student)  # even the student whose grade it is
    assert browser.get(f"{book.url}/history").status_code == 403
    browser.logout()
    browser.login(Role.ADMIN)
    assert browser.get(f"{book.url}/history").status_code == 200
