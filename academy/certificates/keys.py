"""The deployment's Ed25519 signing keys and its ``did:web`` identity.

Keys are PEM files in ``SIGNING_KEY_FOLDER`` (default ``instance/signing-keys``, never in the
repository), one per key, named by the moment it was made, so the newest is the one that signs.
The first is made on first use; ``flask --app wsgi rotate-signing-key`` adds a newer one. Older keys
are never deleted: the DID document at ``/.well-known/did.json`` lists them all, so a credential
signed before a rotation still verifies. A file lock keeps two processes from making two keys at
once.
"""

from __future__ import annotations

import base64
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from academy.certificates import multibase

DEFAULT_FOLDER = "signing-keys"
ED25519_PUBLIC_PREFIX = b"\xed\x01"  # multicodec ed25519-pub
_cache: dict[tuple[str, str], SigningKey] = {}


class UnknownKey(LookupError):
    """A verification method that names none of this deployment's keys."""


@dataclass(frozen=True)
class SigningKey:
    name: str  # the file's name without ".pem": when it was made, e.g. 20261202T210500123456Z
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def multikey(self) -> str:
        """The public key as a Multikey ``publicKeyMultibase`` (``z6Mk...``); also the DID fragment."""
        return public_multikey(self.public)

    @property
    def jwk(self) -> dict[str, str]:
        """The public key as a JWK, for the ``jwk`` header of the VC-JWT."""
        return public_jwk(self.public)


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_multikey(key: Ed25519PublicKey) -> str:
    return multibase.encode_base58btc(ED25519_PUBLIC_PREFIX + _raw(key))


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The public key as an RFC 8037 JWK: its public part only, never ``d``."""
    x = base64.urlsafe_b64encode(_raw(key)).rstrip(b"=").decode("ascii")
    return {"kty": "OKP", "crv": "Ed25519", "x": x}


def folder() -> Path:
    configured = current_app.config.get("SIGNING_KEY_FOLDER") or DEFAULT_FOLDER
    return Path(current_app.instance_path) / configured


@contextmanager
def _locked(where: Path) -> Iterator[None]:
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(where / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _names(where: Path) -> list[str]:
    try:
        return sorted(entry[:-4] for entry in os.listdir(where) if entry.endswith(".pem"))
    except FileNotFoundError:
        return []


def _load(where: Path, name: str) -> SigningKey:
    cached = _cache.get((str(where), name))
    if cached is None:
        loaded = serialization.load_pem_private_key((where / f"{name}.pem").read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError(f"{where / name}.pem is not an Ed25519 key")
        cached = _cache[(str(where), name)] = SigningKey(name, loaded)
    return cached


def _create(where: Path, now: datetime) -> SigningKey:
    """Write a new key under a temporary name, then link it into place: a process listing the
    folder meanwhile sees either no file or the whole key, never a half-written one."""
    name = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    partial = where / f".{name}.partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        os.link(partial, where / f"{name}.pem")  # fails, rather than replaces, if the name exists
    finally:
        partial.unlink(missing_ok=True)
    return _load(where, name)


def all_keys() -> list[SigningKey]:
    """Every key, oldest first (empty until the first signature)."""
    where = folder()
    return [_load(where, name) for name in _names(where)]


def current_key() -> SigningKey:
    """The newest key, made now when there is none yet."""
    where = folder()
    names = _names(where)
    if names:
        return _load(where, names[-1])
    with _locked(where):
        names = _names(where)  # another process may have made it while this one waited
        return _load(where, names[-1]) if names else _create(where, datetime.now(UTC))


def rotate(now: datetime) -> SigningKey:
    """Make a new key that signs from now on; the older ones stay published."""
    where = folder()
    with _locked(where):
        names = _names(where)
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        if names and stamp <= names[-1]:
            raise ValueError("the clock is behind the newest signing key; not rotating")
        return _create(where, now)


def did() -> str:
    """The deployment's ``did:web`` from ``BASE_URL``: ``did:web:academy.uz`` (a port is ``%3A``)."""
    parts = urlsplit(str(current_app.config["BASE_URL"]))
    host = quote(parts.netloc, safe="")
    path = [quote(segment, safe="") for segment in parts.path.strip("/").split("/") if segment]
    return ":".join(["did:web", host, *path])


def verification_method(key: SigningKey) -> str:
    return f"{did()}#{key.multikey}"


def key_for(method: str) -> Ed25519PublicKey:
    """The public key a proof's ``verificationMethod`` (or a JWT's ``kid``) names, if it is ours."""
    issuer, _hash, fragment = method.partition("#")
    if issuer != did() or not fragment:
        raise UnknownKey(method)
    for key in all_keys():
        if key.multikey == fragment:
            return key.public
    raise UnknownKey(method)


def did_document() -> dict[str, Any]:
    """The DID document: every key, newest first, as an assertion method.

    Each key is a ``Multikey`` with ``publicKeyMultibase`` only, as eddsa-rdfc-2022 needs: DID Core
    (section 5.2.1) forbids a second form of the same key (``publicKeyJwk``) in one method, and the
    Multikey context does not define it. The VC-JWT carries the key as ``jwk`` in its header instead.
    """
    identity = did()
    keys = all_keys() or [current_key()]
    methods = [
        {
            "id": f"{identity}#{key.multikey}",
            "type": "Multikey",
            "controller": identity,
            "publicKeyMultibase": key.multikey,
        }
        for key in reversed(keys)
    ]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": identity,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
        "authentication": [method["id"] for method in methods],
    }
