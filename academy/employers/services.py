"""Partner companies: employer registration and the academy's approval of a company."""

from __future__ import annotations

import logging
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.auth.services import create_user
from academy.db import utcnow
from academy.employers.models import Company, CompanyStatus
from academy.errors import DomainError

log = logging.getLogger(__name__)

TAX_ID = re.compile(r"^[0-9]{9}$")


class CompanyExists(DomainError):
    message = _l("A company with this taxpayer number (INN) is already registered.")
    field = "tax_id"


class InvalidTaxId(DomainError):
    message = _l("The taxpayer number (INN) has exactly 9 digits.")
    field = "tax_id"


class CompanyAlreadyDecided(DomainError):
    message = _l("This company has already been approved.")
    status = 409


def register_employer(
    session: Session,
    *,
    company_name: str,
    tax_id: str,
    website: str | None,
    region_code: str | None,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    locale: str,
    phone: str | None = None,
) -> User:
    """A new partner company, pending approval, and its first member."""
    tax_id = tax_id.strip()
    if not TAX_ID.match(tax_id):
        raise InvalidTaxId()
    if session.scalar(select(Company.id).where(Company.tax_id == tax_id)) is not None:
        raise CompanyExists()
    company = Company(
        name=company_name.strip(),
        tax_id=tax_id,
        website=(website or "").strip() or None,
        region_code=region_code,
        status=CompanyStatus.PENDING,
    )
    session.add(company)
    session.flush()
    user = create_user(
        session,
        role=Role.EMPLOYER,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        region_code=region_code,
        locale=locale,
        company_id=company.id,
    )
    log.info("company %s registered by user %s, pending approval", company.id, user.id)
    return user


def decide_company(
    session: Session, company: Company, approve: bool, by: User, note: str | None = None
) -> None:
    """Approve or reject a company. A rejected company may be approved later; an approved one stays."""
    if company.status is CompanyStatus.APPROVED:
        raise CompanyAlreadyDecided()
    company.status = CompanyStatus.APPROVED if approve else CompanyStatus.REJECTED
    company.decision_note = (note or "").strip() or None
    company.decided_at = utcnow()
    company.decided_by_id = by.id
    session.flush()
    log.info("company %s %s by admin %s", company.id, company.status.value, by.id)


def count_companies_by_status(session: Session) -> dict[CompanyStatus, int]:
    rows = session.execute(select(Company.status, func.count()).group_by(Company.status)).all()
    counts = dict.fromkeys(CompanyStatus, 0)
    counts.update({status: n for status, n in rows})
    return counts
