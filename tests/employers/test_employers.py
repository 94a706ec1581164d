"""Employer registration and the academy's approval of companies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.employers import services
from academy.employers.models import Company, CompanyStatus
from tests.conftest import Browser, Factory

FORM = {
    "company_name": "Andijan QA Studio",
    "tax_id": "301234567",
    "website": "https://qa.example.uz",
    "region": "UZ-AN",
    "first_name": "Anvar",
    "last_name": "Mahmudov",
    "email": "hr@qa.example.uz",
    "phone": "",
    "locale": "en",
    "password": "hiring-passphrase",
    "confirm": "hiring-passphrase",
}


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.usefixtures("app_ctx")
def test_register_employer_creates_a_pending_company(db: Session) -> None:
    user = services.register_employer(
        db,
        company_name=" Silk Road Data Labs ",
        tax_id="305555555",
        website=None,
        region_code="UZ-TK",
        email="boss@silkroad.uz",
        password="hiring-passphrase",
        first_name="Dilshod",
        last_name="Aliyev",
        locale="ru",
    )
    assert user.role is Role.EMPLOYER and user.company is not None
    assert user.company.name == "Silk Road Data Labs" and user.company.status is CompanyStatus.PENDING


@pytest.mark.usefixtures("app_ctx")
@pytest.mark.parametrize("tax_id", ["12345678", "1234567890", "12345678a", ""])
def test_tax_id_must_be_nine_digits(db: Session, tax_id: str) -> None:
    with pytest.raises(services.InvalidTaxId):
        services.register_employer(
            db,
            company_name="X",
            tax_id=tax_id,
            website=None,
            region_code=None,
            email="a@b.uz",
            password="hiring-passphrase",
            first_name="A",
            last_name="B",
            locale="en",
        )


@pytest.mark.usefixtures("app_ctx")
def test_decisions(db: Session, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    company = make.company()
    services.decide_company(db, company, approve=False, by=admin, note="  Documents missing ")
    assert company.status is CompanyStatus.REJECTED and company.decision_note == "Documents missing"
    services.decide_company(db, company, approve=True, by=admin)
    assert company.status is CompanyStatus.APPROVED and company.decided_by_id == admin.id
    with pytest.raises(services.CompanyAlreadyDecided):
        services.decide_company(db, company, approve=False, by=admin)
    assert services.count_companies_by_status(db)[CompanyStatus.APPROVED] == 1


def test_employer_registers_through_the_form(browser: Browser, db: Session) -> None:
    response = browser.post("/employers/register", FORM)
    assert response.status_code == 302
    company = db.scalar(select(Company).where(Company.tax_id == "301234567"))
    assert company is not None and company.status is CompanyStatus.PENDING
    assert "Awaiting approval" in browser.get("/dashboard").get_data(as_text=True)


def test_bad_employer_form_writes_nothing(browser: Browser, db: Session) -> None:
    response = browser.post("/employers/register", dict(FORM, tax_id="12-34", website="not a url"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "exactly 9 digits" in body and "Enter a full address" in body
    assert count(db, Company) == 0 and count(db, User) == 0


def test_duplicate_tax_id_or_email_rolls_back_the_company(
    browser: Browser, db: Session, make: Factory
) -> None:
    make.company(tax_id="301234567")
    body = browser.post("/employers/register", FORM).get_data(as_text=True)
    assert "already registered" in body
    make.user(email="taken@qa.example.uz")
    body = browser.post(
        "/employers/register", dict(FORM, tax_id="309999999", email="taken@qa.example.uz")
    ).get_data(as_text=True)
    assert "already exists" in body
    assert count(db, Company) == 1  # the one made above, nothing half-written


def test_admin_approves_a_company_and_the_employer_sees_it(
    browser: Browser, db: Session, make: Factory
) -> None:
    employer = make.employer(CompanyStatus.PENDING)
    browser.login(Role.ADMIN)
    listing = browser.get("/admin/companies").get_data(as_text=True)
    assert employer.company is not None and employer.company.name in listing and employer.email in listing
    assert (
        browser.post(f"/admin/companies/{employer.company_id}/approve", {"note": "Checked"}).status_code
        == 302
    )
    db.expire_all()
    assert employer.company.status is CompanyStatus.APPROVED
    assert browser.post(f"/admin/companies/{employer.company_id}/reject").status_code == 409
    browser.logout()
    browser.login(employer)
    assert "Approved partner" in browser.get("/dashboard").get_data(as_text=True)


def test_company_decision_for_unknown_company_is_404(browser: Browser) -> None:
    browser.login(Role.ADMIN)
    assert browser.post("/admin/companies/424242/approve").status_code == 404
    assert browser.post("/admin/companies/424242/delete").status_code == 404
