"""What the public verification page states about a certificate, read in a fixed number of queries.

Everything shown comes from the certificate's own snapshot (holder, hours, grade, skills and levels,
region and dates), never from the course or profile as they are now, so the page exposes an edited
PDF. The one live part is the status: revoked, or expired from ``expires_on`` on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from academy.certificates.models import Certificate, CertificateSkill
from academy.certificates.services import CertificateState, certificate_status
from academy.regions.models import Region

CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class ProvenSkill:
    name: str  # in the visitor's language
    level: str  # as stored, CEFR (A1..C2) for a language skill


@dataclass(frozen=True)
class Linked:
    """Another certificate of the same enrolment: the one this replaced, or the one replacing it."""

    serial: str
    code: str


@dataclass(frozen=True)
class Verification:
    certificate: Certificate
    state: CertificateState
    course_title: str
    region_name: str | None  # None: an online cohort (the code itself for a region no longer listed)
    skills: list[ProvenSkill]
    replaces: Linked | None
    replaced_by: Linked | None


def well_shaped(code: str) -> bool:
    """Whether ``code`` could be a verification code at all (checked before any query)."""
    return CODE_SHAPE.fullmatch(code) is not None


def verify(session: Session, code: str, locale: str, today: date) -> Verification | None:
    """The certificate of ``code`` as the public sees it in ``locale``, or None (also for a bad shape)."""
    if not well_shaped(code):
        return None
    certificate = session.scalar(
        select(Certificate)
        .where(Certificate.verification_code == code)
        .options(
            joinedload(Certificate.course),
            joinedload(Certificate.replaces),
            selectinload(Certificate.skills).joinedload(CertificateSkill.skill),
        )
    )
    if certificate is None:
        return None
    region = None if certificate.region_code is None else session.get(Region, certificate.region_code)
    successor = session.execute(
        select(Certificate.serial, Certificate.verification_code).where(
            Certificate.replaces_id == certificate.id
        )
    ).first()
    skills = sorted(
        (ProvenSkill(s.skill.name(locale), s.skill.level_label(s.level)) for s in certificate.skills),
        key=lambda skill: skill.name.casefold(),
    )
    previous = certificate.replaces
    return Verification(
        certificate=certificate,
        state=certificate_status(certificate, today),
        course_title=certificate.course.title(locale),
        region_name=certificate.region_code if region is None else region.name(locale),
        skills=skills,
        replaces=None if previous is None else Linked(previous.serial, previous.verification_code),
        replaced_by=None if successor is None else Linked(successor[0], successor[1]),
    )
