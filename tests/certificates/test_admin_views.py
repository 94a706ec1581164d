"""Administrators revoke and reissue certificates with a reason, from a searchable list."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.certificates.models import Certificate, CertificateEvent, CertificateEventKind, CertificateStatus
from tests.certificates.conftest import Finished, finished_cohort
from tests.conftest import Browser, Factory, QueryCounter


def _issued(graduated: Finished, **user: object) -> Certificate:
    return graduated.certify(points=88, **user)


def _events(db: Session, certificate: Certificate) -> list[tuple[CertificateEventKind, str]]:
    return [
        (e.kind, e.reason)
        for e in db.scalars(
            select(CertificateEvent)
            .where(CertificateEvent.certificate_id == certificate.id)
            .order_by(CertificateEvent.id)
        )
    ]


def test_revoke_with_a_reason_is_audited(browser: Browser, db: Session, graduated: Finished) -> None:
    certificate = _issued(graduated)
    browser.login(graduated.admin)
    url = f"/admin/certificates/{certificate.id}/revoke"
    page = browser.get(url).get_data(as_text=True)
    assert certificate.serial in page and 'name="version" type="hidden" value="1"' in page
    response = browser.post(url, {"reason": "Exam fraud", "version": "1"})
    assert response.status_code == 302
    db.expire_all()
    assert certificate.status is CertificateStatus.REVOKED and certificate.revoked_reason == "Exam fraud"
    assert certificate.revoked_by_id == graduated.admin.id
    assert _events(db, certificate)[-1] == (CertificateEventKind.REVOKED, "Exam fraud")
    listed = browser.get("/admin/certificates?status=revoked").get_data(as_text=True)
    assert certificate.serial in listed and "Revoked" in listed


def test_revoke_without_a_reason_changes_nothing(browser: Browser, db: Session, graduated: Finished) -> None:
    certificate = _issued(graduated)
    browser.login(graduated.admin)
    response = browser.post(f"/admin/certificates/{certificate.id}/revoke", {"reason": "  ", "version": "1"})
    assert response.status_code == 200
    assert "Give a reason." in response.get_data(as_text=True)
    db.expire_all()
    assert certificate.status is CertificateStatus.VALID and certificate.version == 1
    assert [kind for kind, _ in _events(db, certificate)] == [CertificateEventKind.ISSUED]


def test_revoke_of_a_stale_page_is_409(browser: Browser, db: Session, graduated: Finished) -> None:
    certificate = _issued(graduated)
    browser.login(graduated.admin)
    url = f"/admin/certificates/{certificate.id}/revoke"
    assert browser.post(url, {"reason": "first", "version": "1"}).status_code == 302
    response = browser.post(url, {"reason": "second", "version": "1"})
    assert response.status_code == 409
    assert browser.post(url, {"reason": "odd", "version": "x"}).status_code == 409
    db.expire_all()
    assert certificate.revoked_reason == "first"
    assert [kind for kind, _ in _events(db, certificate)].count(CertificateEventKind.REVOKED) == 1


def test_reissue_after_a_name_correction(browser: Browser, db: Session, graduated: Finished) -> None:
    certificate = _issued(graduated, first_name="Gulnora", last_name="Tosheva")
    student = certificate.enrolment.student
    student.first_name = "Gulnoza"
    db.flush()
    browser.login(graduated.admin)
    url = f"/admin/certificates/{certificate.id}/reissue"
    assert "Gulnoza Tosheva" in browser.get(url).get_data(as_text=True)
    empty = browser.post(url, {"reason": "", "version": "1"})
    assert empty.status_code == 200 and "Give a reason." in empty.get_data(as_text=True)
    assert browser.post(url, {"reason": "Name misspelt", "version": "1"}).status_code == 302
    db.expire_all()
    new = db.scalar(select(Certificate).where(Certificate.replaces_id == certificate.id))
    assert new is not None and new.holder_name == "Gulnoza Tosheva" and new.serial != certificate.serial
    assert certificate.status is CertificateStatus.REVOKED
    assert _events(db, certificate)[-1] == (CertificateEventKind.REISSUED, "Name misspelt")
    assert browser.post(url, {"reason": "again", "version": str(certificate.version)}).status_code == 409


def test_reissue_of_a_stale_page_is_409(browser: Browser, db: Session, graduated: Finished) -> None:
    certificate = _issued(graduated)
    browser.login(graduated.admin)
    response = browser.post(f"/admin/certificates/{certificate.id}/reissue", {"reason": "x", "version": "7"})
    assert response.status_code == 409
    db.expire_all()
    assert certificate.status is CertificateStatus.VALID and certificate.replaces is None


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR, Role.EMPLOYER])
def test_non_admins_are_refused(browser: Browser, db: Session, graduated: Finished, role: Role) -> None:
    certificate = _issued(graduated)
    browser.login(role)
    for action in ("revoke", "reissue"):
        url = f"/admin/certificates/{certificate.id}/{action}"
        assert browser.get(url).status_code == 403
        assert browser.post(url, {"reason": "no", "version": "1"}).status_code == 403
    assert browser.get("/admin/certificates").status_code == 403
    db.expire_all()
    assert certificate.status is CertificateStatus.VALID


def test_unknown_certificate_is_404(browser: Browser) -> None:
    browser.login(Role.ADMIN)
    assert browser.get("/admin/certificates/999999/revoke").status_code == 404
    assert browser.post("/admin/certificates/999999/reissue", {"reason": "x"}).status_code == 404


def test_list_searches_by_serial_and_holder(browser: Browser, graduated: Finished) -> None:
    first = _issued(graduated, first_name="Aziz", last_name="Rahimov")
    second = _issued(graduated, first_name="Malika", last_name="Yusupova")
    browser.login(graduated.admin)
    by_name = browser.get("/admin/certificates?q=yusup").get_data(as_text=True)
    assert second.serial in by_name and first.serial not in by_name
    by_serial = browser.get(f"/admin/certificates?q={first.serial}").get_data(as_text=True)
    assert first.serial in by_serial and second.serial not in by_serial
    odd = browser.get("/admin/certificates?q=%25&status=nonsense&page=x")
    assert odd.status_code == 200


def test_list_queries_do_not_grow_with_certificates(
    app: Flask, browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    counts = []
    for students in (2, 12):
        graduated = finished_cohort(db, make, app=app)
        for _ in range(students):
            _issued(graduated)
        if browser.user:
            browser.logout()
        browser.login(graduated.admin)
        before = count_queries.count
        assert browser.get("/admin/certificates").status_code == 200
        counts.append(count_queries.count - before)
    assert counts[0] == counts[1], counts
