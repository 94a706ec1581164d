"""Certificate verification in a real browser: the public page and the credential upload, on a phone too."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import BrowserTab, OpenTab
from tests.e2e.test_smoke import PHONE_WIDTH, assert_accessible

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def certificate(live_server: str, live_database: str) -> tuple[str, str]:
    """(verification code, signed JSON credential) of a valid demo certificate."""
    engine = create_engine(live_database)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT verification_code, credential FROM certificates WHERE status = 'valid' ORDER BY id")
        ).first()
    engine.dispose()
    assert row is not None, "the demo issues certificates"
    return row[0], row[1]


def page_width(tab: BrowserTab) -> int:
    return int(
        tab.page.evaluate(
            "async () => { await document.fonts.ready; return document.scrollingElement.scrollWidth; }"
        )
    )


def test_the_verification_page_is_accessible_and_fits_a_phone(
    open_tab: OpenTab, axe_script: Path, certificate: tuple[str, str]
) -> None:
    code, _credential = certificate
    phone = open_tab(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True, has_touch=True)
    phone.goto(f"/verify/{code}")
    expect(phone.page.locator(".verdict .badge")).to_have_text("Valid")
    assert page_width(phone) <= PHONE_WIDTH
    assert_accessible(phone, axe_script)
    phone.assert_no_problems()


def test_an_uploaded_credential_is_checked(
    open_tab: OpenTab, axe_script: Path, certificate: tuple[str, str], tmp_path: Path
) -> None:
    _code, credential = certificate
    upload = tmp_path / "certificate.ob3.json"
    upload.write_text(credential, encoding="utf-8")
    phone = open_tab(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True, has_touch=True)
    phone.goto("/verify")
    page = phone.page
    page.get_by_label("Credential file (.json or .jwt)").set_input_files(str(upload))
    page.get_by_role("button", name="Check credential").click()
    report = page.locator(".credential-report")
    expect(report).to_contain_text("Every check holds")
    expect(report.locator("tbody tr")).to_have_count(4)
    assert page_width(phone) <= PHONE_WIDTH
    assert_accessible(phone, axe_script)
    phone.assert_no_problems()
