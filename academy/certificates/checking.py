"""Checking a credential someone uploads to ``/verify``: JSON with a Data Integrity proof, or a VC-JWT.

Four checks, each of which passes, fails with a reason, or cannot be made here:

* signature: the proof (or the JWT's EdDSA signature) against this academy's keys, old ones too,
  the key always the one the DID document publishes under the proof's method or the JWT's ``kid``
  (a JWT's header ``jwk`` is never trusted: it must be that same key, or the signature fails).
  A credential of another issuer cannot be checked: its DID is never fetched, so no upload makes
  the server call out. A JSON document fails when its contexts are not exactly the academy's, or
  when it has a field no context defines (JSON-LD would drop it, so no signature covers it);
* schema: the official Open Badges 3.0 JSON schema, formats (date-time, URI) included;
* status: the credential's bit in this academy's Bitstring Status List, read from the database;
* dates: ``validFrom`` reached and ``validUntil`` not passed.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import fastjsonschema
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask_babel import lazy_gettext as _l
from jsonschema import Draft201909Validator
from sqlalchemy.orm import Session

from academy.certificates import credentials, keys, proofs
from academy.certificates.models import Certificate, CertificateStatus
from academy.certificates.services import find_by_code
from academy.i18n import format_moment
from academy.notifications.emails import public_url

MAX_BYTES = 64 * 1024
JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
JWT_CLAIMS = ("iss", "sub", "jti", "nbf", "exp", "iat", "aud")
MAX_DEPTH = 24  # an academy credential nests 6 deep
DIGITS = re.compile(r"[0-9]{1,9}")


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    UNCHECKED = "unchecked"  # cannot be checked here (another issuer's key or status list)


class Unreadable(ValueError):
    """The upload is neither a JSON credential nor a JWT."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Check:
    name: Any  # lazy string
    outcome: Outcome
    detail: Any = ""


@dataclass
class Report:
    form: str  # "json" or "jwt"
    checks: list[Check] = field(default_factory=list)
    certificate: Certificate | None = None  # the academy's certificate the credential names, if any

    @property
    def holds(self) -> bool:
        return all(check.outcome is Outcome.PASSED for check in self.checks)


@cache
def _official_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (proofs.CONTEXTS / "achievementcredential.schema.json").read_text("utf-8")
    )
    return schema


@cache
def _schema_validator() -> Draft201909Validator:
    return Draft201909Validator(_official_schema(), format_checker=Draft201909Validator.FORMAT_CHECKER)


@cache
def _compiled_schema() -> Callable[[Any], Any]:
    """The same schema compiled to Python by fastjsonschema, fifteen times faster than jsonschema.

    fastjsonschema knows draft 7, not 2019-09; the OB 3.0 schema uses no keyword whose meaning
    differs between them (its ``$ref``s are JSON pointers into ``$defs``, its arrays ``items`` and
    ``additionalItems``). A test holds both validators to the same verdict on thousands of edited
    credentials; and whatever fastjsonschema refuses is refused here, with jsonschema's messages.
    """
    return fastjsonschema.compile(
        {**_official_schema(), "$schema": "http://json-schema.org/draft-07/schema#"}
    )


def schema_errors(document: dict[str, Any]) -> list[str]:
    """Where and why ``document`` breaks the OB 3.0 AchievementCredential schema (empty: it holds)."""
    try:
        _compiled_schema()(document)
    except fastjsonschema.JsonSchemaException as refused:
        errors = sorted(_schema_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
        found = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]
        return found or [str(refused)]
    return []


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (without recursion, whatever the input)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack.extend(
                    (inner, depth + 1) for inner in (item.values() if isinstance(item, dict) else item)
                )
    return deepest


def read(upload: str | bytes) -> tuple[str, dict[str, Any], str | None]:
    """(form, credential, token) of an upload; ``Unreadable`` when it is neither form."""
    if len(upload) > MAX_BYTES or (isinstance(upload, str) and len(upload.encode("utf-8")) > MAX_BYTES):
        raise Unreadable(_l("A credential is at most %(size)s KB.", size=MAX_BYTES // 1024))
    if isinstance(upload, bytes):
        try:
            upload = upload.decode("utf-8")
        except UnicodeDecodeError:
            raise Unreadable(_l("This file is not text: upload the .json or .jwt file.")) from None
    text = upload.strip().lstrip("\ufeff")
    if not text:
        raise Unreadable(_l("Choose a credential file or paste one."))
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            raise Unreadable(_l("This file is not valid JSON.")) from None
        if not isinstance(document, dict):
            raise Unreadable(_l("This file is not valid JSON."))
        if _depth(document) > MAX_DEPTH:
            raise Unreadable(_l("This credential is nested too deeply to be one."))
        return "json", document, None
    if JWT_SHAPE.fullmatch(text):
        try:
            payload = jwt.decode(text, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Unreadable(_l("This JWT cannot be read.")) from None
        if isinstance(payload, dict):
            if _depth(payload) > MAX_DEPTH:
                raise Unreadable(_l("This credential is nested too deeply to be one."))
            return "jwt", payload, text
    raise Unreadable(_l("This is neither an Open Badges credential in JSON nor a JWT."))


def _issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _same_key(jwk: Any, public: Ed25519PublicKey) -> bool:
    """Whether a JWT header's ``jwk`` is exactly the public part of ``public``.

    The header's key is never trusted: the key is the one the DID document publishes under ``kid``,
    and a ``jwk`` beside it must be that key (a private ``d`` in it is refused too).
    """
    if not isinstance(jwk, dict):
        return False
    material = {name: jwk[name] for name in ("kty", "crv", "x", "d") if name in jwk}
    return material == keys.public_jwk(public)


def _signature(document: dict[str, Any], token: str | None) -> Check:
    name = _l("Signature")
    ours = keys.did()
    issuer = _issuer_id(document)
    if issuer != ours:
        return Check(
            name,
            Outcome.UNCHECKED,
            _l(
                "Issued by %(issuer)s, not by this academy: its signature cannot be checked here.",
                issuer=issuer or "?",
            ),
        )
    if token is not None:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != credentials.JWT_ALGORITHM:
                raise ValueError
            public = keys.key_for(str(header.get("kid", "")))
            if "jwk" in header and not _same_key(header["jwk"], public):
                raise ValueError
            jwt.decode(
                token,
                public,
                algorithms=[credentials.JWT_ALGORITHM],
                options={"verify_exp": False, "verify_nbf": False, "verify_aud": False, "verify_iat": False},
            )
        except (jwt.PyJWTError, LookupError, ValueError):
            return Check(name, Outcome.FAILED, _l("The JWT's signature does not match its content."))
        if document.get("iss") != issuer:
            return Check(
                name, Outcome.FAILED, _l("The JWT's issuer claim differs from the credential's issuer.")
            )
        return Check(name, Outcome.PASSED, _l("Signed by this academy (EdDSA)."))
    if document.get("@context") != credentials.CONTEXT:
        return Check(name, Outcome.FAILED, _l("Its contexts are not the ones this academy signs with."))
    try:
        proofs.verify(document, keys.key_for)
    except proofs.UncoveredProperty as error:
        return Check(
            name, Outcome.FAILED, _l("Fields the signature does not cover: %(fields)s.", fields=error.name)
        )
    except proofs.ProofError:
        return Check(
            name, Outcome.FAILED, _l("The proof does not match the document: it was changed after signing.")
        )
    return Check(name, Outcome.PASSED, _l("Signed by this academy (eddsa-rdfc-2022)."))


def _schema(document: dict[str, Any]) -> Check:
    name = _l("Open Badges 3.0 schema")
    unsigned = {key: value for key, value in document.items() if key not in JWT_CLAIMS}
    errors = schema_errors(unsigned)
    if errors:
        return Check(name, Outcome.FAILED, "; ".join(errors[:3]))
    return Check(name, Outcome.PASSED, _l("Valid AchievementCredential."))


def _status(session: Session, document: dict[str, Any]) -> Check:
    name = _l("Status")
    entry = document.get("credentialStatus")
    if not isinstance(entry, dict):
        return Check(name, Outcome.UNCHECKED, _l("The credential names no status list."))
    if (
        entry.get("type") != "BitstringStatusListEntry"
        or entry.get("statusPurpose") != credentials.STATUS_PURPOSE
    ):
        return Check(
            name,
            Outcome.UNCHECKED,
            _l("The status entry is not a revocation entry of a Bitstring Status List."),
        )
    url, index = entry.get("statusListCredential"), entry.get("statusListIndex")
    tail = url.rsplit("/", 1)[-1] if isinstance(url, str) else ""
    number = int(tail) if DIGITS.fullmatch(tail) else -1
    if number < 0 or url != credentials.status_list_url(number):
        return Check(name, Outcome.UNCHECKED, _l("The status list is not this academy's."))
    if (
        not isinstance(index, str)
        or not DIGITS.fullmatch(index)
        or int(index) >= credentials.STATUS_LIST_SIZE
    ):
        return Check(name, Outcome.FAILED, _l("The status entry points outside the list."))
    # The bit of the list, read where the list is made from: the certificate of that id.
    held = session.get(Certificate, number * credentials.STATUS_LIST_SIZE + int(index))
    if held is not None and held.status is CertificateStatus.REVOKED:
        when = format_moment(held.revoked_at) if held.revoked_at else ""
        return Check(name, Outcome.FAILED, _l("Revoked on %(date)s.", date=when))
    return Check(name, Outcome.PASSED, _l("Not revoked."))


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Years far from now cannot be shown in every time zone (and no credential holds then anyway).
    return moment if moment.tzinfo is not None and 1900 <= moment.year <= 9000 else None


def _dates(document: dict[str, Any], now: datetime) -> Check:
    name = _l("Dates")
    valid_from = _moment(document.get("validFrom"))
    if valid_from is None:
        return Check(
            name, Outcome.FAILED, _l("validFrom is missing or not a date and time with a time zone.")
        )
    if valid_from > now:
        return Check(name, Outcome.FAILED, _l("Not valid before %(date)s.", date=format_moment(valid_from)))
    if "validUntil" in document:
        valid_until = _moment(document["validUntil"])
        if valid_until is None:
            return Check(name, Outcome.FAILED, _l("validUntil is not a date and time with a time zone."))
        if valid_until <= now:
            return Check(name, Outcome.FAILED, _l("Expired on %(date)s.", date=format_moment(valid_until)))
    return Check(name, Outcome.PASSED, _l("Valid from %(date)s.", date=format_moment(valid_from)))


def check(session: Session, upload: str | bytes, now: datetime) -> Report:
    """What holds of an uploaded credential; ``Unreadable`` when it is not one."""
    form, document, token = read(upload)
    certificate = None
    credential_id = document.get("id")
    prefix = public_url("verify.search") + "/"
    if isinstance(credential_id, str) and credential_id.startswith(prefix):
        certificate = find_by_code(session, credential_id[len(prefix) :])
    return Report(
        form,
        [
            _signature(document, token),
            _schema(document),
            _status(session, document),
            _dates(document, now),
        ],
        certificate,
    )
