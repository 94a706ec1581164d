"""Input no page of the academy takes: a NUL character anywhere is a 400 before any view runs."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from tests.conftest import Browser


def test_a_nul_character_in_a_form_or_the_address_is_a_bad_request(browser: Browser, db: Session) -> None:
    users = db.scalar(select(func.count()).select_from(User))
    form = {
        "email": "new\x00@example.uz",
        "password": "correct-horse-42",
        "first_name": "Ali",
        "last_name": "Valiyev",
        "locale": "uz",
    }
    assert browser.post("/register", form).status_code == 400
    assert db.scalar(select(func.count()).select_from(User)) == users  # nothing was written
    assert browser.get("/?q=kontakt%00").status_code == 400
    assert browser.get("/?q=%00%ff").status_code == 400
    assert browser.get("/cohorts/X%00Y").status_code == 400
    assert browser.get("/?q=kontakt").status_code == 200  # the same page without it is fine
    browser.login(Role.STUDENT)
    assert browser.post("/account", {"current_password": "a\x00"}).status_code == 400
