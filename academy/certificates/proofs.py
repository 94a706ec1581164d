"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa), both ways.

The signed bytes are SHA-256 of the RDF-canonical (RDFC-1.0, URDNA2015) proof configuration followed
by SHA-256 of the canonical document without its proof; the proof value is the Ed25519 signature
in base58btc. Canonicalization resolves every ``@context`` from the copies bundled in
``contexts/`` and never from the network: an unknown context is refused.

Canonicalization can take exponential time on crafted graphs whose blank nodes look alike (the
"poison graph" attack). Credentials this academy signs never have two blank nodes with the same
first-degree hash, so any document that has them, or too many blank nodes, is refused before the
canonicalization algorithm runs: it cannot be one the academy signed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

from academy.certificates import multibase

CONTEXTS = Path(__file__).parent / "contexts"
CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://w3id.org/security/data-integrity/v2": "security-data-integrity-v2.json",
}
CRYPTOSUITE = "eddsa-rdfc-2022"
MAX_BLANK_NODES = 500
_BLANK = re.compile(r"_:[A-Za-z0-9_.-]+")
_LITERAL = re.compile(r'("(?:[^"\\]|\\.)*")')


class ProofError(ValueError):
    """Why a proof does not hold (the message is for logs; views say it in the reader's language)."""


@cache
def _bundled(url: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CONTEXTS / CONTEXT_FILES[url]).read_text("utf-8"))
    return document


def loader(extra: Mapping[str, dict[str, Any]] | None = None) -> Callable[..., dict[str, Any]]:
    """A JSON-LD document loader that serves the bundled contexts (and ``extra``) and nothing else."""

    def load(url: str, options: object = None) -> dict[str, Any]:
        if extra is not None and url in extra:
            document = extra[url]
        elif url in CONTEXT_FILES:
            document = _bundled(url)
        else:
            raise ProofError(f"unknown JSON-LD context {url!r}")
        return {"contextUrl": None, "documentUrl": url, "document": document}

    return load


def _check_blank_nodes(nquads: str) -> None:
    """Refuse graphs whose canonicalization could explode (see the module's docstring)."""
    lines_of: dict[str, list[list[str]]] = defaultdict(list)
    for line in nquads.splitlines():
        parts = _LITERAL.split(line)  # odd parts are literals, where "_:" is just text
        for node in {node for part in parts[::2] for node in _BLANK.findall(part)}:
            lines_of[node].append(parts)
    if len(lines_of) > MAX_BLANK_NODES:
        raise ProofError("too many blank nodes")

    def relabel(parts: list[str], me: str) -> str:
        swap = lambda m: "_:a" if m.group() == me else "_:z"  # noqa: E731
        return "".join(part if i % 2 else _BLANK.sub(swap, part) for i, part in enumerate(parts))

    hashes = Counter(
        "\n".join(sorted(relabel(parts, node) for parts in lines)) for node, lines in lines_of.items()
    )
    if hashes and max(hashes.values()) > 1:
        raise ProofError("blank nodes that look alike")


def canonize(document: Mapping[str, Any], extra: Mapping[str, dict[str, Any]] | None = None) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document."""
    load = loader(extra)
    try:
        nquads = jsonld.to_rdf(dict(document), {"format": "application/n-quads", "documentLoader": load})
        _check_blank_nodes(nquads)
        return str(
            jsonld.normalize(
                nquads,
                {
                    "algorithm": "URDNA2015",
                    "inputFormat": "application/n-quads",
                    "format": "application/n-quads",
                    "documentLoader": load,
                },
            )
        )
    except jsonld.JsonLdError as error:
        raise ProofError(f"not valid JSON-LD: {error}") from None


def _hash_data(
    document: Mapping[str, Any], proof: Mapping[str, Any], extra: Mapping[str, dict[str, Any]] | None
) -> bytes:
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    config["@context"] = document.get("@context")
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    return (
        hashlib.sha256(canonize(config, extra).encode("utf-8")).digest()
        + hashlib.sha256(canonize(unsecured, extra).encode("utf-8")).digest()
    )


def timestamp(moment: datetime) -> str:
    """An XML Schema dateTime in UTC to the second, as credentials write them."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(
    document: Mapping[str, Any],
    key: Ed25519PrivateKey,
    method: str,
    created: datetime,
    extra: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``document`` with an ``eddsa-rdfc-2022`` proof by ``key``, named ``method``, added."""
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": timestamp(created),
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
    }
    signature = key.sign(_hash_data(document, proof, extra))
    proof["proofValue"] = multibase.encode_base58btc(signature)
    signed = {key: value for key, value in document.items() if key != "proof"}
    signed["proof"] = [proof]
    return signed


def verify(
    document: Mapping[str, Any],
    key_for: Callable[[str], Ed25519PublicKey],
    extra: Mapping[str, dict[str, Any]] | None = None,
) -> str:
    """Check the document's one ``eddsa-rdfc-2022`` proof; the verification method it names.

    ``key_for`` gives the public key of a verification method or raises LookupError. Raises
    ProofError with the reason when the proof does not hold.
    """
    proofs = document.get("proof")
    if isinstance(proofs, dict):
        proofs = [proofs]
    if not isinstance(proofs, list) or len(proofs) != 1 or not isinstance(proofs[0], dict):
        raise ProofError("expected exactly one proof")
    proof = proofs[0]
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError("not an eddsa-rdfc-2022 Data Integrity proof")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("the proof's purpose is not assertionMethod")
    method, value = proof.get("verificationMethod"), proof.get("proofValue")
    if not isinstance(method, str) or not isinstance(value, str):
        raise ProofError("the proof has no verification method or value")
    try:
        public = key_for(method)
    except LookupError:
        raise ProofError(f"unknown verification method {method!r}") from None
    try:
        signature = multibase.decode_base58btc(value)
    except ValueError:
        raise ProofError("the proof value is not base58btc") from None
    try:
        public.verify(signature, _hash_data(document, proof, extra))
    except InvalidSignature:
        raise ProofError("the signature does not match the document") from None
    return method
