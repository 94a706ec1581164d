"""Issuing, revoking and reissuing certificates, through the services (no HTTP)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.certificates.models import Certificate, CertificateEventKind, CertificateStatus
from academy.certificates.serials import InvalidSerial, parse_serial
from academy.certificates.services import (
    AlreadyRevoked,
    CertificateState,
    IssueCounts,
    NotCompleted,
    NotPassed,
    NotReissuable,
    ReasonRequired,
    StaleCertificate,
    certificate_status,
    current_certificate,
    expiry_of,
    find_by_code,
    find_by_serial,
    issue_certificate,
    issue_cohort_certificates,
    reissue_certificate,
    revoke_certificate,
)
from academy.cohorts.models import AttendanceStatus, EnrolmentStatus
from academy.cohorts.timetable import local_to_utc
from academy.courses.models import Course
from tests.certificates.conftest import NOW, Finished, finished_cohort
from tests.conftest import Factory, QueryCounter

TODAY = NOW.date()


def count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Certificate)) or 0)


# -- issuing -----------------------------------------------------------------------------------------


def test_a_completed_pass_gets_a_certificate_stating_what_it_proves(finished: Finished) -> None:
    enrolment = finished.student(points=85, first_name="Dilnoza", last_name="Oʻrinova", locale="uz")
    certificate = issue_certificate(finished.db, enrolment, finished.admin, NOW)

    assert certificate.holder_name == "Dilnoza Oʻrinova"
    assert certificate.language == "uz"
    assert (certificate.course_id, certificate.cohort_id) == (finished.course.id, finished.cohort.id)
    assert (certificate.track.value, certificate.hours, certificate.final_grade) == ("bpo", 120, 85)
    assert certificate.attendance_rate is None  # no session recorded
    assert certificate.region_code == "UZ-SA"
    assert (certificate.starts_on, certificate.ends_on) == (
        finished.cohort.starts_on,
        finished.cohort.ends_on,
    )
    assert certificate.issued_at == NOW and certificate.expires_on is None
    assert {(s.skill_id, s.level) for s in certificate.skills} == {
        (finished.skills[0].id, 2),
        (finished.skills[1].id, 3),
    }
    serial = parse_serial(certificate.serial)
    assert (serial.track.value, serial.region_code) == ("bpo", "UZ-SA")
    assert certificate.serial.startswith(f"BPO-{serial.year}-UZ-SA-")
    assert len(certificate.verification_code) >= 22 and certificate.verification_code.isascii()
    assert set(certificate.verification_code) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    assert [e.kind for e in certificate.events] == [CertificateEventKind.ISSUED]
    assert certificate.events[0].actor_id == finished.admin.id
    assert certificate_status(certificate, TODAY) is CertificateState.VALID


def test_later_edits_of_the_course_and_the_name_never_change_an_issued_certificate(
    finished: Finished,
) -> None:
    enrolment = finished.student()
    certificate = issue_certificate(finished.db, enrolment, finished.admin, NOW)
    finished.course.hours = 10
    finished.course.skills[0].level = 1
    finished.course.skills.pop()
    enrolment.student.last_name = "Changed"
    finished.db.flush()
    finished.db.expire_all()
    stored = finished.db.get(Certificate, certificate.id)
    assert stored is not None
    assert stored.hours == 120 and "Changed" not in stored.holder_name
    assert {(s.skill_id, s.level) for s in stored.skills} == {
        (finished.skills[0].id, 2),
        (finished.skills[1].id, 3),
    }


def test_a_failing_grade_is_refused(finished: Finished) -> None:
    with pytest.raises(NotPassed):
        issue_certificate(finished.db, finished.student(points=40), finished.admin, NOW)
    assert count(finished.db) == 0


def test_no_grade_at_all_is_refused(finished: Finished) -> None:
    with pytest.raises(NotPassed):
        issue_certificate(finished.db, finished.student(points=None), finished.admin, NOW)


@pytest.mark.parametrize(
    "status",
    [EnrolmentStatus.ENROLLED, EnrolmentStatus.WITHDRAWN, EnrolmentStatus.FAILED],
)
def test_only_a_completed_enrolment_qualifies(finished: Finished, status: EnrolmentStatus) -> None:
    enrolment = finished.student(points=95, status=status)
    with pytest.raises(NotCompleted) as refused:
        issue_certificate(finished.db, enrolment, finished.admin, NOW)
    assert refused.value.status == 409
    assert count(finished.db) == 0


def test_attendance_below_the_minimum_is_refused_and_above_it_is_recorded(finished: Finished) -> None:
    finished.course.min_attendance = 80
    finished.db.flush()
    short = finished.student(points=95)
    finished.attended(short, AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.ABSENT)
    with pytest.raises(NotPassed):
        issue_certificate(finished.db, short, finished.admin, NOW)

    keen = finished.student(points=70)
    finished.attended(keen, *[AttendanceStatus.PRESENT] * 4, AttendanceStatus.ABSENT)
    certificate = issue_certificate(finished.db, keen, finished.admin, NOW)
    assert certificate.attendance_rate == 80 and certificate.final_grade == 70


def test_issuing_twice_returns_the_same_certificate(finished: Finished) -> None:
    enrolment = finished.student()
    first = issue_certificate(finished.db, enrolment, finished.admin, NOW)
    again = issue_certificate(finished.db, enrolment, finished.admin, NOW + timedelta(days=1))
    assert again.id == first.id and again.serial == first.serial
    assert count(finished.db) == 1


def test_serials_are_consecutive_per_track_year_and_region(db: Session, make: Factory, app_ctx: None) -> None:
    samarkand = finished_cohort(db, make, region_code="UZ-SA")
    online = finished_cohort(db, make, region_code=None)
    numbers = [
        parse_serial(issue_certificate(db, samarkand.student(), samarkand.admin, NOW).serial).number
        for _ in range(3)
    ]
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    first_online = issue_certificate(db, online.student(), online.admin, NOW)
    assert "-ONLINE-" in first_online.serial and parse_serial(first_online.serial).number == 1
    fourth = issue_certificate(db, samarkand.student(), samarkand.admin, NOW)
    assert parse_serial(fourth.serial).number == numbers[-1] + 1


def test_find_by_code_and_by_serial(finished: Finished) -> None:
    certificate = issue_certificate(finished.db, finished.student(), finished.admin, NOW)
    assert find_by_code(finished.db, certificate.verification_code) is certificate
    assert find_by_code(finished.db, certificate.verification_code[:-1]) is None
    assert find_by_code(finished.db, "") is None
    assert find_by_serial(finished.db, f" {certificate.serial.lower()} ") is certificate
    with pytest.raises(InvalidSerial):
        find_by_serial(finished.db, certificate.serial[:-1] + ("X" if certificate.serial[-1] != "X" else "Y"))


# -- status, revocation, reissue ---------------------------------------------------------------------


def test_status_is_expired_from_the_expiry_date_on(finished: Finished) -> None:
    certificate = issue_certificate(finished.db, finished.student(), finished.admin, NOW, expires_on=TODAY)
    assert certificate_status(certificate, TODAY - timedelta(days=1)) is CertificateState.VALID
    assert certificate_status(certificate, TODAY) is CertificateState.EXPIRED
    revoke_certificate(finished.db, certificate, finished.admin, "fraud", certificate.version, NOW)
    assert certificate_status(certificate, TODAY) is CertificateState.REVOKED


def test_revoking_needs_a_reason_and_the_version_shown(finished: Finished) -> None:
    certificate = issue_certificate(finished.db, finished.student(), finished.admin, NOW)
    version = certificate.version
    with pytest.raises(ReasonRequired):
        revoke_certificate(finished.db, certificate, finished.admin, "  ", version, NOW)
    with pytest.raises(StaleCertificate) as stale:
        revoke_certificate(finished.db, certificate, finished.admin, "copied exam", version - 1, NOW)
    assert stale.value.status == 409
    assert certificate.status is CertificateStatus.VALID

    revoke_certificate(finished.db, certificate, finished.admin, "copied exam", version, NOW)
    assert certificate.status is CertificateStatus.REVOKED and certificate.version == version + 1
    assert (certificate.revoked_at, certificate.revoked_reason) == (NOW, "copied exam")
    assert certificate.revoked_by_id == finished.admin.id
    finished.db.expire(certificate, ["events"])
    assert [(e.kind, e.reason, e.actor_id) for e in certificate.events][-1] == (
        CertificateEventKind.REVOKED,
        "copied exam",
        finished.admin.id,
    )
    with pytest.raises(StaleCertificate):  # a second tab, showing the version before
        revoke_certificate(finished.db, certificate, finished.admin, "again", version, NOW)
    with pytest.raises(AlreadyRevoked):
        revoke_certificate(finished.db, certificate, finished.admin, "again", certificate.version, NOW)


def test_reissue_after_a_name_correction_links_old_and_new(finished: Finished) -> None:
    enrolment = finished.student(first_name="Gulnora", last_name="Karimova")
    old = issue_certificate(finished.db, enrolment, finished.admin, NOW)
    with pytest.raises(ReasonRequired):
        reissue_certificate(finished.db, old, finished.admin, "", NOW)
    enrolment.student.last_name = "Karimova-Saidova"
    later = NOW + timedelta(days=3)
    new = reissue_certificate(finished.db, old, finished.admin, "name corrected (passport)", later)

    assert new.replaces_id == old.id and new.replaces is old
    assert new.serial != old.serial and new.verification_code != old.verification_code
    assert new.holder_name == "Gulnora Karimova-Saidova" and new.issued_at == later
    assert (new.final_grade, new.hours, new.cohort_id) == (old.final_grade, old.hours, old.cohort_id)
    assert {(s.skill_id, s.level) for s in new.skills} == {(s.skill_id, s.level) for s in old.skills}
    assert old.status is CertificateStatus.REVOKED and old.revoked_reason == "reissued"
    assert old.current_enrolment_id is None and new.current_enrolment_id == enrolment.id
    finished.db.expire(old, ["events"])
    assert [e.kind for e in old.events] == [CertificateEventKind.ISSUED, CertificateEventKind.REISSUED]
    assert old.events[-1].reason == "name corrected (passport)"
    assert certificate_status(old, TODAY) is CertificateState.REVOKED
    assert certificate_status(new, TODAY) is CertificateState.VALID
    # Issuing again now finds the new one, and the old one cannot be reissued a second time.
    assert issue_certificate(finished.db, enrolment, finished.admin, NOW).id == new.id
    with pytest.raises(NotReissuable):
        reissue_certificate(finished.db, old, finished.admin, "again", later)


# -- a whole cohort -----------------------------------------------------------------------------------


class Steps:
    def __init__(self) -> None:
        self.total = 0
        self.done = 0

    def start(self, total: int) -> None:
        self.total = total

    def advance(self, rows: int = 1) -> None:
        self.done += rows


def test_issuing_a_cohort_counts_issued_already_and_not_eligible(finished: Finished) -> None:
    passing = [finished.student(points=80), finished.student(points=61)]
    had = finished.student(points=90)
    earlier = issue_certificate(finished.db, had, finished.admin, NOW)
    finished.student(points=30)  # failed the exam
    finished.student(points=99, status=EnrolmentStatus.ENROLLED)  # no outcome yet
    finished.student(points=99, status=EnrolmentStatus.WITHDRAWN)  # not on the roster at all

    steps = Steps()
    counts = issue_cohort_certificates(
        finished.db, finished.cohort, finished.admin, NOW, progress=steps, batch=2
    )
    assert counts == IssueCounts(issued=2, already=1, not_eligible=2)
    assert (steps.total, steps.done) == (5, 5)
    issued = finished.db.scalars(select(Certificate).where(Certificate.cohort_id == finished.cohort.id)).all()
    assert {c.enrolment_id for c in issued} == {passing[0].id, passing[1].id, had.id}
    assert {c.final_grade for c in issued} == {80, 61, 90}
    numbers = sorted(parse_serial(c.serial).number for c in issued)
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    assert all(len(c.skills) == 2 and len(c.events) == 1 for c in issued)
    assert earlier in issued

    again = issue_cohort_certificates(finished.db, finished.cohort, finished.admin, NOW)
    assert again == IssueCounts(issued=0, already=3, not_eligible=2)
    assert count(finished.db) == 3


@pytest.mark.parametrize(
    ("issued_on", "months", "expires"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
        (date(2026, 11, 30), 14, date(2028, 1, 30)),
        (date(2026, 5, 1), None, None),
    ],
)
def test_expiry_counts_months_from_the_issue_day(
    issued_on: date, months: int | None, expires: date | None
) -> None:
    noon = datetime.combine(issued_on, time(12), tzinfo=UTC)
    assert expiry_of(Course(certificate_valid_months=months), noon) == expires


def test_a_course_with_a_validity_gives_certificates_an_expiry(finished: Finished) -> None:
    finished.course.certificate_valid_months = 24
    alone = issue_certificate(finished.db, finished.student(points=90), finished.admin, NOW)
    counts = issue_cohort_certificates(finished.db, finished.cohort, finished.admin, NOW)
    assert counts.issued == 0 and counts.already == 1
    other = finished.student(points=80)
    issue_cohort_certificates(finished.db, finished.cohort, finished.admin, NOW)
    batch = current_certificate(finished.db, other.id)
    assert batch is not None
    for certificate in (alone, batch):
        assert certificate.expires_on == expiry_of(finished.course, NOW)
        valid_until = json.loads(certificate.credential or "")["validUntil"]
        assert datetime.fromisoformat(valid_until) == local_to_utc(certificate.expires_on, time())
    explicit = issue_certificate(finished.db, finished.student(points=70), finished.admin, NOW, NOW.date())
    assert explicit.expires_on == NOW.date()


def test_issuing_a_cohort_takes_the_same_queries_whatever_its_size(
    db: Session, make: Factory, app_ctx: None, count_queries: QueryCounter
) -> None:
    measured = []
    for students, region in ((3, "UZ-TK"), (12, "UZ-FA")):  # a new serial counter for each
        cohort = finished_cohort(db, make, region_code=region)
        for _ in range(students):
            cohort.student(points=75)
        cohort.student(points=10)
        db.flush()
        db.expire_all()
        count_queries.statements.clear()
        counts = issue_cohort_certificates(db, cohort.cohort, cohort.admin, NOW)
        assert counts == IssueCounts(issued=students, already=0, not_eligible=1)
        measured.append(count_queries.count)
    # The cohort and course (expired above), the actor, roster ids, columns (2), skills; per batch:
    # certificates held, gradebook rows (roster, grades, hand-ins, quiz attempts), locales, the serial
    # counter (update, then insert when new), and one insert each of certificates, skills and events;
    # then signing: the new certificates with course and holder, their skills, regions, one update.
    assert measured[0] == measured[1] <= 22, count_queries.statements
