"""Open Badges 3.0: each certificate as a signed ``AchievementCredential``, and the status lists.

At issue every certificate gets two signed forms, stored with it so that what a holder downloaded
stays byte for byte what the academy signed, whatever key signs later:

* ``credential``: the JSON-LD credential with an embedded ``eddsa-rdfc-2022`` Data Integrity proof
  (served at ``/verify/<code>/ob3.json``);
* ``credential_jwt``: the same credential as a VC-JWT signed with EdDSA, the credential's members at
  the top of the payload with ``iss``, ``sub``, ``jti``, ``nbf`` and ``exp`` (OB 3.0 section 8.2),
  the key named by ``kid`` and carried, public part only, as ``jwk`` in the JOSE header, which many
  OB 3.0 verifiers read (served at ``/verify/<code>/ob3.jwt``).

Both are written in the holder's language and name the achievement's skills as alignments and as
results with their levels. No two objects without an ``id`` are alike (an alignment appears once,
levels have no list of allowed values): such twins are blank nodes that ``proofs`` refuses. Each
carries a ``credentialStatus`` entry pointing at bit ``id % 131072`` of the Bitstring Status List
``/credentials/status/<id // 131072>``, which the app builds from the revoked certificates when
asked (see ``status_list_credential``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import secrets
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any, cast

import jwt
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from academy.certificates import keys, multibase, proofs
from academy.certificates.models import Certificate, CertificateSkill, CertificateStatus
from academy.cohorts.models import Enrolment
from academy.cohorts.timetable import LOCAL_TIME
from academy.notifications.emails import public_url
from academy.regions.models import Region

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
STATUS_LIST_SIZE = 131072  # bits per list: the spec's minimum, for herd privacy
STATUS_PURPOSE = "revocation"
JWT_ALGORITHM = "EdDSA"
MEDIA_TYPE = "application/vc"  # a secured VC 2.0 credential (IANA, 2024); the JWT is application/jwt
SIGNED_LISTS_KEPT = 64  # status lists kept signed per process; far more than a deployment has


def status_position(certificate_id: int) -> tuple[int, int]:
    """(list number, bit index) of a certificate in the status lists."""
    return divmod(certificate_id, STATUS_LIST_SIZE)


def status_list_url(number: int) -> str:
    return public_url("credentials.status_list", number=number)


def issuer_profile() -> dict[str, Any]:
    return {
        "id": keys.did(),
        "type": ["Profile"],
        "name": _("BPO/KPO Academy"),
        "url": str(public_url("catalogue.index")),
    }


def _day_start(day: date) -> str:
    """Midnight in Tashkent of ``day``, as an XML Schema dateTime in UTC."""
    return proofs.timestamp(datetime.combine(day, time(), LOCAL_TIME))


def _amount(value: float) -> str:
    return f"{value:.2f}"


def _identifiers(holder_name: str, email: str) -> list[dict[str, Any]]:
    """The holder's name as registered, and their e-mail salted and hashed (as OB 3.0 recommends)."""
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": holder_name},
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": True,
            "identityHash": f"sha256${digest}",
            "salt": salt,
        },
    ]


def build(certificate: Certificate, email: str, region_name: str | None) -> dict[str, Any]:
    """The unsigned ``AchievementCredential`` of a certificate, in the holder's language.

    Call inside ``force_locale(certificate.language)``; ``certificate.course`` and its skills must
    be loaded.
    """
    locale = certificate.language
    course = certificate.course
    achievement_id = public_url("catalogue.course", code=course.code)
    grade_id = f"{achievement_id}#final-grade"
    attendance_id = f"{achievement_id}#attendance"
    alignments, descriptions, results = [], [], []
    descriptions.append(
        {
            "id": grade_id,
            "type": ["ResultDescription"],
            "name": _("Final grade"),
            "resultType": "Percent",
            "valueMin": "0",
            "valueMax": "100",
            "requiredValue": _amount(course.pass_mark),
        }
    )
    results.append(
        {"type": ["Result"], "resultDescription": grade_id, "value": _amount(certificate.final_grade)}
    )
    if certificate.attendance_rate is not None:
        descriptions.append(
            {
                "id": attendance_id,
                "type": ["ResultDescription"],
                "name": _("Attendance"),
                "resultType": "Percent",
                "valueMin": "0",
                "valueMax": "100",
            }
        )
        results.append(
            {
                "type": ["Result"],
                "resultDescription": attendance_id,
                "value": _amount(certificate.attendance_rate),
            }
        )
    for proven in sorted(certificate.skills, key=lambda s: s.skill.code):
        skill = proven.skill
        alignment = {
            "type": ["Alignment"],
            "targetName": skill.name(locale),
            "targetUrl": public_url("catalogue.index", skill=skill.code),
            "targetCode": skill.code,
            "targetType": "ext:Skill",
        }
        if skill.description(locale):
            alignment["targetDescription"] = skill.description(locale)
        alignments.append(alignment)
        skill_id = f"{achievement_id}#skill-{skill.code}"
        descriptions.append(
            {
                "id": skill_id,
                "type": ["ResultDescription"],
                "name": skill.name(locale),
                "resultType": "PerformanceLevel",
                "valueMax": skill.level_label(skill.max_level),
            }
        )
        results.append(
            {
                "type": ["Result"],
                "resultDescription": skill_id,
                "value": skill.level_label(proven.level),
            }
        )
    place = region_name if region_name is not None else _("Online")
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": course.title(locale),
        "description": course.description(locale) or course.title(locale),
        "criteria": {
            "narrative": _(
                "Completed %(hours)d hours of training (%(place)s) with a passing final grade "
                "and attendance under the course's grading policy.",
                hours=certificate.hours,
                place=place,
            )
        },
        "humanCode": course.code,
        "inLanguage": locale,
        "fieldOfStudy": certificate.track.value.upper(),
        "alignment": alignments,
        "resultDescription": descriptions,
    }
    number, index = status_position(certificate.id)
    list_url = status_list_url(number)
    credential: dict[str, Any] = {
        "@context": CONTEXT,
        "id": public_url("verify.certificate", code=certificate.verification_code),
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": course.title(locale),
        "issuer": issuer_profile(),
        "validFrom": proofs.timestamp(certificate.issued_at),
        "awardedDate": proofs.timestamp(certificate.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": _identifiers(certificate.holder_name, email),
            "activityStartDate": _day_start(certificate.starts_on),
            "activityEndDate": _day_start(certificate.ends_on),
            "achievement": achievement,
            "result": results,
        },
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": STATUS_PURPOSE,
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
    }
    if certificate.expires_on is not None:
        credential["validUntil"] = _day_start(certificate.expires_on)
    return credential


def sign_json(credential: dict[str, Any], key: keys.SigningKey, now: datetime) -> dict[str, Any]:
    return proofs.sign(credential, key.private, keys.verification_method(key), now)


def sign_jwt(credential: dict[str, Any], key: keys.SigningKey) -> str:
    """The VC-JWT: the credential at the top of the payload with the registered claims beside it."""
    payload = dict(credential)
    payload.update(
        iss=credential["issuer"]["id"],
        jti=credential["id"],
        nbf=int(datetime.fromisoformat(credential["validFrom"]).timestamp()),
    )
    if "validUntil" in credential:
        payload["exp"] = int(datetime.fromisoformat(credential["validUntil"]).timestamp())
    headers = {"kid": keys.verification_method(key), "typ": "JWT", "jwk": key.jwk}
    return jwt.encode(payload, key.private, algorithm=JWT_ALGORITHM, headers=headers)


def dump(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def sign_certificates(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Build, sign and store both forms of the credentials of new certificates.

    Three reads (certificates with course and holder, skills, regions) and one UPDATE, whatever the
    number of certificates.
    """
    if not ids:
        return
    found = session.scalars(
        select(Certificate)
        .where(Certificate.id.in_(ids))
        .options(
            joinedload(Certificate.course),
            joinedload(Certificate.enrolment).joinedload(Enrolment.student),
            selectinload(Certificate.skills).joinedload(CertificateSkill.skill),
        )
    ).all()
    codes = {c.region_code for c in found if c.region_code is not None}
    regions = (
        {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))} if codes else {}
    )
    key = keys.current_key()
    signed = []
    for certificate in found:
        region = regions.get(certificate.region_code or "")
        region_name = region.name(certificate.language) if region is not None else certificate.region_code
        with force_locale(certificate.language):
            credential = build(certificate, certificate.enrolment.student.email, region_name)
        signed.append(
            {
                "b_id": certificate.id,
                "b_credential": dump(sign_json(credential, key, now)),
                "b_jwt": sign_jwt(credential, key),
            }
        )
    table = cast(Table, Certificate.__table__)
    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(credential=bindparam("b_credential"), credential_jwt=bindparam("b_jwt")),
        signed,
    )
    for certificate in found:
        session.expire(certificate, ["credential", "credential_jwt"])


def revoked_bits(session: Session, number: int) -> list[int]:
    """The bit indexes of revoked certificates in status list ``number``."""
    first = number * STATUS_LIST_SIZE
    return [
        certificate_id - first
        for certificate_id in session.scalars(
            select(Certificate.id).where(
                Certificate.id >= first,
                Certificate.id < first + STATUS_LIST_SIZE,
                Certificate.status == CertificateStatus.REVOKED,
            )
        )
    ]


def encode_list(bits: Sequence[int]) -> str:
    """``encodedList``: the bitstring (index 0 is the first byte's highest bit), GZIP, base64url."""
    raw = bytearray(STATUS_LIST_SIZE // 8)
    for index in bits:
        raw[index // 8] |= 0x80 >> (index % 8)
    return multibase.encode_base64url(gzip.compress(bytes(raw), mtime=0))


_signed_lists: dict[tuple[str, str, str], dict[str, Any]] = {}


def status_list_credential(session: Session, number: int, now: datetime) -> dict[str, Any]:
    """The signed ``BitstringStatusListCredential`` of list ``number`` as the database has it now.

    Signing happens only when the list's content (or the signing key) changed since this process
    last signed it; otherwise the earlier signed document is served again.
    """
    encoded = encode_list(revoked_bits(session, number))
    key = keys.current_key()
    url = status_list_url(number)
    cache_key = (url, encoded, keys.verification_method(key))
    cached = _signed_lists.get(cache_key)
    if cached is not None:
        return cached
    with force_locale("en"):
        issuer = issuer_profile()
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer["id"],
        "validFrom": proofs.timestamp(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encoded,
        },
    }
    signed = proofs.sign(credential, key.private, keys.verification_method(key), now)
    for stale in [k for k in _signed_lists if k[0] == url]:
        del _signed_lists[stale]
    if len(_signed_lists) >= SIGNED_LISTS_KEPT:
        _signed_lists.clear()
    _signed_lists[cache_key] = signed
    return signed
