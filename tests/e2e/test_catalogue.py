"""The catalogue in a real browser: filter it with the form, open a cohort, check accessibility and phones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import BrowserTab, OpenTab
from tests.e2e.test_smoke import PHONE_WIDTH, assert_accessible

pytestmark = pytest.mark.e2e


def open_a_kpo_cohort(tab: BrowserTab) -> str:
    """Filter the catalogue to the KPO track through its form, then follow the first cohort link."""
    tab.goto("/")
    page = tab.page
    form = page.get_by_role("search")
    form.get_by_label("Track").select_option("kpo")
    form.get_by_role("button", name="Show courses").click()
    page.wait_for_url(re.compile(r"/\?.*track=kpo"))
    expect(form.get_by_label("Track")).to_have_value("kpo")
    cards = page.locator("article.course-card")
    expect(cards.first).to_be_visible()
    for badge in page.locator("article.course-card .badge.track").all_inner_texts():
        assert badge.strip() == "KPO"
    link = page.locator("a.cohort-link").first
    title = link.locator("xpath=ancestor::article").locator("h3").inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/cohorts/[^/?]+$"))
    expect(page.locator("h1")).to_have_text(title)
    return page.url.removeprefix(tab.base_url)


def test_filter_the_catalogue_and_open_a_cohort(tab: BrowserTab, axe_script: Path) -> None:
    tab.goto("/")
    assert_accessible(tab, axe_script)
    open_a_kpo_cohort(tab)
    page = tab.page
    expect(page.get_by_role("heading", name="Enrolment")).to_be_visible()
    expect(page.get_by_role("heading", name="Timetable")).to_be_visible()
    assert_accessible(tab, axe_script)
    tab.assert_no_problems()


def test_filtered_catalogue_has_no_serious_accessibility_violations(
    tab: BrowserTab, axe_script: Path
) -> None:
    tab.goto("/?region=nowhere&month=2026-13&track=kpo")  # field errors on show
    expect(tab.page.locator(".field.has-error").first).to_be_visible()
    assert_accessible(tab, axe_script)


def test_cohort_and_course_pages_fit_a_phone(open_tab: OpenTab, tab: BrowserTab) -> None:
    cohort = open_a_kpo_cohort(tab)
    course = tab.page.locator("nav.crumbs a").nth(1).get_attribute("href")
    assert course is not None
    phone = open_tab(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True, has_touch=True)
    for path in (cohort, course, "/?track=kpo"):
        phone.goto(path)
        width = phone.page.evaluate(
            "async () => { await document.fonts.ready; return document.scrollingElement.scrollWidth; }"
        )
        assert width <= PHONE_WIDTH, f"{path} is {width}px wide at a {PHONE_WIDTH}px viewport"
