"""A prerequisite is met by a completed enrolment in it, or by a valid certificate of it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from academy.certificates.services import issue_certificate, revoke_certificate
from academy.cohorts import services
from academy.cohorts.models import EnrolmentStatus
from tests.certificates.conftest import NOW, Finished

TODAY = NOW.date()


@pytest.mark.parametrize("standing", ["valid", "revoked", "expired", "expires later"])
def test_a_valid_certificate_of_the_prerequisite_counts(finished: Finished, standing: str) -> None:
    advanced = finished.make.course(code=f"ADV-{finished.course.id}")
    advanced.prerequisites.append(finished.course)
    finished.db.flush()
    enrolment = finished.student(points=90)
    expires_on = {"expired": TODAY, "expires later": TODAY + timedelta(days=1)}.get(standing)
    certificate = issue_certificate(finished.db, enrolment, finished.admin, NOW, expires_on=expires_on)
    if standing == "revoked":
        revoke_certificate(finished.db, certificate, finished.admin, "fraud", certificate.version, NOW)
    # The certificate alone must carry it: the enrolment is no longer a completed one.
    enrolment.status = EnrolmentStatus.FAILED
    finished.db.flush()

    missing = services.missing_prerequisites(finished.db, advanced, enrolment.student, TODAY)
    assert [c.code for c in missing] == (
        [] if standing in ("valid", "expires later") else [finished.course.code]
    )


def test_only_completed_enrolments_count_without_a_certificate(finished: Finished) -> None:
    advanced = finished.make.course(code=f"ADV-{finished.course.id}")
    advanced.prerequisites.append(finished.course)
    finished.db.flush()
    enrolment = finished.student(points=90, status=EnrolmentStatus.ENROLLED)
    assert services.missing_prerequisites(finished.db, advanced, enrolment.student) == [finished.course]
    enrolment.status = EnrolmentStatus.COMPLETED
    finished.db.flush()
    assert services.missing_prerequisites(finished.db, advanced, enrolment.student) == []
