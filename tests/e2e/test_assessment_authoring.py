"""An administrator authors assessments in a real browser on a phone: forms without JavaScript,
no horizontal scrolling at 360 px, and no serious accessibility problem on the pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OpenTab, SignIn
from tests.e2e.test_smoke import PHONE_WIDTH, assert_accessible

pytestmark = pytest.mark.e2e
ADMIN_EMAIL = "admin@demo.academy.uz"


def test_an_admin_adds_a_quiz_with_a_question_on_a_phone(
    open_tab: OpenTab, sign_in: SignIn, axe_script: Path
) -> None:
    tab = open_tab(viewport={"width": PHONE_WIDTH, "height": 740}, java_script_enabled=True)
    page = tab.page
    sign_in(tab, ADMIN_EMAIL)
    tab.goto("/admin/courses")
    page.locator("table a[href^='/admin/courses/']").first.click()
    page.get_by_role("link", name="Assessments", exact=True).first.click()
    expect(page.locator("h1")).to_contain_text("Assessments of")
    listing = page.url

    page.get_by_role("link", name="Add an assessment").click()
    page.get_by_label("Kind").select_option("quiz")
    page.get_by_label("Title").fill("Phone quiz")
    page.get_by_label("Weight in the result, %").fill("0")
    page.get_by_label("Attempts allowed").fill("")
    assert_accessible(tab, axe_script)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("tr", has_text="Phone quiz")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    assert_accessible(tab, axe_script)

    page.locator("tr", has_text="Phone quiz").get_by_role("link", name="0 questions").click()
    page.get_by_role("link", name="Add a question").click()
    page.get_by_label("Question").fill("Which greeting suits a bank's customer?")
    page.get_by_label("Option 1").fill("Good morning, how can I help?")
    page.locator("input[name='options-0-correct']").check()
    page.get_by_label("Option 2").fill("Yo")
    assert_accessible(tab, axe_script)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The question has been added.")).to_be_visible()
    expect(page.get_by_text("Total points: 1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    page.goto(listing.replace("/assessments", "/policy"))
    expect(page.locator("h1")).to_contain_text("Grading policy of")
    assert_accessible(tab, axe_script)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    tab.assert_no_problems()
