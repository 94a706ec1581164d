"""The Weights page through the client: every weight in one form with its total, saved only together
(at 100 on a published course), bad rows and stale forms (409), and the single-assessment pages
pointing to it when a published course's total would move."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.courses.models import Course, CourseStatus
from academy.grading import authoring
from academy.grading.models import Assessment, AssessmentKind
from tests.conftest import Browser, Factory, QueryCounter
from tests.grading.test_authoring_views import base, form
from tests.grading.test_weights import course_with, weights_of


@pytest.fixture
def admin(browser: Browser) -> Browser:
    browser.login(Role.ADMIN)
    return browser


def url(course: Course) -> str:
    return f"{base(course)}/weights"


def posted(db: Session, course: Course, *weights: Any, **extra: Any) -> dict[str, Any]:
    """The form as the page draws it, with these weights typed in."""
    data: dict[str, Any] = {}
    for i, (a, weight) in enumerate(zip(authoring.assessments_of(db, course), weights, strict=True)):
        data |= {f"rows-{i}-assessment_id": a.id, f"rows-{i}-version": a.version, f"rows-{i}-weight": weight}
    return data | extra


def test_the_page_shows_every_weight_and_the_total(admin: Browser, db: Session, make: Factory) -> None:
    course = course_with(make, 60, 30)
    page = admin.get(url(course)).get_data(as_text=True)
    first, second = authoring.assessments_of(db, course)
    assert f'<label for="rows-0-weight">{first.title}</label>' in page
    assert 'name="rows-1-weight"' in page and 'value="30"' in page and f'value="{second.id}"' in page
    assert "<strong>90%</strong>" in page and "Not 100" in page
    assert "saved only when they total exactly 100" in page
    listing = admin.get(base(course)).get_data(as_text=True)
    assert f'href="{url(course)}"' in listing


def test_weights_are_saved_together(admin: Browser, db: Session, make: Factory) -> None:
    course = course_with(make, 60, 40)
    response = admin.post(url(course), posted(db, course, "70", "30"))
    assert response.status_code == 302 and response.location.endswith(base(course))
    assert weights_of(db, course) == [70, 30]
    assert "have been saved" in admin.get(base(course)).get_data(as_text=True)


def test_the_total_is_updated_without_saving(admin: Browser, db: Session, make: Factory) -> None:
    course = course_with(make, 60, 40)
    response = admin.post(url(course), posted(db, course, "25", "40", check="Update the total"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<strong>65%</strong>" in page and 'value="25"' in page
    assert weights_of(db, course) == [60, 40]


def test_a_published_course_saves_only_100(admin: Browser, db: Session, make: Factory) -> None:
    course = course_with(make, 60, 40)
    response = admin.post(url(course), posted(db, course, "50", "40"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "must total exactly 100. They total 90" in page
    assert weights_of(db, course) == [60, 40]
    draft = course_with(make, 60, 40, status=CourseStatus.DRAFT)
    assert "may total anything" in admin.get(url(draft)).get_data(as_text=True)
    assert admin.post(url(draft), posted(db, draft, "50", "40")).status_code == 302
    assert weights_of(db, draft) == [50, 40]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "Number must be between 0 and 100."),
        ("101", "Number must be between 0 and 100."),
        ("12.5", "Not a valid integer value."),
        ("", "This field is required."),
        ("ten", "Not a valid integer value."),
    ],
)
def test_bad_weights_are_shown_on_their_row(
    admin: Browser, db: Session, make: Factory, typed: str, message: str
) -> None:
    course = course_with(make, 60, 40)
    response = admin.post(url(course), posted(db, course, "60", typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f'<p class="error" id="rows-1-weight-err">{message}</p>' in page
    assert 'aria-invalid="true"' in page
    assert weights_of(db, course) == [60, 40]


def test_rows_that_are_not_the_courses_assessments_are_a_conflict(
    admin: Browser, db: Session, make: Factory
) -> None:
    course = course_with(make, 60, 40)
    other = course_with(make, 100)
    foreign = authoring.assessments_of(db, other)[0]
    full = posted(db, course, "100", "0")
    missing = {k: v for k, v in full.items() if not k.startswith("rows-1-")}
    swapped = full | {"rows-1-assessment_id": foreign.id, "rows-1-version": foreign.version}
    mangled = full | {"rows-1-assessment_id": "x"}
    extra = full | {"rows-2-assessment_id": foreign.id, "rows-2-version": 1, "rows-2-weight": "0"}
    for data in (missing, swapped, mangled, extra):
        response = admin.post(url(course), data)
        page = response.get_data(as_text=True)
        assert response.status_code == 409 and "have changed since this page was opened" in page
        assert 'value="60"' in page and foreign.title not in page  # the weights as they are
    assert weights_of(db, course) == [60, 40] and weights_of(db, other) == [100]


def test_a_stale_form_is_a_conflict(admin: Browser, db: Session, make: Factory) -> None:
    course = course_with(make, 60, 40)
    stale = posted(db, course, "50", "50")
    assert admin.post(url(course), posted(db, course, "70", "30")).status_code == 302
    response = admin.post(url(course), stale)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Someone else changed this" in page and 'value="70"' in page
    assert weights_of(db, course) == [70, 30]


def test_only_admins_reach_the_page(browser: Browser, make: Factory) -> None:
    course = course_with(make, 100)
    assert browser.get(url(course)).status_code == 302  # to the sign-in page
    browser.login(Role.INSTRUCTOR)
    assert browser.get(url(course)).status_code == 403
    assert browser.post(url(course), {}).status_code == 403


def test_an_unknown_course_is_not_found(admin: Browser) -> None:
    assert admin.get("/admin/courses/999999/assessments/weights").status_code == 404


def test_the_page_reads_a_fixed_number_of_queries(
    admin: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    course = course_with(make, 100)

    def measure() -> int:
        count_queries.statements.clear()
        assert admin.get(url(course)).status_code == 200
        return count_queries.count

    small = measure()
    for _ in range(5):
        make.assessment(course, AssessmentKind.EXAM, weight=0)
    assert measure() == small


def test_single_pages_point_to_the_weights_page_on_a_published_course(
    admin: Browser, db: Session, make: Factory
) -> None:
    course = course_with(make, 60, 40)
    first, second = authoring.assessments_of(db, course)
    edit = admin.post(
        f"{base(course)}/{first.id}/edit", form(kind="exam", weight="70", version=first.version)
    )
    page = edit.get_data(as_text=True)
    assert edit.status_code == 200 and 'id="weight-err">The course is published' in page
    assert f'href="{url(course)}"' in page
    added = admin.post(f"{base(course)}/new", form(weight="5"))
    assert added.status_code == 200 and "would make them 105" in added.get_data(as_text=True)
    assert admin.post(f"{base(course)}/new", form(weight="0")).status_code == 302
    deleted = admin.post(f"{base(course)}/{second.id}/delete", {"version": second.version})
    page = deleted.get_data(as_text=True)
    assert deleted.status_code == 409 and "would total 60" in page and f'href="{url(course)}"' in page
    assert db.get(Assessment, second.id) is not None and weights_of(db, course) == [60, 40, 0]
