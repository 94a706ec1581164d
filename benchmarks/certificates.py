"""The ``certificates`` benchmark: issuing ``--count`` certificates one by one, and verifying them.

On a temporary database (no demo data), bulk inserts build a finished cohort of ``--count`` students
of a course with five skills, each with a passing exam grade and attendance. Then, for each student:

- **issue**: ``issue_certificate`` (eligibility from the gradebook, serial, the snapshot, both signed
  Open Badges forms: the JSON-LD credential with its eddsa-rdfc-2022 proof and the VC-JWT) followed
  by rendering the PDF with its QR code, and a commit. ``issue_median_ms`` is the median of the
  whole; the parts are reported beside it (``sign_median_ms`` for the two signatures alone, measured
  on the same certificates afterwards, and ``pdf_median_ms``);
- **verify**: what ``/verify`` does with an uploaded credential, ``checking.check``: the signature
  (RDF canonicalization and Ed25519), the OB 3.0 schema with formats, the status list bit and the
  dates, on each certificate's stored ``ob3.json`` (``verify_median_ms``) and ``ob3.jwt``
  (``verify_jwt_median_ms``); the signatures alone (``verify_proof_only_median_ms``: the Data
  Integrity proof; ``verify_jwt_signature_only_median_ms``); and the public page ``/verify/<code>``
  through the test client.

Every verification must hold, and every credential must pass the schema, or the run fails.

``cpu_reference_ms`` times a fixed pure-Python loop (a million additions) before and after, so that
runs on machines, or moments, of different speed can be compared: shared cloud cores were seen to
vary by a factor of two within one day.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy import insert, select

from academy import create_app, schema
from academy.auth import passwords
from academy.auth.models import Role, User
from academy.certificates import checking, credentials, keys, pdf, proofs
from academy.certificates.models import Certificate
from academy.certificates.services import issue_certificate
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.courses.models import Course, CourseSkill, CourseStatus
from academy.db import get_session, utcnow
from academy.grading.models import Assessment, AssessmentKind, Grade
from academy.skills.models import Skill
from academy.tracks import Track
from benchmarks.harness import (
    BenchmarkFailed,
    Samples,
    backend_name,
    positive_int,
    progress,
    temporary_database,
)

HELP = "issue --count certificates (PDF and both signed OB 3.0 forms) and verify them (median ms)"
DEFAULT_SCALE = 1000
DEFAULT_REPEAT = 1
ISSUE_LIMIT_MS = 60.0
VERIFY_LIMIT_MS = 10.0
CHUNK = 2000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=positive_int, default=None, help="certificates (default: --scale)")


def _build(session: Any, count: int) -> tuple[User, list[int]]:
    """A finished cohort of ``count`` passing students; the admin and the enrolment ids."""
    now = utcnow()
    hash_ = passwords.hash_password("unused-bench-passphrase")
    admin = User(
        email="bench-admin@example.uz",
        password_hash=hash_,
        first_name="Nodira",
        last_name="Azimova",
        role=Role.ADMIN,
        locale="en",
    )
    session.add(admin)
    skills = [
        Skill(
            code=f"bench-skill-{n}",
            track=Track.BPO,
            name_uz=f"Koʻnikma {n}",
            name_ru=f"Навык {n}",
            name_en=f"Skill {n}",
        )
        for n in range(5)
    ]
    session.add_all(skills)
    course = Course(
        code="CERT-BENCH",
        track=Track.BPO,
        title_uz="Mijozlarga xizmat koʻrsatish",
        title_ru="Обслуживание клиентов",
        title_en="Customer service",
        hours=120,
        status=CourseStatus.PUBLISHED,
        pass_mark=60,
    )
    course.skills = [CourseSkill(skill=skill, level=1 + n % 3) for n, skill in enumerate(skills)]
    session.add(course)
    session.flush()
    exam = Assessment(
        course=course, position=1, kind=AssessmentKind.EXAM, title="Final exam", weight=100, max_points=100
    )
    cohort = Cohort(
        code="CERT-BENCH-1",
        course=course,
        region_code="UZ-SA",
        language="uz",
        starts_on=(now - timedelta(days=100)).date(),
        ends_on=(now - timedelta(days=5)).date(),
        enrolment_opens_at=now - timedelta(days=130),
        enrolment_closes_at=now - timedelta(days=101),
        seats=count,
        seats_taken=count,
    )
    session.add_all([exam, cohort])
    session.flush()
    locales = ("uz", "ru", "en")
    students = [
        {
            "email": f"bench-graduate-{n}@example.uz",
            "password_hash": hash_,
            "first_name": ("Oʻgʻiloy", "Дилноза", "Aziz")[n % 3],
            "last_name": f"Gʻaniyeva-{n:05d}",
            "role": Role.STUDENT,
            "locale": locales[n % 3],
            "region_code": "UZ-SA",
            "session_token": f"bench-graduate-{n}",
            "created_at": now,
        }
        for n in range(count)
    ]
    for start in range(0, count, CHUNK):
        session.execute(insert(User), students[start : start + CHUNK])
    student_ids = list(session.scalars(select(User.id).where(User.role == Role.STUDENT).order_by(User.id)))
    session.execute(
        insert(Enrolment),
        [
            {
                "cohort_id": cohort.id,
                "student_id": s,
                "status": EnrolmentStatus.COMPLETED,
                "created_at": now,
                "updated_at": now,
            }
            for s in student_ids
        ],
    )
    enrolments = list(
        session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id))
    )
    session.execute(
        insert(Grade),
        [
            {"assessment_id": exam.id, "enrolment_id": e, "points": 60 + (n * 37) % 41, "released_at": now}
            for n, e in enumerate(enrolments)
        ],
    )
    session.commit()
    return admin, enrolments


def cpu_reference() -> Samples:
    """Five timings of the same pure-Python work, whatever the app does."""
    samples = Samples()
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number
        samples.add(time.perf_counter() - started)
    return samples


def run(args: argparse.Namespace) -> dict[str, Any]:
    count = args.count or args.scale
    reference = cpu_reference()
    database_kind = backend_name(args.database_url) if args.database_url else "sqlite"
    progress("certificates benchmark: %d certificates on %s", count, database_kind)
    with (
        temporary_database(args.database_url, "certificates") as url,
        tempfile.TemporaryDirectory() as folder,
    ):
        schema.upgrade(url)
        app = create_app(
            {
                "ENV_NAME": "testing",
                "DATABASE_URL": url,
                "RATELIMIT_ENABLED": False,
                "SIGNING_KEY_FOLDER": folder,
            }
        )
        with app.app_context():
            session = get_session()
            admin, enrolment_ids = _build(session, count)
            keys.current_key()  # the key is made once, before the timing
            issue, pdfs, sizes = Samples(), Samples(), []
            codes = []
            for n, enrolment_id in enumerate(enrolment_ids):
                enrolment = session.get_one(Enrolment, enrolment_id)
                started = time.perf_counter()
                certificate = issue_certificate(session, enrolment, admin, utcnow())
                rendered = time.perf_counter()
                document = pdf.certificate_pdf(session, certificate, utcnow().date())
                session.commit()
                done = time.perf_counter()
                issue.add(done - started)
                pdfs.add(done - rendered)  # with the commit, a fraction of a millisecond
                sizes.append(len(document))
                codes.append(certificate.verification_code)
                session.expunge_all()
                if (n + 1) % 200 == 0:
                    progress("issued %d of %d (median %.1f ms)", n + 1, count, issue.median_ms)

            signing = Samples()
            stored = session.scalars(select(Certificate).order_by(Certificate.id)).all()
            for certificate in stored[: min(200, len(stored))]:
                started = time.perf_counter()
                credential = credentials.build(certificate, certificate.enrolment.student.email, "Samarqand")
                credentials.sign_json(credential, keys.current_key(), utcnow())
                credentials.sign_jwt(credential, keys.current_key())
                signing.add(time.perf_counter() - started)

            checked, checked_jwt, proof_only, jwt_only = Samples(), Samples(), Samples(), Samples()
            now = utcnow()
            for certificate in stored:
                document = json.loads(certificate.credential or "")
                started = time.perf_counter()
                proofs.verify(document, keys.key_for)
                proof_only.add(time.perf_counter() - started)
                token = certificate.credential_jwt or ""
                started = time.perf_counter()
                jwt.decode(token, keys.key_for(jwt.get_unverified_header(token)["kid"]), algorithms=["EdDSA"])
                jwt_only.add(time.perf_counter() - started)
                for form, samples in (
                    (certificate.credential, checked),
                    (certificate.credential_jwt, checked_jwt),
                ):
                    started = time.perf_counter()
                    report = checking.check(session, form or "", now)
                    samples.add(time.perf_counter() - started)
                    if not report.holds:
                        raise BenchmarkFailed(f"{certificate.serial} does not verify: {report.checks}")
            schema_ok = all(not checking.schema_errors(json.loads(c.credential or "")) for c in stored)
            if not schema_ok:
                raise BenchmarkFailed("a credential fails the OB 3.0 schema")
        client = app.test_client()
        page = Samples()
        for code in codes[:200]:
            started = time.perf_counter()
            response = client.get(f"/verify/{code}")
            page.add(time.perf_counter() - started)
            if response.status_code != 200:
                raise BenchmarkFailed(f"/verify/{code} answered {response.status_code}")
    return {
        "benchmark": "certificates",
        "count": count,
        "issue_median_ms": issue.median_ms,
        "issue_p95_ms": issue.p95_ms,
        "verify_median_ms": checked.median_ms,
        "verify_p95_ms": checked.p95_ms,
        "verify_jwt_median_ms": checked_jwt.median_ms,
        "verify_proof_only_median_ms": proof_only.median_ms,
        "verify_jwt_signature_only_median_ms": jwt_only.median_ms,
        "sign_median_ms": signing.median_ms,
        "pdf_median_ms": pdfs.median_ms,
        "pdf_mean_kib": round(sum(sizes) / len(sizes) / 1024, 1),
        "verify_page_median_ms": page.median_ms,
        "schema_valid": schema_ok,
        "cpu_reference_ms": reference.median_ms,
        "cpu_reference_after_ms": cpu_reference().median_ms,
        "issue_under_limit": issue.median_ms < ISSUE_LIMIT_MS,
        "verify_under_limit": checked.median_ms < VERIFY_LIMIT_MS,
        "database": database_kind,
    }
