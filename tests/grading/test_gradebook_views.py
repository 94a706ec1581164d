"""The gradebook page: what the cells say, sorting and filtering (bad values never a 500), a fixed
number of queries, its languages; saves with ids from elsewhere (404), other instructors (404),
students and employers (403). Saving cells themselves: test_gradebook_cells.py."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts.models import EnrolmentStatus
from academy.db import utcnow
from academy.grading.models import AssessmentKind, Grade, Submission
from academy.grading.services import grade_of
from tests.conftest import Browser, Factory, QueryCounter
from tests.grading.gradebook_helpers import JSON, cell_link, make_book, save


def names_in_order(body: str) -> list[str]:
    return re.findall(r'<tr><th scope="row">(\w+) ', body)


# -- the page --------------------------------------------------------------------------------------


def test_the_page_shows_every_cell_with_its_link_version_and_the_results(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = make_book(db, make)
    book.grade(0, 0, 15)
    book.grade(1, 0, 10)
    book.grade(1, 1, excused=True)
    browser.login(book.teacher)
    response = browser.get(book.url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    # Cells link (without JavaScript) to the per-student grading view, exactly at this path.
    assert f'<td class="g"><a href="{cell_link(book, 0, 0)}" data-v="1">15</a>' in body
    assert f'<td class="x"><a href="{cell_link(book, 1, 1)}" data-v="1">excused</a>' in body
    assert f'<a href="{cell_link(book, 0, 2)}" data-v="0">—</a>' in body
    # Karimov: 15/20 and 10/20 at weights 50/50 make 62.5 %.
    row = body[body.index("Karimov") :]
    row = row[: row.index("</tr>")]
    assert '<td class="num pc">62.5</td>' in row
    for column in book.tasks:
        assert f'href="{book.url}/assessments/{column.id}">{column.title}</a>' in body
    assert "Hidden" in body and "50% · max 20" in body
    assert 'src="/static/js/gradebook.js"' in body and 'name="csrf-token"' in body
    assert "<script>" not in body and "style=" not in body
    for link in ("export.csv", "export.xlsx", "import"):  # export and import, from the page itself
        assert f'"{book.url}/{link}"' in body
    assert body.count("1 · 0") == 1 and "2 · 0" in body  # graded · to grade per column


def test_cells_say_late_missing_and_handed_in(browser: Browser, db: Session, make: Factory) -> None:
    book = make_book(db, make, students=4, kinds=(AssessmentKind.ASSIGNMENT,), assessments=1)
    task = book.tasks[0]
    task.due_day = 2  # the cohort started two weeks ago: long overdue
    due = book.cohort.starts_on + timedelta(days=2)
    late = utcnow() - timedelta(days=10)
    assert late.date() > due
    db.add(Submission(assessment_id=task.id, enrolment_id=book.enrolments[0].id, submitted_at=late))
    db.add(Submission(assessment_id=task.id, enrolment_id=book.enrolments[1].id, submitted_at=late))
    db.flush()
    book.grade(0, 0, 18)
    browser.login(book.teacher)
    body = browser.get(book.url).get_data(as_text=True)
    assert re.search(r'<td class="l"><a [^>]+>18 <small>late by \d+ days</small></a>', body)
    assert f'<td class="t"><a href="{cell_link(book, 0, 1)}" data-v="0">handed in, to grade</a>' in body
    assert f'<td class="m"><a href="{cell_link(book, 0, 2)}" data-v="0">missing</a>' in body


def test_sorting_by_name_result_and_a_column_both_ways(browser: Browser, db: Session, make: Factory) -> None:
    book = make_book(db, make, students=4)
    book.grade(0, 0, 10)  # Karimov
    book.grade(0, 1, 20)  # Aliyeva
    book.grade(0, 2, 5)  # Nazarov; Bakirova has none
    browser.login(book.teacher)
    assert names_in_order(browser.get(book.url).get_data(as_text=True)) == [
        "Aliyeva",
        "Bakirova",
        "Karimov",
        "Nazarov",
    ]
    by_name_desc = browser.get(f"{book.url}?sort=name&dir=desc").get_data(as_text=True)
    assert names_in_order(by_name_desc) == ["Nazarov", "Karimov", "Bakirova", "Aliyeva"]
    column = f"a{book.tasks[0].id}"
    ascending = browser.get(f"{book.url}?sort={column}").get_data(as_text=True)
    assert names_in_order(ascending) == ["Nazarov", "Karimov", "Aliyeva", "Bakirova"]  # none last
    descending = browser.get(f"{book.url}?sort={column}&dir=desc").get_data(as_text=True)
    assert names_in_order(descending) == ["Aliyeva", "Karimov", "Nazarov", "Bakirova"]
    assert 'aria-sort="descending"' in descending
    by_result = browser.get(f"{book.url}?sort=percent&dir=desc").get_data(as_text=True)
    assert names_in_order(by_result) == ["Aliyeva", "Karimov", "Nazarov", "Bakirova"]
    # The sort links keep the filters and flip the current order.
    filtered = browser.get(f"{book.url}?q=ov&sort=percent").get_data(as_text=True)
    assert "?q=ov&amp;sort=percent&amp;dir=desc" in filtered


def test_filters_by_text_result_state_needs_grading_and_status(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = make_book(db, make, students=4, assessments=1, kinds=(AssessmentKind.ASSIGNMENT,))
    book.grade(0, 0, 20)  # Karimov: passed (everything graded)
    book.grade(0, 1, 1)  # Aliyeva: failed
    db.add(Submission(assessment_id=book.tasks[0].id, enrolment_id=book.enrolments[2].id))  # Nazarov
    book.enrolments[3].status = EnrolmentStatus.COMPLETED  # Bakirova
    db.flush()
    browser.login(book.teacher)

    def shown(args: str) -> list[str]:
        response = browser.get(f"{book.url}?{args}")
        assert response.status_code == 200
        return names_in_order(response.get_data(as_text=True))

    assert shown("q=KARIM") == ["Karimov"]
    assert shown(f"q={book.enrolments[1].student.email}") == ["Aliyeva"]
    assert shown("state=passed") == ["Karimov"]
    assert shown("state=failed") == ["Aliyeva"]
    assert shown("state=in_progress") == ["Bakirova", "Nazarov"]
    assert shown("needs=y") == ["Nazarov"]
    assert shown("status=completed") == ["Bakirova"]
    assert shown("q=nobody-at-all") == []
    assert "No student matches these filters." in browser.get(f"{book.url}?q=zzz").get_data(as_text=True)


def test_an_ungraded_exam_needs_grading_as_the_grading_view_counts_it(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = make_book(db, make, students=2, assessments=1)  # one practical exam: nothing is handed in
    book.grade(0, 0, 15)
    browser.login(book.teacher)
    body = browser.get(f"{book.url}?needs=y").get_data(as_text=True)
    graded, waiting = (e.student.last_name for e in book.enrolments[:2])
    assert names_in_order(body) == [waiting]
    grading_view = browser.get(f"{book.url}/{book.tasks[0].id}/{book.enrolments[1].id}")
    assert "(1)" in grading_view.get_data(as_text=True)  # "only work waiting for a grade (1)"
    assert graded not in names_in_order(body)


@pytest.mark.parametrize(
    "args",
    [
        "sort=nonsense",
        "sort=a999999&dir=sideways",
        "sort=a&dir=",
        "state=graduated",
        "status=withdrawn",
        "needs=maybe",
        "q=" + "x" * 5000,
        "q=%ff",
        "sort[]=1&state=passed&state=failed",
    ],
)
def test_bad_query_values_are_ignored_or_field_errors(
    browser: Browser, db: Session, make: Factory, args: str
) -> None:
    book = make_book(db, make)
    browser.login(book.teacher)
    response = browser.get(f"{book.url}?{args}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    if "state=graduated" in args or "status=withdrawn" in args:
        assert "Choose an option from the list." in body
        assert len(names_in_order(body)) == 3  # the bad filter is ignored


def test_query_count_does_not_grow_with_students_or_assessments(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    counts = []
    for students, assessments in ((3, 2), (30, 6)):
        book = make_book(db, make, students=students, assessments=assessments)
        for s in range(students):
            book.grade(s % assessments, s, 10)
        if browser.user:
            browser.logout()
        browser.login(book.teacher)
        browser.get(book.url)  # warm
        before = count_queries.count
        response = browser.get(f"{book.url}?sort=percent&state=in_progress")
        assert response.status_code == 200
        counts.append(count_queries.count - before)
    assert counts[0] == counts[1], counts


# -- ids from elsewhere and access ---------------------------------------------------------------------


def test_enrolments_and_assessments_of_elsewhere_are_404(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = make_book(db, make, students=2)
    other = make_book(db, make, students=1)
    same_course = make.cohort(course=book.cohort.course)
    stranger = make.enrolment(same_course)
    book.enrolments[1].status = EnrolmentStatus.WITHDRAWN
    db.flush()
    browser.login(book.teacher)
    for enrolment_id, assessment_id in (
        (other.enrolments[0].id, book.tasks[0].id),  # another cohort's student
        (stranger.id, book.tasks[0].id),  # another cohort of the same course
        (book.enrolments[0].id, other.tasks[0].id),  # another course's assessment
        (book.enrolments[1].id, book.tasks[0].id),  # withdrawn: not on the roster
        (999999, book.tasks[0].id),
        (book.enrolments[0].id, 999999),
    ):
        data = {"enrolment_id": enrolment_id, "assessment_id": assessment_id, "version": 0, "points": "5"}
        assert browser.post(f"{book.url}/cells", data, headers=JSON).status_code == 404
        assert browser.post(f"{book.url}/cells", data).status_code == 404
    assert db.scalar(select(func.count()).select_from(Grade)) == 0


def test_another_instructor_gets_404_and_students_and_employers_403(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = make_book(db, make, students=1)
    book.grade(0, 0, 5)
    urls = [
        book.url,
        f"{book.url}/history",
        f"{book.url}/assessments/{book.tasks[0].id}",
    ]
    cell = {
        "enrolment_id": book.enrolments[0].id,
        "assessment_id": book.tasks[0].id,
        "version": 1,
        "points": "1",
    }
    browser.login(Role.INSTRUCTOR)
    for url in urls:
        assert browser.get(url).status_code == 404, url
    assert browser.post(f"{book.url}/cells", cell, headers=JSON).status_code == 404
    assert browser.post(f"{book.url}/cells", cell).status_code == 404
    for role in (Role.STUDENT, Role.EMPLOYER):
        browser.logout()
        browser.login(role)
        for url in urls:
            assert browser.get(url).status_code == 403, (role, url)
        assert browser.post(f"{book.url}/cells", cell).status_code == 403
    grade = grade_of(db, book.tasks[0].id, book.enrolments[0].id)
    assert grade is not None and grade.points == 5


def test_admin_sees_any_gradebook(browser: Browser, db: Session, make: Factory) -> None:
    book = make_book(db, make, students=1)
    browser.login(Role.ADMIN)
    assert browser.get(book.url).status_code == 200
    assert save(browser, book, 0, 0, "4", 0).status_code == 200


def test_the_gradebook_is_linked_from_the_cohort_page_and_the_dashboard(
    browser: Browser, db: Session, make: Factory
) -> None:
    book = make_book(db, make, students=1)
    browser.login(book.teacher)
    assert f'href="{book.url}"' in browser.get(f"/teach/cohorts/{book.cohort.code}").get_data(as_text=True)
    assert f'href="{book.url}"' in browser.get("/dashboard").get_data(as_text=True)


@pytest.mark.parametrize(
    ("locale", "title", "decimal"), [("uz", "Baholar jurnali", "7,5"), ("ru", "Журнал оценок", "7,5")]
)
def test_the_pages_in_uzbek_and_russian(
    browser: Browser, db: Session, make: Factory, locale: str, title: str, decimal: str
) -> None:
    book = make_book(db, make, students=2)
    book.grade(0, 0, 7.5)
    book.grade(1, 1, excused=True)
    book.teacher.locale = locale
    db.flush()
    browser.login(book.teacher)
    body = browser.get(book.url).get_data(as_text=True)
    assert f"<h1>{title}</h1>" in body and f'data-v="1">{decimal}</a>' in body
    for url in (f"{book.url}/history", f"{book.url}/assessments/{book.tasks[0].id}"):
        assert browser.get(url).status_code == 200, url
    stale = save(browser, book, 0, 0, "3", 0)
    assert stale.status_code == 409 and stale.json["current"]["display"] == decimal
    cell = {"enrolment_id": book.enrolments[0].id, "assessment_id": book.tasks[0].id, "version": 0}
    assert browser.post(f"{book.url}/cells", {**cell, "points": "3"}).status_code == 409
