"""Open Badges 3.0 credentials: both proofs, checked by code independent of the signing path."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import Flask
from pyld import jsonld

from academy.certificates import checking, credentials, keys, multibase, proofs
from academy.certificates.cli import rotate_signing_key_command
from academy.certificates.models import Certificate
from academy.certificates.services import reissue_certificate, revoke_certificate
from academy.db import utcnow
from tests.certificates.conftest import NOW, Finished

VECTORS = Path(__file__).parent / "vectors"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"
SHARED_SCHEMA = (
    Path(__file__).resolve().parents[3] / "shared" / "specs" / "ob3" / "achievementcredential.schema.json"
)


def vector(name: str) -> Any:
    return json.loads((VECTORS / name).read_text("utf-8"))


def examples() -> dict[str, Any]:
    return {EXAMPLES_CONTEXT: vector("credentials-examples-v2.json")}


def vector_key() -> tuple[Ed25519PrivateKey, Ed25519PublicKey]:
    pair = vector("key-pair.json")
    public = multibase.decode_base58btc(pair["publicKeyMultibase"])
    secret = multibase.decode_base58btc(pair["privateKeyMultibase"])
    assert public[:2] == b"\xed\x01" and secret[:2] == b"\x80\x26"  # multicodec ed25519-pub / -priv
    return Ed25519PrivateKey.from_private_bytes(secret[2:]), Ed25519PublicKey.from_public_bytes(public[2:])


# --- An independent verifier: pyld and cryptography directly, the key from the served DID document.


def independent_loader(url: str, options: object = None) -> dict[str, Any]:
    files = {**{u: proofs.CONTEXTS / f for u, f in proofs.CONTEXT_FILES.items()}}
    if url == EXAMPLES_CONTEXT:
        return {"contextUrl": None, "documentUrl": url, "document": vector("credentials-examples-v2.json")}
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(files[url].read_text("utf-8"))}


def rdfc(document: dict[str, Any]) -> bytes:
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": independent_loader,
    }
    return str(jsonld.normalize(document, options)).encode("utf-8")


def independent_verify(document: dict[str, Any], public: Ed25519PublicKey) -> bool:
    """W3C vc-di-eddsa section 3.3 from the text, sharing nothing with ``academy.certificates.proofs``."""
    proof = document["proof"][0] if isinstance(document["proof"], list) else document["proof"]
    config = {k: v for k, v in proof.items() if k != "proofValue"} | {"@context": document["@context"]}
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    data = hashlib.sha256(rdfc(config)).digest() + hashlib.sha256(rdfc(unsecured)).digest()
    value = proof["proofValue"]
    number = 0
    for character in value[1:]:
        number = number * 58 + "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".index(character)
    try:
        public.verify(number.to_bytes(64, "big"), data)
    except Exception:
        return False
    return True


def did_keys(client: Any) -> dict[str, Ed25519PublicKey]:
    """Every key the served DID document publishes, by verification method id."""
    document = client.get("/.well-known/did.json").get_json()
    return {
        method["id"]: Ed25519PublicKey.from_public_bytes(
            multibase.decode_base58btc(method["publicKeyMultibase"])[2:]
        )
        for method in document["verificationMethod"]
    }


@pytest.fixture
def key_folder(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """A fresh, empty key folder for this test only."""
    before = app.config["SIGNING_KEY_FOLDER"]
    app.config["SIGNING_KEY_FOLDER"] = str(tmp_path / "keys")
    yield tmp_path / "keys"
    app.config["SIGNING_KEY_FOLDER"] = before


def issued(finished: Finished, **user: object) -> Certificate:
    return finished.certify(points=85, **user)


# --- The W3C test vectors


def test_w3c_vector_verifies_and_its_hashes_match() -> None:
    signed = vector("signed-credential.json")
    _secret, public = vector_key()
    method = proofs.verify(signed, lambda _method: public, examples())
    assert method.startswith("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    doc_hash = hashlib.sha256(proofs.canonize(unsecured, examples()).encode()).hexdigest()
    assert doc_hash == (VECTORS / "doc-hash.txt").read_text().strip()
    config = {k: v for k, v in signed["proof"].items() if k != "proofValue"} | {
        "@context": signed["@context"]
    }
    config_hash = hashlib.sha256(proofs.canonize(config, examples()).encode()).hexdigest()
    assert config_hash == (VECTORS / "proof-config-hash.txt").read_text().strip()
    assert independent_verify(signed, public)


def test_signing_the_w3c_vector_reproduces_its_proof_value() -> None:
    signed = vector("signed-credential.json")
    secret, _public = vector_key()
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    proof = signed["proof"]
    created = datetime.fromisoformat(proof["created"])
    again = proofs.sign(unsecured, secret, proof["verificationMethod"], created, examples())
    assert again["proof"][0]["proofValue"] == proof["proofValue"]


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("name", "Alumni Credential!"),
        lambda d: d["credentialSubject"].__setitem__("alumniOf", "The School of Forgeries"),
        lambda d: d.__setitem__("validFrom", "2023-01-01T00:00:01Z"),
        lambda d: d["proof"].__setitem__("created", "2023-02-24T23:36:39Z"),
        lambda d: d["proof"].__setitem__("proofValue", d["proof"]["proofValue"][:-2] + "22"),
    ],
)
def test_a_changed_w3c_vector_fails(change: Any) -> None:
    signed = vector("signed-credential.json")
    change(signed)
    _secret, public = vector_key()
    with pytest.raises(proofs.ProofError):
        proofs.verify(signed, lambda _method: public, examples())
    assert not independent_verify(signed, public)


# --- Issued credentials


def test_issue_stores_both_signed_forms_that_verify_independently(browser: Any, finished: Finished) -> None:
    certificate = issued(finished, first_name="Oʻgʻiloy", last_name="Gʻaniyeva")
    document = json.loads(certificate.credential or "")
    methods = did_keys(browser.client)
    method = document["proof"][0]["verificationMethod"]
    assert method in methods and method.startswith(keys.did() + "#z6Mk")
    assert independent_verify(document, methods[method])
    assert proofs.verify(document, keys.key_for) == method
    token = certificate.credential_jwt or ""
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["kid"] in methods
    payload = jwt.decode(token, methods[header["kid"]], algorithms=["EdDSA"])
    assert payload["iss"] == keys.did() == document["issuer"]["id"]
    assert payload["jti"] == document["id"] and payload["nbf"] == int(certificate.issued_at.timestamp())
    assert {k: v for k, v in payload.items() if k not in checking.JWT_CLAIMS} == {
        k: v for k, v in document.items() if k != "proof"
    }


def test_the_jwt_header_carries_the_published_key_as_a_jwk(browser: Any, finished: Finished) -> None:
    """OB 3.0 verifiers that read the header's ``jwk`` find the key the DID document publishes."""
    token = issued(finished).credential_jwt or ""
    header = jwt.get_unverified_header(token)
    published = did_keys(browser.client)[header["kid"]]
    x = base64.urlsafe_b64encode(published.public_bytes_raw()).rstrip(b"=").decode()
    assert header["jwk"] == {"kty": "OKP", "crv": "Ed25519", "x": x}  # public part only: no "d"
    assert header["typ"] == "JWT" and header["kid"].startswith(keys.did() + "#z6Mk")
    from_header = jwt.PyJWK(header["jwk"], algorithm="EdDSA").key
    assert jwt.decode(token, from_header, algorithms=["EdDSA"])["iss"] == keys.did()


def test_credential_states_the_certificate(finished: Finished) -> None:
    certificate = issued(finished, first_name="Oʻgʻiloy", last_name="Gʻaniyeva", email="OGiloy@Example.uz")
    document = json.loads(certificate.credential or "")
    assert document["type"] == ["VerifiableCredential", "AchievementCredential"]
    assert document["id"].endswith(f"/verify/{certificate.verification_code}")
    subject = document["credentialSubject"]
    name, email = subject["identifier"]
    assert name == {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": False,
        "identityHash": certificate.holder_name,
    }
    assert email["hashed"] is True and email["identityType"] == "emailAddress"
    assert (
        email["identityHash"]
        == "sha256$" + hashlib.sha256(("ogiloy@example.uz" + email["salt"]).encode()).hexdigest()
    )
    achievement = subject["achievement"]
    assert (
        achievement["achievementType"] == "Certificate" and achievement["humanCode"] == finished.course.code
    )
    assert [a["targetCode"] for a in achievement["alignment"]] == [s.code for s in finished.skills]
    results = {r["resultDescription"].rsplit("#", 1)[1]: r["value"] for r in subject["result"]}
    assert results["final-grade"] == f"{certificate.final_grade:.2f}"
    assert (
        results[f"skill-{finished.skills[0].code}"] == "2"
        and results[f"skill-{finished.skills[1].code}"] == "3"
    )
    status = document["credentialStatus"]
    assert status["statusListIndex"] == str(certificate.id) and status["statusListCredential"].endswith(
        "/credentials/status/0"
    )
    assert "validUntil" not in document


def test_credentials_are_in_the_holders_language(finished: Finished) -> None:
    russian = issued(finished, locale="ru")
    uzbek = issued(finished, locale="uz")
    ru = json.loads(russian.credential or "")
    uz = json.loads(uzbek.credential or "")
    assert ru["name"] == finished.course.title_ru and uz["name"] == finished.course.title_uz
    assert ru["credentialSubject"]["achievement"]["inLanguage"] == "ru"
    assert "Н1" in [a["targetName"] for a in ru["credentialSubject"]["achievement"]["alignment"]]
    grade = [
        d
        for d in ru["credentialSubject"]["achievement"]["resultDescription"]
        if d["id"].endswith("#final-grade")
    ]
    assert grade[0]["name"] == "Итоговая оценка"


def test_every_issued_credential_validates_against_the_official_schema(finished: Finished) -> None:
    plain = issued(finished)
    expiring = finished.certify(points=70, expires_on=NOW.date().replace(year=NOW.year + 2))
    for certificate in (plain, expiring):
        document = json.loads(certificate.credential or "")
        assert checking.schema_errors(document) == []
        payload = jwt.decode(certificate.credential_jwt or "", options={"verify_signature": False})
        assert (
            checking.schema_errors({k: v for k, v in payload.items() if k not in checking.JWT_CLAIMS}) == []
        )
    assert "validUntil" in json.loads(expiring.credential or "")


def test_schema_checks_formats() -> None:
    document = json.loads((VECTORS / "signed-credential.json").read_text())
    errors = checking.schema_errors(document | {"validFrom": "yesterday"})
    assert any(error.startswith("validFrom:") for error in errors)


@pytest.mark.skipif(not SHARED_SCHEMA.exists(), reason="the shared specs folder is not beside the checkout")
def test_bundled_schema_is_the_official_one() -> None:
    assert (proofs.CONTEXTS / "achievementcredential.schema.json").read_bytes() == SHARED_SCHEMA.read_bytes()


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _leaves(inner, (*path, index))
    else:
        yield path


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        return value[:-1] + ("0" if value[-1:] != "0" else "1") if value else "x"
    return value + 1


def test_changing_any_field_of_the_json_fails_verification(finished: Finished) -> None:
    document = json.loads(issued(finished).credential or "")
    public = keys.key_for(document["proof"][0]["verificationMethod"])
    paths = [path for path in _leaves(document) if path[:1] != ("@context",)]
    assert len(paths) > 60
    for path in paths:
        tampered = copy.deepcopy(document)
        holder = tampered
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = _changed(holder[path[-1]])
        with pytest.raises(proofs.ProofError):
            proofs.verify(tampered, keys.key_for)
        if path[0] != "proof":
            assert not independent_verify(tampered, public), path


def test_changing_any_byte_of_the_jwt_payload_fails(finished: Finished) -> None:
    token = issued(finished).credential_jwt or ""
    header, payload, signature = token.split(".")
    public = keys.key_for(jwt.get_unverified_header(token)["kid"])
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    for position in range(len(raw)):
        altered = bytearray(raw)
        altered[position] ^= 0x01
        forged = base64.urlsafe_b64encode(bytes(altered)).rstrip(b"=").decode()
        with pytest.raises(jwt.PyJWTError):
            jwt.decode(f"{header}.{forged}.{signature}", public, algorithms=["EdDSA"])
    assert jwt.decode(token, public, algorithms=["EdDSA"])["jti"]


def test_proofs_refuse_graphs_that_could_explode() -> None:
    twins = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": [{"type": ["VerifiableCredential"]} for _ in range(40)],
    }
    with pytest.raises(proofs.ProofError):
        proofs.canonize(twins)
    with pytest.raises(proofs.ProofError):
        proofs.canonize({"@context": "https://evil.example/context.jsonld", "name": "x"})


# --- Status list, DID document and keys


def decode_list(encoded: str) -> bytes:
    """The bitstring of an ``encodedList``, read as the Bitstring Status List spec says: multibase
    base64url without padding (``u``), then GZIP."""
    assert encoded.startswith("u")
    return gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))


def bit_is_set(bitstring: bytes, index: int) -> bool:
    """Index 0 is the first byte's highest bit."""
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def _bit(client: Any, certificate: Certificate) -> bool:
    number, index = credentials.status_position(certificate.id)
    response = client.get(f"/credentials/status/{number}")
    assert response.status_code == 200 and response.mimetype == "application/vc"
    status_list = json.loads(response.get_data(as_text=True))
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    methods = did_keys(client)
    assert independent_verify(status_list, methods[status_list["proof"][0]["verificationMethod"]])
    bits = decode_list(status_list["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == credentials.STATUS_LIST_SIZE
    return bit_is_set(bits, index)


def test_revoking_sets_the_status_list_bit(browser: Any, finished: Finished) -> None:
    kept, revoked = issued(finished), issued(finished)
    assert not _bit(browser.client, revoked)
    revoke_certificate(finished.db, revoked, finished.admin, "Exam fraud", revoked.version, NOW)
    assert _bit(browser.client, revoked) and not _bit(browser.client, kept)
    number, _index = credentials.status_position(revoked.id)
    assert browser.get(f"/credentials/status/{number + 1}").status_code == 404
    assert browser.get("/credentials/status/99999999999").status_code == 404


def test_bit_order_follows_the_spec() -> None:
    bits = decode_list(credentials.encode_list([0, 9]))
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000 and sum(bits) == 0x80 + 0x40


def test_key_is_made_on_first_use_private_and_outside_the_repository(app: Flask, key_folder: Path) -> None:
    with app.app_context():
        assert keys.all_keys() == []
        key = keys.current_key()
        assert keys.current_key() == key
    files = list(key_folder.glob("*.pem"))
    assert len(files) == 1 and files[0].stat().st_mode & 0o777 == 0o600
    assert key_folder.stat().st_mode & 0o777 == 0o700


def test_processes_racing_for_the_first_key_make_one(app: Flask, key_folder: Path) -> None:
    made: list[str] = []
    barrier = threading.Barrier(8)

    def first_use() -> None:
        with app.app_context():
            barrier.wait()
            made.append(keys.current_key().name)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 1 and len(list(key_folder.glob("*.pem"))) == 1


def test_credentials_signed_before_a_rotation_still_verify(
    app: Flask, browser: Any, finished: Finished, key_folder: Path
) -> None:
    before = issued(finished)
    result = app.test_cli_runner().invoke(rotate_signing_key_command)
    assert result.exit_code == 0 and "New signing key did:web:" in result.output
    after = issued(finished)
    old = json.loads(before.credential or "")["proof"][0]["verificationMethod"]
    new = json.loads(after.credential or "")["proof"][0]["verificationMethod"]
    assert old != new
    document = browser.get("/.well-known/did.json")
    assert document.mimetype == "application/did+json"
    published = document.get_json()
    assert (
        published["id"] == keys.did()
        and published["assertionMethod"][0] == new
        and old in published["assertionMethod"]
    )
    methods = did_keys(browser.client)
    for certificate in (before, after):
        signed = json.loads(certificate.credential or "")
        assert independent_verify(signed, methods[signed["proof"][0]["verificationMethod"]])
        report = checking.check(finished.db, certificate.credential or "", utcnow())
        assert report.holds, report.checks
        assert checking.check(finished.db, certificate.credential_jwt or "", utcnow()).holds


@pytest.mark.parametrize(
    ("base_url", "did"),
    [
        ("http://127.0.0.1:5000", "did:web:127.0.0.1%3A5000"),
        ("https://academy.uz", "did:web:academy.uz"),
        ("https://edu.example.uz/academy/", "did:web:edu.example.uz:academy"),
    ],
)
def test_did_web_of_the_base_url(app: Flask, base_url: str, did: str) -> None:
    with app.app_context():
        before = app.config["BASE_URL"]
        app.config["BASE_URL"] = base_url
        try:
            assert keys.did() == did
        finally:
            app.config["BASE_URL"] = before


def test_reissue_signs_a_new_credential(finished: Finished) -> None:
    old = issued(finished)
    new = reissue_certificate(finished.db, old, finished.admin, "Name corrected", NOW)
    assert new.credential and new.credential != old.credential
    assert json.loads(new.credential)["id"].endswith(new.verification_code)


def test_canonical_form_is_pyld_s_own(finished: Finished) -> None:
    """The processor's memo of contexts and the dataset hand-over change nothing in the output."""
    document = json.loads(issued(finished).credential or "")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    for _ in range(3):  # the second and third runs take the remembered contexts
        assert proofs.canonize(unsecured).encode() == rdfc(unsecured)


def test_a_key_being_written_is_never_listed(app: Flask, key_folder: Path) -> None:
    key_folder.mkdir(mode=0o700, parents=True)
    (key_folder / ".29991231T000000000000Z.partial").write_bytes(b"")  # another process, halfway
    with app.app_context():
        key = keys.current_key()
        assert [k.name for k in keys.all_keys()] == [key.name]
        assert len(keys.did_document()["verificationMethod"]) == 1
    assert sorted(p.name for p in key_folder.glob("*.pem")) == [f"{key.name}.pem"]
    assert not any(p.name.startswith(f".{key.name}") for p in key_folder.iterdir())


def test_inline_contexts_of_a_document_are_not_remembered() -> None:
    signed = vector("signed-credential.json")
    before = len(proofs._Processor.memo)
    for n in range(5):
        document = {k: v for k, v in signed.items() if k != "proof"}
        document["@context"] = [*signed["@context"], {f"term{n}": f"https://example.org/{n}"}]
        proofs.canonize(document, examples())
    assert not any(
        isinstance(key[1], int) and key[1] not in proofs._bundled_objects() for key in proofs._Processor.memo
    )
    assert len(proofs._Processor.memo) - before < 50


def test_bundled_contexts_are_the_pinned_ones() -> None:
    readme = (proofs.CONTEXTS / "README.md").read_text("utf-8")
    for name in [*proofs.CONTEXT_FILES.values(), "achievementcredential.schema.json"]:
        digest = hashlib.sha256((proofs.CONTEXTS / name).read_bytes()).hexdigest()
        assert digest in readme, name


def _edited(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The document with each node in turn replaced by values of every JSON type, odd dates and
    nothing (removed)."""
    values: list[Any] = [
        None,
        1,
        1.5,
        True,
        "x",
        "",
        [],
        {},
        ["x"],
        [{}],
        "2026-13-45T00:00:00Z",
        "2026-01-01",
    ]
    values += ["2026-01-01", "2026-01-01T00:00:00", "not a date", "ftp://x", "DELETE"]
    for path in [p for p in _leaves_and_nodes(document) if p]:
        for value in values:
            edited = copy.deepcopy(document)
            holder = edited
            for step in path[:-1]:
                holder = holder[step]
            if value == "DELETE":
                del holder[path[-1]]
            else:
                holder[path[-1]] = value
            yield edited


def _leaves_and_nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves_and_nodes(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _leaves_and_nodes(inner, (*path, index))


def test_the_fast_schema_check_agrees_with_jsonschema(finished: Finished) -> None:
    """fastjsonschema (draft 7, compiled) and jsonschema (2019-09 with formats) give the same verdict."""
    document = json.loads(issued(finished).credential or "")
    validator = checking._schema_validator()
    compiled = checking._compiled_schema()
    checked = 0
    for edited in _edited(document):
        try:
            compiled(edited)
            fast = True
        except Exception:
            fast = False
        assert fast == validator.is_valid(edited), edited
        checked += 1
    assert checked > 1000
