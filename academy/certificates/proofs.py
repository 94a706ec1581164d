"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa), both ways.

The signed bytes are SHA-256 of the RDF-canonical (RDFC-1.0, URDNA2015) proof configuration followed
by SHA-256 of the canonical document without its proof; the proof value is the Ed25519 signature
in base58btc. Canonicalization resolves every ``@context`` from the copies bundled in
``contexts/`` and never from the network: an unknown context is refused.

Canonicalization runs in "safe mode": a property JSON-LD would silently drop (undefined, a blank-node
name, an unknown ``@`` word) is an error, so nothing in a document escapes its signature.

Canonicalization can take exponential time on crafted graphs whose blank nodes look alike (the
"poison graph" attack). Credentials this academy signs never have two blank nodes with the same
first-degree hash, so any document that has them, or too many blank nodes, is refused before the
canonicalization algorithm runs: it cannot be one the academy signed.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld
from pyld.canon import URDNA2015

from academy.certificates import multibase

CONTEXTS = Path(__file__).parent / "contexts"
CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://w3id.org/security/data-integrity/v2": "security-data-integrity-v2.json",
}
CRYPTOSUITE = "eddsa-rdfc-2022"
MAX_BLANK_NODES = 500


class ProofError(ValueError):
    """Why a proof does not hold (the message is for logs; views say it in the reader's language)."""


class UncoveredProperty(ProofError):
    """A property JSON-LD drops (no context defines it): no signature covers it."""

    def __init__(self, name: str) -> None:
        super().__init__(f"property {name!r} is not defined by the document's contexts")
        self.name = name


def _refuse_dropped(name: str | None) -> None:
    raise UncoveredProperty(str(name))


@cache
def _bundled_objects() -> frozenset[int]:
    """The ids of every object inside the bundled contexts (which are loaded once and kept)."""
    found: set[int] = set()

    def walk(value: Any) -> None:
        if isinstance(value, (dict, list)):
            found.add(id(value))
            for inner in value.values() if isinstance(value, dict) else value:
                walk(inner)

    for url in CONTEXT_FILES:
        walk(_bundled(url))
    return frozenset(found)


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
        return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}

    return load


class _Processor(jsonld.JsonLdProcessor):
    """pyld's processor, remembering each context it processed on top of each active context.

    pyld's own cache misses for type-scoped contexts (each use makes a fresh active context), so a
    credential's ~15 typed objects had their contexts processed anew on every canonicalization: two
    thirds of the time. An active context is never changed once made, so the result of processing
    the same local context (the same URL, or the very same object) on the same active context (its
    ``_uuid``) with the same flags is the same; keeping it makes the whole tree's contexts stable.
    """

    memo: dict[tuple[Any, ...], tuple[Any, Any]] = {}
    MEMO_SIZE = 4096

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        def process() -> Any:
            return super(_Processor, self)._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
            )

        uuid = active_ctx.get("_uuid")
        if uuid is None or cycles:
            return process()
        if isinstance(local_ctx, str):
            ident: Any = local_ctx
        elif isinstance(local_ctx, list) and all(isinstance(item, str) for item in local_ctx):
            ident = tuple(local_ctx)
        elif id(local_ctx) in _bundled_objects():
            ident = id(local_ctx)  # a scoped context inside a bundled context: lives as long as the process
        else:
            return process()  # an inline context of the document itself is never kept
        key = (uuid, ident, override_protected, propagate, validate_scoped, options.get("base", ""))
        hit = self.memo.get(key)
        if hit is not None and (not isinstance(ident, int) or hit[0] is local_ctx):
            return hit[1]
        result = process()
        if len(self.memo) >= self.MEMO_SIZE:
            self.memo.clear()
        self.memo[key] = (local_ctx, result)
        return result


def _check_blank_nodes(dataset: dict[str, list[dict[str, Any]]]) -> None:
    """Refuse graphs whose canonicalization could explode (see the module's docstring).

    Two blank nodes look alike when the quads they occur in are the same once the node itself is
    named ``a`` and every other blank node ``z``: RDFC-1.0's first-degree hash.
    """
    quads_of: dict[str, list[tuple[tuple[str, str, str, str], ...]]] = defaultdict(list)
    for graph, quads in dataset.items():
        for quad in quads:
            parts = [quad["subject"], quad["predicate"], quad["object"]]
            parts.append({"type": "blank node" if graph.startswith("_:") else "IRI", "value": graph})
            terms = tuple(
                (p["type"], p["value"], str(p.get("datatype", "")), str(p.get("language", ""))) for p in parts
            )
            for node in {term[1] for term in terms if term[0] == "blank node"}:
                quads_of[node].append(terms)
    if len(quads_of) > MAX_BLANK_NODES:
        raise ProofError("too many blank nodes")
    hashes = Counter(
        tuple(
            sorted(
                tuple(
                    (kind, ("a" if value == node else "z") if kind == "blank node" else value, dt, lang)
                    for kind, value, dt, lang in terms
                )
                for terms in quads
            )
        )
        for node, quads in quads_of.items()
    )
    if hashes and max(hashes.values()) > 1:
        raise ProofError("blank nodes that look alike")


KEYWORDS = frozenset(
    [
        "@context",
        "@id",
        "@type",
        "@value",
        "@language",
        "@direction",
        "@graph",
        "@list",
        "@set",
        "@reverse",
        "@index",
        "@base",
        "@vocab",
        "@container",
        "@nest",
        "@prefix",
        "@propagate",
        "@protected",
        "@version",
        "@json",
        "@none",
        "@included",
        "@import",
    ]
)


def _odd_keys(value: Any) -> Iterator[str]:
    """Keys JSON-LD ignores without a word: blank-node names and ``@`` words that are no keyword."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key.startswith("_:") or (key.startswith("@") and key not in KEYWORDS):
                yield key
            if key != "@context":
                yield from _odd_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _odd_keys(inner)


def canonize(document: Mapping[str, Any], extra: Mapping[str, dict[str, Any]] | None = None) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document.

    In "safe mode": a property JSON-LD would drop, because no context defines it or it names a blank
    node (RDF has no blank-node predicates), raises ``UncoveredProperty`` rather than vanishing from
    what is signed. Any other failure on odd input is a ``ProofError``.
    """
    for key in _odd_keys(document):
        raise UncoveredProperty(key)
    try:
        processor = _Processor(on_property_dropped=_refuse_dropped)
        dataset = processor.to_rdf(dict(document), {"documentLoader": loader(extra)})
        _check_blank_nodes(dataset)
        return str(URDNA2015().main(dataset, {"format": "application/n-quads"}))
    except ProofError:
        raise
    except jsonld.JsonLdError as error:
        cause = error.__cause__ or error.__context__
        if isinstance(cause, ProofError):
            raise cause from None
        raise ProofError(f"not valid JSON-LD: {error}") from None
    except (RecursionError, OverflowError, TypeError, ValueError, KeyError, AttributeError) as error:
        raise ProofError(f"cannot be canonicalized: {type(error).__name__}") from None


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
    if "@context" in proof and proof["@context"] != document.get("@context"):
        raise ProofError("the proof's @context differs from the document's")
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
