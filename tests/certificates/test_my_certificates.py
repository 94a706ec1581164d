"""A student's "My certificates": their own only, with the share link and "Add to LinkedIn"."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.certificates.models import Certificate
from academy.certificates.services import issue_certificate, revoke_certificate
from academy.cohorts.timetable import to_local
from academy.db import utcnow
from tests.certificates.conftest import Finished, finished_cohort
from tests.conftest import Browser, Factory, QueryCounter

LINKEDIN = re.compile(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)" rel="noopener noreferrer"')


def _issued(graduated: Finished, **user: object) -> Certificate:
    return graduated.certify(points=91, **user)


def test_only_own_certificates_with_links(app: Flask, browser: Browser, graduated: Finished) -> None:
    graduated.course.title_en = "Customer care & sales: level 2"
    mine = _issued(graduated)
    other = _issued(graduated)
    browser.login(mine.enrolment.student)
    page = browser.get("/my/certificates").get_data(as_text=True)
    assert mine.serial in page and other.serial not in page
    assert other.verification_code not in page
    share = f"{app.config['BASE_URL']}/verify/{mine.verification_code}"
    assert f'href="{share}"' in page

    match = LINKEDIN.search(page)
    assert match is not None
    url = urlsplit(html.unescape(match.group(1)))
    query = {key: values[0] for key, values in parse_qs(url.query, strict_parsing=True).items()}
    issued = to_local(mine.issued_at)
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Customer care & sales: level 2",
        "organizationName": "BPO/KPO Academy",
        "issueYear": str(issued.year),
        "issueMonth": str(issued.month),
        "certUrl": share,
        "certId": mine.serial,
    }


def test_a_revoked_certificate_is_listed_without_share_links(
    browser: Browser, db: Session, graduated: Finished
) -> None:
    certificate = _issued(graduated)
    revoke_certificate(db, certificate, graduated.admin, "fraud", certificate.version, utcnow())
    browser.login(certificate.enrolment.student)
    page = browser.get("/my/certificates").get_data(as_text=True)
    assert certificate.serial in page and "Revoked" in page
    assert "linkedin.com" not in page and certificate.verification_code not in page


def test_without_certificates(browser: Browser) -> None:
    browser.login(Role.STUDENT)
    page = browser.get("/my/certificates").get_data(as_text=True)
    assert "You have no certificate yet." in page
    assert "/my/certificates" in browser.get("/dashboard").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.ADMIN, Role.EMPLOYER])
def test_other_roles_are_refused(browser: Browser, role: Role) -> None:
    browser.login(role)
    assert browser.get("/my/certificates").status_code == 403


def test_queries_do_not_grow_with_certificates(
    app: Flask, browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    counts = []
    for cohorts in (1, 4):
        student = make.user(Role.STUDENT)
        for _ in range(cohorts):
            graduated = finished_cohort(db, make)
            enrolment = graduated.student(points=80)
            enrolment.student = student
            db.flush()
            with app.app_context():
                issue_certificate(db, enrolment, graduated.admin, utcnow())
        if browser.user:
            browser.logout()
        browser.login(student)
        before = count_queries.count
        page = browser.get("/my/certificates").get_data(as_text=True)
        assert page.count("linkedin.com/profile/add") == cohorts
        counts.append(count_queries.count - before)
    assert counts[0] == counts[1], counts
