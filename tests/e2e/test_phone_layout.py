"""Pages that a phone showed badly: tables that widened the page, label columns that squeezed values,
filters that cut their choices, blocks stuck to the next one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import STUDENT_EMAIL, BrowserTab, OpenTab, SignIn
from tests.e2e.test_smoke import PHONE_WIDTH, assert_accessible
from tests.e2e.test_verify import page_width

pytestmark = pytest.mark.e2e

ADMIN_EMAIL = "admin@demo.academy.uz"
INSTRUCTOR_EMAIL = "instructor@demo.academy.uz"


def open_phone(open_tab: OpenTab) -> BrowserTab:
    return open_tab(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True, has_touch=True)


@pytest.fixture(scope="module")
def revoked_code(live_server: str, live_database: str) -> str:
    """The verification code of a certificate whose page lists every detail, a reason included."""
    engine = create_engine(live_database)
    with engine.connect() as connection:
        code = connection.execute(
            text("SELECT verification_code FROM certificates ORDER BY status = 'revoked' DESC, id")
        ).scalar()
    engine.dispose()
    assert code is not None, "the demo issues certificates"
    return str(code)


def test_admin_tables_scroll_inside_their_box_on_a_phone(
    open_tab: OpenTab, sign_in: SignIn, axe_script: Path
) -> None:
    """The visually hidden "Actions" header sat at the table's far edge and widened the whole page."""
    phone = open_phone(open_tab)
    sign_in(phone, ADMIN_EMAIL)
    for path in ("/admin/users", "/admin/cohorts", "/admin/certificates"):
        phone.goto(path)
        assert page_width(phone) <= PHONE_WIDTH, f"{path} is {page_width(phone)}px wide on a phone"
    assert_accessible(phone, axe_script)
    phone.assert_no_problems()


def test_certificate_details_leave_room_for_the_values_in_russian(
    open_tab: OpenTab, revoked_code: str, axe_script: Path
) -> None:
    """Long Russian labels took most of the row and broke names into a few letters a line."""
    phone = open_phone(open_tab)
    phone.goto(f"/verify/{revoked_code}")
    page = phone.page
    page.locator("form.lang-switch button[value='ru']").click()
    page.wait_for_function("document.documentElement.lang === 'ru'")
    squeezed = page.evaluate(
        """() => [...document.querySelectorAll('dl.details')].flatMap(dl => {
             const row = dl.getBoundingClientRect().width;
             return [...dl.querySelectorAll(':scope > dd')]
               .filter(dd => dd.getBoundingClientRect().width < row / 2)
               .map(dd => dd.innerText.slice(0, 30));
           })"""
    )
    assert squeezed == [], f"values squeezed into less than half the row: {squeezed}"
    assert page_width(phone) <= PHONE_WIDTH
    assert_accessible(phone, axe_script)
    phone.assert_no_problems()


def test_weekday_boxes_fit_their_russian_names_on_a_phone(
    open_tab: OpenTab, sign_in: SignIn, axe_script: Path
) -> None:
    """ "Понедельник" ran into the next box when the weekdays sat in fixed 7rem columns."""
    phone = open_phone(open_tab)
    sign_in(phone, INSTRUCTOR_EMAIL)  # the demo instructor reads Russian
    phone.goto("/teach")
    cohort = phone.page.locator("a[href^='/teach/cohorts/']").first.get_attribute("href")
    assert cohort is not None
    phone.goto(f"{cohort}/sessions/series")
    boxes = phone.page.locator(".check-list.weekdays li")
    assert boxes.count() == 7
    overflowing = boxes.evaluate_all(
        "items => items.filter(li => li.scrollWidth > li.clientWidth).map(li => li.innerText)"
    )
    assert overflowing == [], f"weekday labels wider than their box: {overflowing}"
    assert page_width(phone) <= PHONE_WIDTH
    assert_accessible(phone, axe_script)
    phone.assert_no_problems()


def test_catalogue_filters_show_their_whole_choice_in_uzbek_on_a_phone(
    open_tab: OpenTab, axe_script: Path
) -> None:
    """Two columns of selects at 360px cut "Barcha hududlar" to "Barcha hudud…"; one column fits it."""
    phone = open_phone(open_tab)
    phone.goto("/")
    page = phone.page
    page.locator("form.lang-switch button[value='uz']").click()
    page.wait_for_function("document.documentElement.lang === 'uz'")
    selects = page.locator(".filter-grid select")
    assert selects.count() >= 4
    cut = selects.evaluate_all(
        """selects => selects.filter(select => {
             const style = getComputedStyle(select);
             const probe = document.createElement('span');
             probe.style.font = style.font;
             probe.style.whiteSpace = 'nowrap';
             probe.textContent = select.options[select.selectedIndex].text;
             document.body.append(probe);
             const text = probe.getBoundingClientRect().width;
             probe.remove();
             // the text, the side paddings and the arrow (about 1.5rem) must fit in the box
             const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
             return text + 24 > room;
           }).map(select => select.options[select.selectedIndex].text)"""
    )
    assert cut == [], f"filter choices cut on a phone: {cut}"
    assert page_width(phone) <= PHONE_WIDTH
    assert_accessible(phone, axe_script)
    phone.assert_no_problems()


def test_catalogue_filters_keep_two_columns_on_a_wider_phone(open_tab: OpenTab) -> None:
    """The single column is for narrow phones only: from about 420px the selects pair up again."""
    tab = open_tab(viewport={"width": 480, "height": 800}, is_mobile=True, has_touch=True)
    tab.goto("/")
    tops = tab.page.locator(".filter-grid select").evaluate_all(
        "selects => selects.map(select => Math.round(select.getBoundingClientRect().top))"
    )
    assert len(set(tops)) < len(tops), f"each select on its own row at 480px: {tops}"
    tab.assert_no_problems()


@pytest.fixture(scope="module")
def spaced_pages(live_server: str, live_database: str) -> tuple[str, str]:
    """A cohort's certificates page, and an ungraded assessment with instructions of the demo student
    (its status is right above the instructions)."""
    engine = create_engine(live_database)
    with engine.connect() as connection:
        cohort = connection.execute(
            text("SELECT c.code FROM cohorts c JOIN certificates x ON x.cohort_id = c.id ORDER BY c.id")
        ).scalar()
        task = connection.execute(
            text(
                "SELECT c.code, a.id FROM enrolments e JOIN users u ON u.id = e.student_id"
                " JOIN cohorts c ON c.id = e.cohort_id JOIN assessments a ON a.course_id = c.course_id"
                " LEFT JOIN grades g ON g.assessment_id = a.id AND g.enrolment_id = e.id"
                " WHERE u.email = :email AND a.instructions_html != '' AND g.id IS NULL"
                " ORDER BY e.id, a.position"
            ),
            {"email": STUDENT_EMAIL},
        ).first()
    engine.dispose()
    assert cohort is not None and task is not None, "the demo issues certificates and sets tasks"
    return f"/teach/cohorts/{cohort}/certificates", f"/my/cohorts/{task[0]}/assessments/{task[1]}"


GAP = """([above, below]) => {
  const a = document.querySelector(above), b = document.querySelector(below);
  return b.getBoundingClientRect().top - a.getBoundingClientRect().bottom;
}"""


def test_blocks_keep_a_gap_between_them_on_a_phone(
    open_tab: OpenTab, sign_in: SignIn, spaced_pages: tuple[str, str]
) -> None:
    """The status badge touched "Instructions", "Invite staff" the search label, "Issue certificates"
    the table."""
    certificates, assessment = spaced_pages
    phone = open_phone(open_tab)
    sign_in(phone, ADMIN_EMAIL)
    checks = [
        ("/admin/users", ".title-row .button", ".filters label"),
        (certificates, "main form .button", ".table-scroll"),
    ]
    for path, above, below in checks:
        phone.goto(path)
        gap = phone.page.evaluate(GAP, [above, below])
        assert gap >= 16, f"{path}: only {gap}px between {above} and {below}"
    student = open_phone(open_tab)
    sign_in(student, STUDENT_EMAIL)
    student.goto(assessment)
    gap = student.page.evaluate(
        """() => {
          const title = document.querySelector('#instructions-title');
          const above = title.closest('section').previousElementSibling;
          if (!above.matches('.work-standing')) throw new Error('no status right above: ' + above.outerHTML);
          return title.getBoundingClientRect().top - above.getBoundingClientRect().bottom;
        }"""
    )
    assert gap >= 16, f"{assessment}: only {gap}px above the instructions"
    phone.assert_no_problems()
    student.assert_no_problems()
