"""The credential downloads, and checking an uploaded credential on /verify."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from academy.certificates import checking, keys, proofs
from academy.certificates.models import Certificate
from academy.certificates.services import revoke_certificate
from academy.certificates.verify_views import MAX_UPLOAD_REQUEST
from academy.db import utcnow
from tests.certificates.conftest import NOW, Finished
from tests.conftest import Browser

VECTOR = (
    proofs.CONTEXTS.parent.parent.parent / "tests" / "certificates" / "vectors" / "signed-credential.json"
)


def upload(
    browser: Browser, text: str | bytes, as_file: bool = True, language: str = "en"
) -> tuple[int, str]:
    browser.client.set_cookie("academy_lang", language)
    if as_file:
        data: dict[str, Any] = {
            "file": (io.BytesIO(text if isinstance(text, bytes) else text.encode()), "cred.json")
        }
    else:
        data = {"text": text}
    response = browser.post("/verify/credential", data, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


def outcomes(body: str) -> list[str]:
    """The badge of each check, in order: Holds, Fails or Not checked."""
    table = body.split('<table class="table credential-checks">', 1)[1].split("</table>", 1)[0]
    return [part.split("</span>", 1)[0].rsplit(">", 1)[1] for part in table.split('<span class="badge')[1:]]


def test_downloads_are_what_was_signed(browser: Browser, graduated: Finished) -> None:
    certificate = graduated.certify()
    document = browser.get(f"/verify/{certificate.verification_code}/ob3.json")
    assert document.status_code == 200 and document.mimetype == "application/vc"
    assert document.headers["Content-Disposition"].startswith("attachment;")
    assert document.get_data(as_text=True) == certificate.credential
    token = browser.get(f"/verify/{certificate.verification_code}/ob3.jwt")
    assert token.mimetype == "application/jwt" and token.get_data(as_text=True) == certificate.credential_jwt
    for path in (
        "NO-SUCH-CODE-AT-ALL-123/ob3.json",
        "x/ob3.jwt",
        f"{certificate.verification_code}x/ob3.json",
    ):
        assert browser.get(f"/verify/{path}").status_code == 404


def test_downloads_share_the_lookup_limit(browser: Browser, graduated: Finished) -> None:
    code = graduated.certify().verification_code
    statuses = [browser.get(f"/verify/{code}/ob3.json").status_code for _ in range(40)]
    assert statuses[0] == 200 and statuses[-1] == 429


@pytest.mark.parametrize("form", ["credential", "credential_jwt"])
def test_a_genuine_credential_holds(browser: Browser, graduated: Finished, form: str) -> None:
    certificate = graduated.certify()
    status, body = upload(browser, getattr(certificate, form))
    assert status == 200
    assert outcomes(body) == ["Holds", "Holds", "Holds", "Holds"]
    assert "Every check holds" in body and certificate.serial in body


def test_pasted_credential_holds(browser: Browser, graduated: Finished) -> None:
    certificate = graduated.certify()
    status, body = upload(browser, "\n  " + (certificate.credential_jwt or "") + "\n", as_file=False)
    assert status == 200 and outcomes(body) == ["Holds", "Holds", "Holds", "Holds"]


def test_an_edited_credential_fails_its_signature(browser: Browser, graduated: Finished) -> None:
    document = json.loads(graduated.certify().credential or "")
    for result in document["credentialSubject"]["result"]:
        if result["resultDescription"].endswith("#final-grade"):
            result["value"] = "99.00"
    status, body = upload(browser, json.dumps(document))
    assert status == 200
    assert outcomes(body) == ["Fails", "Holds", "Holds", "Holds"]
    assert "changed after signing" in body and "Not valid" in body


def test_a_field_the_signature_does_not_cover_fails(browser: Browser, graduated: Finished) -> None:
    document = json.loads(graduated.certify().credential or "")
    document["credentialSubject"]["grade"] = "100"
    _status, body = upload(browser, json.dumps(document))
    assert outcomes(body)[0] == "Fails" and "Fields the signature does not cover: grade." in body


def _with_proof_context(document: dict[str, Any]) -> None:
    document["proof"][0]["@context"] = {"x": None}


def _with_inline_term(document: dict[str, Any]) -> None:
    document["@context"] = [*document["@context"], {"targetName": None}]
    document["targetName"] = "Senior Financial Analyst"


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["credentialSubject"].__setitem__("_:holderName", "Mallory"),
        lambda d: d.__setitem__("@note", "Grade A+"),
        lambda d: d["credentialSubject"]["achievement"].__setitem__("@comment", "Distinction"),
        _with_proof_context,
        _with_inline_term,
        lambda d: d.__setitem__("@context", [*d["@context"], {"@vocab": "https://evil.example/#"}]),
        lambda d: d.__setitem__("@context", [*d["@context"], {"@base": "https://evil.example/"}]),
        lambda d: d.__setitem__("@context", d["@context"][:1]),
    ],
)
def test_no_edit_hides_from_the_signature(browser: Browser, graduated: Finished, edit: Any) -> None:
    """Edits JSON-LD would drop, or contexts changed so that the same graph reads differently."""
    document = json.loads(graduated.certify().credential or "")
    edit(document)
    _status, body = upload(browser, json.dumps(document))
    assert outcomes(body)[0] == "Fails" and "Every check holds" not in body


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["credentialStatus"].__setitem__("statusListIndex", "²"),
        lambda d: d["credentialStatus"].__setitem__(
            "statusListCredential", "http://127.0.0.1:5000/credentials/status/²"
        ),
        lambda d: d.__setitem__("validFrom", "9999-12-31T23:00:00-05:00"),
        lambda d: d.__setitem__("validFrom", "0001-01-01T01:00:00+14:00"),
        lambda d: d.__setitem__("validUntil", "9999-12-31T23:00:00-05:00"),
        lambda d: d["credentialSubject"]["result"][0].__setitem__("value", 10**4000),
        lambda d: d["credentialSubject"]["achievement"].__setitem__("humanCode", {"@value": [1, {"@id": 2}]}),
    ],
)
def test_odd_values_get_a_report_not_a_500(browser: Browser, graduated: Finished, edit: Any) -> None:
    document = json.loads(graduated.certify().credential or "")
    edit(document)
    status, body = upload(browser, json.dumps(document))
    assert status == 200 and "Fails" in outcomes(body)


def test_an_edited_jwt_fails_its_signature(browser: Browser, graduated: Finished) -> None:
    token = graduated.certify().credential_jwt or ""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["result"][0]["value"] = "99.00"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    status, body = upload(browser, f"{header}.{forged}.{signature}")
    assert status == 200 and outcomes(body) == ["Fails", "Holds", "Holds", "Holds"]
    assert "does not match its content" in body


def _resigned(app: Any, token: str, signer: Ed25519PrivateKey | None, **header: Any) -> str:
    """The JWT's claims signed again by ``signer`` (None: the academy's own key) under ``header``."""
    claims = jwt.decode(token, options={"verify_signature": False})
    with app.app_context():
        key = signer or keys.current_key().private
    return jwt.encode(claims, key, algorithm="EdDSA", headers=header)


ATTACKER = Ed25519PrivateKey.generate()
ATTACKERS_JWK = keys.public_jwk(ATTACKER.public_key())


@pytest.mark.parametrize(
    ("signer", "named", "jwk"),
    [
        (None, True, ATTACKERS_JWK),  # signed by ours, another key beside our kid
        (ATTACKER, True, ATTACKERS_JWK),  # re-signed by the attacker, whose key is in jwk
        (ATTACKER, False, ATTACKERS_JWK),  # the same without a kid
        (None, True, "not a key"),
        (None, True, {"kty": "OKP", "crv": "Ed25519"}),
    ],
)
def test_the_header_jwk_is_never_trusted(
    app: Any, browser: Browser, graduated: Finished, signer: Any, named: bool, jwk: Any
) -> None:
    token = graduated.certify().credential_jwt or ""
    kid = jwt.get_unverified_header(token)["kid"]
    header = {"jwk": jwk, **({"kid": kid} if named else {})}
    status, body = upload(browser, _resigned(app, token, signer, **header))
    assert status == 200 and outcomes(body) == ["Fails", "Holds", "Holds", "Holds"]
    assert "does not match its content" in body


def test_a_jwk_holding_the_private_key_fails(app: Any, browser: Browser, graduated: Finished) -> None:
    token = graduated.certify().credential_jwt or ""
    ours = jwt.get_unverified_header(token)
    with app.app_context():
        private = keys.current_key().private.private_bytes_raw()
    leaked = {**ours["jwk"], "d": base64.urlsafe_b64encode(private).rstrip(b"=").decode()}
    status, body = upload(browser, _resigned(app, token, None, kid=ours["kid"], jwk=leaked))
    assert status == 200 and outcomes(body)[0] == "Fails"


@pytest.mark.parametrize("with_jwk", [True, False])
def test_the_published_key_holds_with_or_without_its_jwk(
    app: Any, browser: Browser, graduated: Finished, with_jwk: bool
) -> None:
    """A JWT signed before the header carried ``jwk`` holds as it did; one with ours holds too."""
    token = graduated.certify().credential_jwt or ""
    ours = jwt.get_unverified_header(token)
    header = {"kid": ours["kid"], **({"jwk": ours["jwk"]} if with_jwk else {})}
    status, body = upload(browser, _resigned(app, token, None, **header))
    assert status == 200 and outcomes(body) == ["Holds", "Holds", "Holds", "Holds"]


def test_a_revoked_credential_fails_its_status(browser: Browser, graduated: Finished) -> None:
    certificate = graduated.certify()
    revoke_certificate(graduated.db, certificate, graduated.admin, "Exam fraud", certificate.version, NOW)
    _status, body = upload(browser, certificate.credential or "")
    assert outcomes(body) == ["Holds", "Holds", "Fails", "Holds"] and "Revoked on" in body


def test_an_expired_credential_fails_its_dates(browser: Browser, graduated: Finished) -> None:
    certificate = graduated.certify(expires_on=NOW.date() - timedelta(days=1))
    _status, body = upload(browser, certificate.credential or "")
    assert outcomes(body) == ["Holds", "Holds", "Holds", "Fails"] and "Expired on" in body


def test_another_issuers_credential_is_not_checked(browser: Browser, graduated: Finished) -> None:
    _status, body = upload(browser, VECTOR.read_bytes())
    first, schema, status, dates = outcomes(body)
    assert first == "Not checked" and status == "Not checked" and dates == "Holds"
    assert schema == "Fails"  # the W3C vector is no AchievementCredential
    assert "https://vc.example/issuers/5678" in body


def test_report_in_uzbek_and_russian(browser: Browser, graduated: Finished) -> None:
    credential = graduated.certify().credential or ""
    _status, uzbek = upload(browser, credential, language="uz")
    _status, russian = upload(browser, credential, language="ru")
    assert "Imzo" in uzbek and "Подпись" in russian


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Choose a credential file or paste one."),
        ("{not json", "This file is not valid JSON."),
        ("[1, 2]", "This is neither"),
        ("hello there", "This is neither"),
        ("a.b.c", "This JWT cannot be read."),
        ("{" + " " * (checking.MAX_BYTES + 1) + "}", "A credential is at most 64 KB."),
        ("[" * 30000, "This is neither"),
        ('{"a":' + "[" * 30000 + "]" * 30000 + "}", "This file is not valid JSON."),
        ('{"a":' + "[" * 600 + "]" * 600 + "}", "nested too deeply"),
    ],
)
def test_bad_uploads_get_a_clear_error(browser: Browser, text: str, message: str) -> None:
    status, body = upload(browser, text, as_file=False)
    assert status == 400 and message in body


def test_a_file_just_over_the_limit_gets_the_forms_message(browser: Browser) -> None:
    status, body = upload(browser, b"{" + b" " * (checking.MAX_BYTES + 8 * 1024) + b"}")
    assert status == 400 and "A credential is at most 64 KB." in body


def _multipart(size: int) -> tuple[io.BytesIO, str]:
    """A credential upload of ``size`` bytes; the stream's position tells how much the app read."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(b"{" + b" " * size + b"}"), "c.json")})
    return io.BytesIO(body), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("language", ["en", "ru", "uz"])
def test_a_request_far_beyond_a_credential_is_413_unread(browser: Browser, language: str) -> None:
    """Refused on its Content-Length, before the CSRF check or the form reads a byte of it."""
    body, content_type = _multipart(4 * checking.MAX_BYTES)
    browser.client.set_cookie("academy_lang", language)
    response = browser.client.post(
        "/verify/credential",
        input_stream=body,
        content_type=content_type,
        content_length=len(body.getvalue()),
    )
    assert response.status_code == 413 and body.tell() == 0
    title = {"en": "File too large", "ru": "Файл слишком большой", "uz": "Fayl juda katta"}[language]
    assert title in response.get_data(as_text=True)


def test_a_chunked_request_is_read_no_further_than_the_limit(browser: Browser) -> None:
    """Without a Content-Length (chunked, the server ending the stream) the body is read up to the
    limit, then refused with the 413 page."""
    body, content_type = _multipart(4 * checking.MAX_BYTES)
    response = browser.client.post(
        "/verify/credential",
        input_stream=body,
        content_type=content_type,
        headers={"Transfer-Encoding": "chunked"},  # as a WSGI server passes it on: no length
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413 and "File too large" in response.get_data(as_text=True)
    assert 0 < body.tell() <= MAX_UPLOAD_REQUEST + 1


def test_other_endpoints_keep_the_general_limit(browser: Browser) -> None:
    padding = "x" * (4 * checking.MAX_BYTES)
    response = browser.post("/login", {"email": "nobody@example.uz", "password": "wrong", "note": padding})
    assert response.status_code == 200 and "Sign in" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "entry",
    [{"type": "StatusList2021Entry"}, {"statusPurpose": "suspension"}, {"type": None}],
)
def test_a_status_entry_of_another_kind_is_not_checked(
    app: Any, graduated: Finished, entry: dict[str, Any]
) -> None:
    document = json.loads(graduated.certify().credential or "")
    document["credentialStatus"].update(entry)
    with app.test_request_context():
        report = checking.check(graduated.db, json.dumps(document), utcnow())
    status = report.checks[2]
    assert status.outcome is checking.Outcome.UNCHECKED and not report.holds


def test_a_binary_file_is_refused(browser: Browser) -> None:
    status, body = upload(browser, b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    assert status == 400 and "This file is not text" in body


def test_upload_needs_the_csrf_token(browser: Browser, graduated: Finished) -> None:
    certificate = graduated.certify()
    response = browser.post("/verify/credential", {"text": certificate.credential}, csrf=False)
    assert response.status_code == 400 and "Holds" not in response.get_data(as_text=True)


def test_checking_changes_nothing(browser: Browser, graduated: Finished) -> None:
    certificate = graduated.certify()
    before = (certificate.version, certificate.status)
    upload(browser, certificate.credential or "")
    graduated.db.expire_all()
    again = graduated.db.get(Certificate, certificate.id)
    assert again is not None and (again.version, again.status) == before


def test_search_page_offers_the_upload(browser: Browser) -> None:
    body = browser.get("/verify").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in body and 'name="csrf_token"' in body


def test_checking_a_credential_directly(graduated: Finished, app: Any) -> None:
    certificate = graduated.certify()
    with app.test_request_context():
        report = checking.check(graduated.db, certificate.credential or "", utcnow())
        assert report.form == "json" and report.holds and report.certificate is not None
        early = checking.check(
            graduated.db, certificate.credential or "", certificate.issued_at - timedelta(days=1)
        )
        assert [c.outcome for c in early.checks][-1] is checking.Outcome.FAILED
