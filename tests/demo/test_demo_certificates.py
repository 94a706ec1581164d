"""Demo certificates: every demo graduate's credential is signed, verifies and fits the OB 3.0 schema."""

from __future__ import annotations

import json

import jwt
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import User
from academy.certificates import checking, credentials, keys, proofs
from academy.certificates.models import Certificate, CertificateStatus
from academy.cohorts.models import Enrolment
from academy.db import utcnow
from academy.demo import certificates as demo_certificates
from academy.demo.grading import DEMO_STUDENT
from tests.certificates.test_credentials import bit_is_set, decode_list
from tests.conftest import Browser, load_demo_in


def test_every_demo_credential_verifies_and_fits_the_schema(
    app: Flask, db: Session, browser: Browser
) -> None:
    summary = load_demo_in(app, db, students=120)
    issued = db.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert summary.counts["certificates"] == len(issued) > 5
    assert summary.counts["revoked certificates"] == 1
    revoked = [c for c in issued if c.status is CertificateStatus.REVOKED]
    assert len(revoked) == 1 and revoked[0].revoked_reason == demo_certificates.REVOKED_REASON
    with app.app_context():
        for certificate in issued:
            document = json.loads(certificate.credential or "")
            assert checking.schema_errors(document) == [], certificate.serial
            proofs.verify(document, keys.key_for)
            token = certificate.credential_jwt or ""
            payload = jwt.decode(
                token, keys.key_for(jwt.get_unverified_header(token)["kid"]), algorithms=["EdDSA"]
            )
            assert (
                checking.schema_errors({k: v for k, v in payload.items() if k not in checking.JWT_CLAIMS})
                == []
            )
            report = checking.check(db, token, utcnow())
            assert [c.outcome for c in report.checks].count(checking.Outcome.PASSED) == (
                3 if certificate.status is CertificateStatus.REVOKED else 4
            ), certificate.serial
    number, index = credentials.status_position(revoked[0].id)
    status_list = json.loads(browser.get(f"/credentials/status/{number}").get_data(as_text=True))
    bits = decode_list(status_list["credentialSubject"]["encodedList"])
    assert bit_is_set(bits, index)
    assert sum(bin(byte).count("1") for byte in bits) == 1


def test_the_demo_student_has_a_certificate_in_their_language(app: Flask, db: Session) -> None:
    load_demo_in(app, db, students=30)
    student = db.scalars(select(User).where(User.email == DEMO_STUDENT)).one()
    mine = db.scalars(
        select(Certificate)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Enrolment.student_id == student.id)
    ).all()
    assert mine and all(c.status is CertificateStatus.VALID and c.language == student.locale for c in mine)
    assert all(c.issued_at <= utcnow() for c in mine)
