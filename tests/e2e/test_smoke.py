"""Smoke tests in a real browser: the public pages, signing in, accessibility, small screens, languages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import STUDENT_EMAIL, BrowserTab, OpenTab, SignIn

pytestmark = pytest.mark.e2e

# axe impacts that fail the build; "minor" and "moderate" ones are left to review.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
PHONE_WIDTH = 360


def run_axe(tab: BrowserTab, axe_script: Path) -> list[dict[str, Any]]:
    """axe-core's violations on the current page."""
    tab.page.add_script_tag(path=str(axe_script))
    results: dict[str, Any] = tab.page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return list(results["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            lines.append("        " + node["failureSummary"].replace("\n", "\n        "))
    return "\n".join(lines)


def assert_accessible(tab: BrowserTab, axe_script: Path) -> None:
    blocking = [v for v in run_axe(tab, axe_script) if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe found serious or critical violations on {tab.page.url}:\n{describe(blocking)}"


def test_home_page_loads_in_english_without_errors(tab: BrowserTab) -> None:
    tab.goto("/")
    page = tab.page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    tab.assert_no_problems()


def test_student_signs_in_through_the_form(tab: BrowserTab, sign_in: SignIn) -> None:
    sign_in(tab, STUDENT_EMAIL)
    expect(tab.page.locator("h1")).to_have_text("Hello, Dilnoza")
    tab.assert_no_problems()


@pytest.mark.parametrize("path", ["/", "/login"])
def test_public_page_has_no_serious_accessibility_violations(
    tab: BrowserTab, axe_script: Path, path: str
) -> None:
    tab.goto(path)
    assert_accessible(tab, axe_script)


def test_dashboard_has_no_serious_accessibility_violations(
    tab: BrowserTab, axe_script: Path, sign_in: SignIn
) -> None:
    sign_in(tab, STUDENT_EMAIL)
    assert_accessible(tab, axe_script)


@pytest.mark.parametrize("path", ["/", "/login"])
def test_no_horizontal_scroll_on_a_phone(open_tab: OpenTab, path: str) -> None:
    tab = open_tab(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True, has_touch=True)
    tab.goto(path)
    scroll_width = tab.page.evaluate(
        "async () => { await document.fonts.ready; return document.scrollingElement.scrollWidth; }"
    )
    assert scroll_width <= PHONE_WIDTH, f"{path} is {scroll_width}px wide at a {PHONE_WIDTH}px viewport"


def test_language_switcher_changes_the_page_language(tab: BrowserTab) -> None:
    tab.goto("/login")
    page = tab.page
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")
    switcher = page.locator("form[action$='/language']")
    for code in ("ru", "uz", "en"):
        with page.expect_response(lambda response: response.url == f"{tab.base_url}/language"):
            switcher.locator(f"button[value='{code}']").click()
        expect(html).to_have_attribute("lang", code)
        # The switcher brings the reader back to the page they were on.
        expect(page).to_have_url(f"{tab.base_url}/login")
    tab.assert_no_problems()
