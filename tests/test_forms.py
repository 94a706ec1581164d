"""WTForms' own messages reach every reader in their language, and no number typed into a form, however
long, answers 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.courses.models import Course
from academy.grading import authoring
from tests.conftest import Browser, Factory
from tests.courses.test_authoring_views import course_form
from tests.grading.test_weights import course_with
from tests.grading.test_weights_views import posted, url

HUGE = "9" * 400  # too large for a float: WTForms' range check used to raise OverflowError on it


@pytest.mark.parametrize(
    ("locale", "changes", "message"),
    [
        ("uz", {"hours": "many"}, "Butun son kiriting."),
        ("ru", {"hours": "many"}, "Введите целое число."),
        ("uz", {"pass_mark": "101"}, "Son 0 dan 100 gacha boʻlishi kerak."),
        ("ru", {"pass_mark": "101"}, "Число должно быть от 0 до 100."),
        ("en", {"pass_mark": "101"}, "Number must be between 0 and 100."),
        ("uz", {"language": "de"}, "Roʻyxatdagi qiymatlardan birini tanlang."),
        ("uz", {"title_uz": ""}, "Bu maydonni toʻldirish shart."),
        ("ru", {"prerequisites": ["999999"]}, "«999999» — недопустимый вариант."),
        ("ru", {"code": "BPO-" + "X" * 60}, "Введите не более"),
    ],
)
def test_form_errors_are_in_the_readers_language(
    browser: Browser, db: Session, make: Factory, locale: str, changes: dict[str, object], message: str
) -> None:
    browser.login(make.user(Role.ADMIN, locale=locale))
    before = db.scalar(select(func.count()).select_from(Course))
    response = browser.post("/admin/courses/new", course_form(db, **changes))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and f'<html lang="{locale}">' in body
    assert message in body, (changes, body[:2000])
    assert db.scalar(select(func.count()).select_from(Course)) == before


def test_a_list_row_speaks_the_readers_language(browser: Browser, db: Session, make: Factory) -> None:
    browser.login(make.user(Role.ADMIN, locale="uz"))
    course = course_with(make, 60, 40)
    response = browser.post(url(course), posted(db, course, "60", "abc"))
    assert response.status_code == 200 and "Butun son kiriting." in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["pass_mark", "hours", "certificate_valid_months"])
def test_a_number_of_hundreds_of_digits_is_a_field_error(browser: Browser, db: Session, field: str) -> None:
    browser.login(Role.ADMIN)
    for value in (HUGE, "-" + HUGE):
        response = browser.post("/admin/courses/new", course_form(db, **{field: value}))
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and "Number must be between" in body, field


def test_a_huge_weight_is_a_field_error(browser: Browser, db: Session, make: Factory) -> None:
    browser.login(Role.ADMIN)
    course = course_with(make, 60, 40)
    for extra in ({}, {"check": "1"}):
        response = browser.post(url(course), posted(db, course, HUGE, "40", **extra))
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and "Number must be between 0 and 100." in body
    db.expire_all()
    assert [a.weight for a in authoring.assessments_of(db, course)] == [60, 40]
