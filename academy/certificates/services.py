"""Certificate rules: who gets one, issuing it once however often asked, revoking and reissuing.

A certificate is issued for a completed enrolment whose computed result (the gradebook's, under the
course's grading policy: grade and attendance) is a pass. It copies what it states at that moment.
Each enrolment has at most one current certificate (a unique column, so a double click or two
instructors at once make one); a reissue after a name correction retires the old one and links the
new one to it. Serial numbers come from a counter row per (track, year, region), moved by a
conditional UPDATE ... RETURNING, so numbers are unique and consecutive under any concurrency.
"""

from __future__ import annotations

import calendar
import enum
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from academy.auth.models import User
from academy.certificates import credentials
from academy.certificates.models import (
    Certificate,
    CertificateEvent,
    CertificateEventKind,
    CertificateSerial,
    CertificateSkill,
    CertificateStatus,
)
from academy.certificates.serials import ONLINE, format_serial, parse_serial
from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.cohorts.timetable import to_local
from academy.courses.models import Course, CourseSkill
from academy.errors import Conflict, DomainError
from academy.grading import book
from academy.grading.results import ResultState
from academy.tracks import Track

log = logging.getLogger(__name__)
CODE_BYTES = 18  # 144 random bits: 24 URL-safe characters
REISSUED = "reissued"


class NotEligible(DomainError):
    message = _l("This enrolment does not qualify for a certificate.")
    status = 409


class NotCompleted(NotEligible):
    message = _l("A certificate is issued only for a completed enrolment.")


class NotPassed(NotEligible):
    message = _l("A certificate is issued only for a passing result (grade and attendance).")


class ReasonRequired(DomainError):
    message = _l("Give a reason.")
    field = "reason"


class StaleCertificate(Conflict):
    pass


class AlreadyRevoked(DomainError):
    message = _l("This certificate has already been revoked.")
    status = 409


class NotReissuable(DomainError):
    message = _l("Only a valid, current certificate can be reissued.")
    status = 409


class CertificateState(enum.StrEnum):
    """How a certificate stands on a day; not stored (see :func:`certificate_status`)."""

    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"


class ProgressReport(Protocol):
    """What a background job hands in to follow a long run (``academy.jobs.services.Progress``)."""

    def start(self, total: int) -> None: ...

    def advance(self, rows: int = 1) -> None: ...


@dataclass
class IssueCounts:
    """What issuing a cohort's certificates did, over its roster (enrolled, completed, failed)."""

    issued: int = 0
    already: int = 0  # had a certificate before
    not_eligible: int = 0


@dataclass(frozen=True)
class _Holder:
    enrolment_id: int
    name: str
    locale: str
    final_grade: float
    attendance_rate: float | None  # percent


def certificate_status(certificate: Certificate, today: date) -> CertificateState:
    """Revoked wins; otherwise expired from ``expires_on`` (the first day it no longer holds) on."""
    if certificate.status is CertificateStatus.REVOKED:
        return CertificateState.REVOKED
    if certificate.expires_on is not None and today >= certificate.expires_on:
        return CertificateState.EXPIRED
    return CertificateState.VALID


def expiry_of(course: Course, now: datetime) -> date | None:
    """The first day a certificate of ``course`` issued ``now`` no longer holds (None: never).

    ``certificate_valid_months`` after the issue day in Tashkent; the 31st becomes the month's last day.
    """
    months = course.certificate_valid_months
    if not months:
        return None
    day = to_local(now).date()
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def current_certificate(session: Session, enrolment_id: int) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.current_enrolment_id == enrolment_id))


def find_by_code(session: Session, code: str) -> Certificate | None:
    code = code.strip()
    if not code or len(code) > 64:
        return None
    return session.scalar(select(Certificate).where(Certificate.verification_code == code))


def find_by_serial(session: Session, text: str) -> Certificate | None:
    """The certificate of a typed serial; ``InvalidSerial`` when it is no serial at all."""
    serial = str(parse_serial(text))
    return session.scalar(select(Certificate).where(Certificate.serial == serial))


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 2)


def _course_skills(session: Session, course_id: int) -> list[tuple[int, int]]:
    return [
        (skill_id, level)
        for skill_id, level in session.execute(
            select(CourseSkill.skill_id, CourseSkill.level).where(CourseSkill.course_id == course_id)
        )
    ]


def _allocate(session: Session, track: Track, year: int, region: str, count: int) -> int:
    """The first of ``count`` new consecutive numbers for (track, year, region).

    The UPDATE takes the counter row's lock until the transaction ends, so a concurrent issuer waits
    and continues after the numbers taken here. The first number of a new counter is an INSERT in
    a savepoint; when another transaction inserted it first, the UPDATE finds it on the second try.
    """
    key = (
        CertificateSerial.track == track,
        CertificateSerial.year == year,
        CertificateSerial.region == region,
    )
    for _attempt in range(2):
        last = session.execute(
            update(CertificateSerial)
            .where(*key)
            .values(last_number=CertificateSerial.last_number + count)
            .returning(CertificateSerial.last_number)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if last is not None:
            return int(last) - count + 1
        try:
            with session.begin_nested():
                session.execute(
                    insert(CertificateSerial).values(track=track, year=year, region=region, last_number=count)
                )
            return 1
        except IntegrityError:
            continue
    raise RuntimeError("the serial counter could be neither updated nor created")


def _place(
    session: Session,
    certificates: Sequence[dict[str, Any]],
    skills: Sequence[tuple[int, int]],
    actor: User | None,
    now: datetime,
    reason: str = "",
) -> list[int]:
    """Insert new certificates of one cohort with serials, codes, skills and an event each; their ids.

    Three INSERTs (and the serial counter), then the signing of their credentials, whatever the
    number of certificates.
    """
    if not certificates:
        return []
    track, region_code = certificates[0]["track"], certificates[0]["region_code"]
    year = to_local(now).year
    start = _allocate(session, track, year, region_code or ONLINE, len(certificates))
    for number, values in enumerate(certificates, start):
        values["serial"] = format_serial(track, year, region_code, number)
        values["verification_code"] = secrets.token_urlsafe(CODE_BYTES)
    ids: dict[str, int] = {
        serial: certificate_id
        for serial, certificate_id in session.execute(
            insert(Certificate).returning(Certificate.serial, Certificate.id), list(certificates)
        )
    }
    if skills:
        session.execute(
            insert(CertificateSkill),
            [
                {"certificate_id": certificate_id, "skill_id": skill_id, "level": level}
                for certificate_id in ids.values()
                for skill_id, level in skills
            ],
        )
    session.execute(
        insert(CertificateEvent),
        [
            {
                "certificate_id": certificate_id,
                "kind": CertificateEventKind.ISSUED,
                "actor_id": actor.id if actor else None,
                "at": now,
                "reason": reason,
            }
            for certificate_id in ids.values()
        ],
    )
    placed = [ids[values["serial"]] for values in certificates]
    credentials.sign_certificates(session, placed, now)
    return placed


def _statement(cohort: Cohort, holder: _Holder, now: datetime, expires_on: date | None) -> dict[str, Any]:
    """What a new certificate of ``holder`` states (its serial and code are added when it is placed)."""
    course = cohort.course
    return {
        "enrolment_id": holder.enrolment_id,
        "current_enrolment_id": holder.enrolment_id,
        "holder_name": holder.name,
        "course_id": course.id,
        "cohort_id": cohort.id,
        "region_code": cohort.region_code,
        "track": course.track,
        "hours": course.hours,
        "final_grade": holder.final_grade,
        "attendance_rate": holder.attendance_rate,
        "starts_on": cohort.starts_on,
        "ends_on": cohort.ends_on,
        "issued_at": now,
        "expires_on": expires_on,
        "status": CertificateStatus.VALID,
        "language": holder.locale,
        "replaces_id": None,
    }


def issue_certificate(
    session: Session, enrolment: Enrolment, actor: User | None, now: datetime, expires_on: date | None = None
) -> Certificate:
    """The enrolment's certificate: issued now if it qualifies, or the one it already has."""
    existing = current_certificate(session, enrolment.id)
    if existing is not None:
        return existing
    if enrolment.status is not EnrolmentStatus.COMPLETED:
        raise NotCompleted()
    cohort = enrolment.cohort
    if expires_on is None:
        expires_on = expiry_of(cohort.course, now)
    found = book.rows(session, cohort, book.columns(session, cohort), now, enrolment_ids=[enrolment.id])
    row = found[0] if found else None
    grade = row.result.percent if row is not None else None
    if row is None or row.result.state is not ResultState.PASSED or grade is None:
        raise NotPassed()
    student = enrolment.student
    holder = _Holder(enrolment.id, student.full_name, student.locale, grade, _percent(row.attendance_rate))
    try:
        with session.begin_nested():
            (certificate_id,) = _place(
                session,
                [_statement(cohort, holder, now, expires_on)],
                _course_skills(session, cohort.course_id),
                actor,
                now,
            )
    except IntegrityError:
        # Another request issued it first (its serial number was given back with the savepoint).
        issued = current_certificate(session, enrolment.id)
        if issued is None:
            raise
        return issued
    certificate = session.get_one(Certificate, certificate_id)
    log.info("certificate %s issued for enrolment %s", certificate.serial, enrolment.id)
    return certificate


def issue_cohort_certificates(
    session: Session,
    cohort: Cohort,
    actor: User | None,
    now: datetime,
    progress: ProgressReport | None = None,
    expires_on: date | None = None,
    batch: int = book.BATCH,
) -> IssueCounts:
    """Issue a certificate to every student of the cohort who qualifies and has none yet.

    Reads and writes ``batch`` students at a time with a fixed number of statements per batch.
    """
    counts = IssueCounts()
    if expires_on is None:
        expires_on = expiry_of(cohort.course, now)
    ids = list(
        session.scalars(
            select(Enrolment.id)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(ROSTER_STATUSES))
            .order_by(Enrolment.id)
        )
    )
    if progress is not None:
        progress.start(len(ids))
    cols = book.columns(session, cohort)
    skills = _course_skills(session, cohort.course_id)
    for begin in range(0, len(ids), batch):
        chunk = ids[begin : begin + batch]
        had = set(
            session.scalars(
                select(Certificate.current_enrolment_id).where(Certificate.current_enrolment_id.in_(chunk))
            )
        )
        passed = []
        for row in book.rows(session, cohort, cols, now, enrolment_ids=chunk):
            if row.enrolment_id in had:
                counts.already += 1
            elif (
                row.status is EnrolmentStatus.COMPLETED
                and row.result.state is ResultState.PASSED
                and row.result.percent is not None
            ):
                passed.append(row)
            else:
                counts.not_eligible += 1
        if passed:
            _issue_batch(session, cohort, passed, skills, actor, now, expires_on, counts)
        if progress is not None:
            progress.advance(len(chunk))
    log.info(
        "cohort %s certificates: %d issued, %d already, %d not eligible",
        cohort.id,
        counts.issued,
        counts.already,
        counts.not_eligible,
    )
    return counts


def _issue_batch(
    session: Session,
    cohort: Cohort,
    passed: Sequence[book.Row],
    skills: Sequence[tuple[int, int]],
    actor: User | None,
    now: datetime,
    expires_on: date | None,
    counts: IssueCounts,
) -> None:
    """Issue the certificates of one batch of passing students in a fixed number of statements."""
    locales: dict[int, str] = {
        enrolment_id: locale
        for enrolment_id, locale in session.execute(
            select(Enrolment.id, User.locale)
            .join(User, User.id == Enrolment.student_id)
            .where(Enrolment.id.in_([row.enrolment_id for row in passed]))
        )
    }
    certificates = [
        _statement(
            cohort,
            _Holder(
                row.enrolment_id,
                f"{row.first_name} {row.last_name}",
                locales[row.enrolment_id],
                row.result.percent or 0.0,
                _percent(row.attendance_rate),
            ),
            now,
            expires_on,
        )
        for row in passed
    ]
    try:
        with session.begin_nested():
            _place(session, certificates, skills, actor, now)
        counts.issued += len(certificates)
    except IntegrityError:
        # Someone issued some of these at the same moment: go through them one by one.
        for row in passed:
            enrolment = session.get(Enrolment, row.enrolment_id)
            assert enrolment is not None
            had_one = current_certificate(session, row.enrolment_id) is not None
            issue_certificate(session, enrolment, actor, now, expires_on)
            if had_one:
                counts.already += 1
            else:
                counts.issued += 1


def _required(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    return reason


def _retire(
    session: Session,
    certificate: Certificate,
    expected_version: int,
    actor: User,
    reason: str,
    now: datetime,
    superseded: bool = False,
) -> None:
    """Revoke a valid certificate if it is still at ``expected_version`` (one conditional UPDATE);
    ``superseded``: it is also no longer the enrolment's current certificate (a reissue)."""
    if certificate.version != expected_version:
        raise StaleCertificate()
    changed = session.execute(
        update(Certificate)
        .where(
            Certificate.id == certificate.id,
            Certificate.version == expected_version,
            Certificate.status == CertificateStatus.VALID,
        )
        .values(
            status=CertificateStatus.REVOKED,
            revoked_at=now,
            revoked_reason=reason,
            revoked_by_id=actor.id,
            version=Certificate.version + 1,
            **({"current_enrolment_id": None} if superseded else {}),
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(certificate)
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleCertificate()


def revoke_certificate(
    session: Session,
    certificate: Certificate,
    actor: User,
    reason: str,
    expected_version: int,
    now: datetime,
) -> Certificate:
    """Revoke with a reason; refused (409) when someone changed the certificate since it was shown."""
    reason = _required(reason)
    if certificate.version == expected_version and certificate.status is CertificateStatus.REVOKED:
        raise AlreadyRevoked()
    _retire(session, certificate, expected_version, actor, reason, now)
    session.add(
        CertificateEvent(
            certificate_id=certificate.id,
            kind=CertificateEventKind.REVOKED,
            actor_id=actor.id,
            at=now,
            reason=reason,
        )
    )
    session.flush()
    log.info("certificate %s revoked by user %s", certificate.serial, actor.id)
    return certificate


def reissue_certificate(
    session: Session, certificate: Certificate, actor: User, reason: str, now: datetime
) -> Certificate:
    """A new certificate (new serial and code) stating the holder's name as it is now registered.

    The old one is revoked with the reason "reissued" and the new one points to it; everything else
    it states (grade, hours, skills, dates, expiry) is copied from the old one, not recomputed.
    """
    reason = _required(reason)
    if certificate.status is not CertificateStatus.VALID or certificate.current_enrolment_id is None:
        raise NotReissuable()
    skills = [(s.skill_id, s.level) for s in certificate.skills]
    _retire(session, certificate, certificate.version, actor, REISSUED, now, superseded=True)
    student = certificate.enrolment.student
    values = _statement(
        certificate.cohort,
        _Holder(
            certificate.enrolment_id,
            student.full_name,
            student.locale,
            certificate.final_grade,
            certificate.attendance_rate,
        ),
        now,
        certificate.expires_on,
    )
    # What it proves stays as first issued, even if the course has changed since.
    values.update(
        replaces_id=certificate.id,
        course_id=certificate.course_id,
        track=certificate.track,
        hours=certificate.hours,
        region_code=certificate.region_code,
        starts_on=certificate.starts_on,
        ends_on=certificate.ends_on,
    )
    (new_id,) = _place(session, [values], skills, actor, now, reason=f"replaces {certificate.serial}")
    new = session.get_one(Certificate, new_id)
    session.add(
        CertificateEvent(
            certificate_id=certificate.id,
            kind=CertificateEventKind.REISSUED,
            actor_id=actor.id,
            at=now,
            reason=reason,
        )
    )
    session.flush()
    log.info("certificate %s reissued as %s by user %s", certificate.serial, new.serial, actor.id)
    return new
