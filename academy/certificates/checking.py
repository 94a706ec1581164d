"""Checking a credential someone uploads to ``/verify``: JSON with a Data Integrity proof, or a VC-JWT.

Four checks, each of which passes, fails with a reason, or cannot be made here:

* signature: the proof (or the JWT's EdDSA signature) against this academy's keys, old ones too.
  A credential of another issuer cannot be checked: its DID is never fetched, so no upload makes
  the server call out. A JSON document whose fields are not all defined by its contexts fails,
  since fields JSON-LD drops are not covered by the signature;
* schema: the official Open Badges 3.0 JSON schema, formats (date-time, URI) included;
* status: the credential's bit in this academy's Bitstring Status List, read from the database;
* dates: ``validFrom`` reached and ``validUntil`` not passed.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import jwt
from flask_babel import lazy_gettext as _l
from jsonschema import Draft201909Validator
from sqlalchemy.orm import Session

from academy.certificates import credentials, keys, proofs
from academy.certificates.models import Certificate
from academy.certificates.services import find_by_code
from academy.i18n import format_moment
from academy.notifications.emails import public_url

MAX_BYTES = 64 * 1024
JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
JWT_CLAIMS = ("iss", "sub", "jti", "nbf", "exp", "iat", "aud")


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
def _schema_validator() -> Draft201909Validator:
    schema = json.loads((proofs.CONTEXTS / "achievementcredential.schema.json").read_text("utf-8"))
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def schema_errors(document: dict[str, Any]) -> list[str]:
    """Where and why ``document`` breaks the OB 3.0 AchievementCredential schema (empty: it holds)."""
    errors = sorted(_schema_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}" for error in errors
    ]


@cache
def _defined_terms() -> frozenset[str]:
    """Every term any bundled context defines, at any depth (scoped contexts included)."""
    terms: set[str] = set()

    def collect(context: Any) -> None:
        if isinstance(context, dict):
            for name, definition in context.items():
                if not name.startswith("@"):
                    terms.add(name)
                if isinstance(definition, dict) and "@context" in definition:
                    collect(definition["@context"])
        elif isinstance(context, list):
            for item in context:
                collect(item)

    for url in proofs.CONTEXT_FILES:
        collect(proofs.loader()(url)["document"]["@context"])
    return frozenset(terms)


def _keys(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for name, inner in value.items():
            if name == "@context":
                continue
            yield f"{path}{name}"
            yield from _keys(inner, f"{path}{name}/")
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner, path)


def uncovered_fields(document: dict[str, Any]) -> list[str]:
    """Fields no bundled context defines: JSON-LD drops them, so no signature covers them."""
    defined = _defined_terms()
    return sorted(
        {
            path
            for path in _keys(document)
            if not (name := path.rsplit("/", 1)[-1]).startswith("@")
            and ":" not in name
            and name not in defined
        }
    )


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
        return "json", document, None
    if JWT_SHAPE.fullmatch(text):
        try:
            payload = jwt.decode(text, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Unreadable(_l("This JWT cannot be read.")) from None
        if isinstance(payload, dict):
            return "jwt", payload, text
    raise Unreadable(_l("This is neither an Open Badges credential in JSON nor a JWT."))


def _issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


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
    extra = uncovered_fields(document)
    if extra:
        return Check(
            name,
            Outcome.FAILED,
            _l("Fields the signature does not cover: %(fields)s.", fields=", ".join(extra[:5])),
        )
    try:
        proofs.verify(document, keys.key_for)
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
    url, index = entry.get("statusListCredential"), entry.get("statusListIndex")
    tail = url.rsplit("/", 1)[-1] if isinstance(url, str) else ""
    number = int(tail) if tail.isdigit() and len(tail) < 10 else -1
    if number < 0 or url != credentials.status_list_url(number):
        return Check(name, Outcome.UNCHECKED, _l("The status list is not this academy's."))
    if not isinstance(index, str) or not index.isdigit() or int(index) >= credentials.STATUS_LIST_SIZE:
        return Check(name, Outcome.FAILED, _l("The status entry points outside the list."))
    bit = int(index)
    if bit in set(credentials.revoked_bits(session, number)):
        revoked = session.get(Certificate, number * credentials.STATUS_LIST_SIZE + bit)
        when = format_moment(revoked.revoked_at) if revoked is not None and revoked.revoked_at else ""
        return Check(name, Outcome.FAILED, _l("Revoked on %(date)s.", date=when))
    return Check(name, Outcome.PASSED, _l("Not revoked."))


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


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
