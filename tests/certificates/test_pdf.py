"""The certificate PDF: what it states in the holder's language, its fonts, its QR code and link, and
the two routes that serve it (the holder's own, and the administrators')."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import segno
from babel.numbers import format_percent
from flask import Flask
from pypdf import PdfReader
from pypdf.generic import ContentStream
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.certificates import pdf
from academy.certificates.models import Certificate, CertificateSkill
from academy.certificates.services import issue_certificate, revoke_certificate
from academy.certificates.sharing import share_url
from academy.skills.models import Skill
from academy.tracks import Track
from tests.certificates.conftest import NOW, Finished
from tests.conftest import Browser, QueryCounter

TODAY = NOW.date()
HOLDERS = {
    "uz": ("Gʻulomjon", "Oʻrinboyev Maʼruf oʻgʻli"),
    "ru": ("Ғайрат Ҳасанов", "Ўролович Қодиров"),
    "en": ("Dilnoza", "Karimova"),
}
COURSE = {
    "uz": "Mijozlarga xizmat koʻrsatish",
    "ru": "Обслуживание клиентов",
    "en": "Customer care",
}
TITLE = {"uz": "SERTIFIKAT", "ru": "СЕРТИФИКАТ", "en": "CERTIFICATE"}
SKILL_LINES = {
    "uz": ["K1, 2-daraja", "K2, 3-daraja"],
    "ru": ["Н1, уровень 2", "Н2, уровень 3"],
    "en": ["S1, level 2", "S2, level 3"],
}


def issued(finished: Finished, language: str, grade: float = 85.47) -> Certificate:
    for locale, title in COURSE.items():
        setattr(finished.course, f"title_{locale}", title)
    first, last = HOLDERS[language]
    enrolment = finished.student(points=90, first_name=first, last_name=last, locale=language)
    certificate = issue_certificate(finished.db, enrolment, finished.admin, NOW)
    certificate.final_grade = grade  # a grade with decimals, as the snapshot may hold
    finished.db.flush()
    return certificate


def text_of(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return " ".join(page.extract_text() for page in reader.pages)


def plain(text: str) -> str:
    """Every kind of space as a plain one, runs of them as one."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


@pytest.mark.parametrize("language", ["uz", "ru", "en"])
def test_states_the_certificate_in_the_holders_language(finished: Finished, language: str) -> None:
    certificate = issued(finished, language)
    body = pdf.certificate_pdf(finished.db, certificate, TODAY)
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape

    text = plain(text_of(body))
    assert " ".join(HOLDERS[language]) in text
    assert COURSE[language] in text
    assert TITLE[language] in text
    assert certificate.serial in text
    grade = plain(format_percent(0.8547, locale=language, decimal_quantization=False))
    assert grade in text
    for line in SKILL_LINES[language]:
        assert line in text
    for other in {"uz", "ru", "en"} - {language}:
        assert COURSE[other] not in text
    assert share_url(certificate.verification_code) in text


def test_grade_decimals_follow_the_locale(finished: Finished) -> None:
    ru = plain(text_of(pdf.certificate_pdf(finished.db, issued(finished, "ru"), TODAY)))
    en = plain(text_of(pdf.certificate_pdf(finished.db, issued(finished, "en"), TODAY)))
    assert "85,47 %" in ru and "85.47%" in en


def test_fonts_are_the_bundled_noto_sans_subsets(finished: Finished) -> None:
    body = pdf.certificate_pdf(finished.db, issued(finished, "uz"), TODAY)
    page = PdfReader(io.BytesIO(body)).pages[0]
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    names = {str(font["/BaseFont"]) for font in fonts}
    assert names and all(re.fullmatch(r"/[A-Z]{6}\+NotoSans-(Regular|Bold)", name) for name in names), names
    assert {name.split("+")[1] for name in names} == {"NotoSans-Regular", "NotoSans-Bold"}
    for font in fonts:  # embedded, not left to the reader's machine
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_links_to_its_verification_page(finished: Finished) -> None:
    certificate = issued(finished, "en")
    body = pdf.certificate_pdf(finished.db, certificate, TODAY)
    page = PdfReader(io.BytesIO(body)).pages[0]
    uris = {annotation.get_object()["/A"]["/URI"] for annotation in page["/Annots"]}
    assert uris == {f"{finished_base_url()}/verify/{certificate.verification_code}"}


def finished_base_url() -> str:
    from flask import current_app

    return str(current_app.config["BASE_URL"]).rstrip("/")


def drawn_qr(body: bytes) -> list[list[bool]]:
    """The QR code's modules as read back from the page's drawing operators: every filled rectangle one
    module high (the QR code is the only thing drawn so)."""
    reader = PdfReader(io.BytesIO(body))
    stream = ContentStream(reader.pages[0].get_contents(), reader)
    rects = [[float(n) for n in operands] for operands, op in stream.operations if op == b"re"]
    module = min(abs(h) for *_, h in rects)
    runs = [r for r in rects if abs(abs(r[3]) - module) < 1e-3]
    left = min(x for x, *_ in runs)
    top = max(y + h for x, y, w, h in runs)
    size = round(pdf.QR_SIZE / module)
    matrix = [[False] * size for _ in range(size)]
    for x, y, w, h in runs:
        row = round((top - (y + h)) / module)
        start = round((x - left) / module)
        for column in range(start, start + round(w / module)):
            matrix[row][column] = True
    return matrix


def test_the_qr_code_encodes_the_verification_address(finished: Finished) -> None:
    certificate = issued(finished, "ru")
    body = pdf.certificate_pdf(finished.db, certificate, TODAY)
    expected = [
        [bool(m) for m in row]
        for row in segno.make_qr(share_url(certificate.verification_code), error="m").matrix
    ]
    wrong = [[bool(m) for m in row] for row in segno.make_qr(share_url("x" * 43), error="m").matrix]
    drawn = drawn_qr(body)
    assert drawn == expected
    assert drawn != wrong


def test_draw_qr_draws_every_dark_module() -> None:
    matrix = pdf.qr_matrix("https://academy.example/verify/abc")

    class Recorder:
        def __init__(self) -> None:
            self.rects: list[tuple[float, float, float, float]] = []

        def beginPath(self) -> Recorder:  # ReportLab's name
            return self

        def rect(self, x: float, y: float, w: float, h: float) -> None:
            self.rects.append((x, y, w, h))

        def __getattr__(self, name: str) -> object:
            return lambda *args, **kwargs: None

    recorder = Recorder()
    pdf.draw_qr(recorder, matrix, 0, 0, len(matrix))  # type: ignore[arg-type]
    dark = {
        (round(len(matrix) - y - 1), round(x + i)) for x, y, w, _ in recorder.rects for i in range(round(w))
    }
    assert dark == {(r, c) for r, row in enumerate(matrix) for c, m in enumerate(row) if m}


def test_same_certificate_same_bytes(finished: Finished) -> None:
    certificate = issued(finished, "uz")
    first = pdf.certificate_pdf(finished.db, certificate, TODAY)
    assert pdf.certificate_pdf(finished.db, certificate, TODAY) == first


def test_a_long_name_shrinks_and_many_skills_fit(finished: Finished, db: Session) -> None:
    certificate = issued(finished, "en")
    certificate.holder_name = ("Abdulazizxon " * 13)[:160]
    extra = [
        Skill(
            code=f"pdf-many-{certificate.id}-{n}",
            track=Track.BPO,
            name_uz=f"Q{n}",
            name_ru=f"Ю{n}",
            name_en=f"Handling objections in outbound sales calls {n}",
        )
        for n in range(13)
    ]
    db.add_all(extra)
    db.flush()
    db.add_all(CertificateSkill(certificate_id=certificate.id, skill_id=s.id, level=2) for s in extra)
    db.flush()
    db.expire(certificate, ["skills"])
    body = pdf.certificate_pdf(db, certificate, TODAY)
    text = plain(text_of(body))
    assert len(PdfReader(io.BytesIO(body)).pages) == 1
    assert "Abdulazizxon" in text and text.count("Handling objections in outbound sales calls") == 13
    assert "S1, level 2" in text
    for name in ("S1", "Handling objections in outbound sales calls 12"):
        assert name in text


def test_fitting_never_overflows() -> None:
    pdf.register_fonts()
    for name in ("Ali", " ".join(["Oʻrinboyev"] * 16), "X" * 160):
        lines, size = pdf._fit_lines(name, pdf.BOLD, 28, 600)
        assert size <= 28
        assert all(pdf._width(line, pdf.BOLD, size) <= 600 + 1e-6 for line in lines)
        assert " ".join(lines) == name


def test_a_revoked_certificate_carries_a_stamp(finished: Finished) -> None:
    certificate = issued(finished, "en")
    revoke_certificate(finished.db, certificate, finished.admin, "fraud", certificate.version, NOW)
    assert "REVOKED" in text_of(pdf.certificate_pdf(finished.db, certificate, TODAY))


# The routes


def owned(graduated: Finished) -> Certificate:
    return graduated.certify(first_name="Oʻgʻiloy", last_name="Toʻxtayeva", locale="uz")


def test_the_holder_downloads_the_pdf(browser: Browser, graduated: Finished) -> None:
    certificate = owned(graduated)
    browser.login(certificate.enrolment.student)
    page = browser.get("/my/certificates").get_data(as_text=True)
    url = f"/my/certificates/{certificate.id}/certificate.pdf"
    assert f'href="{url}"' in page

    response = browser.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{certificate.serial}.pdf"'
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "Oʻgʻiloy Toʻxtayeva" in plain(text_of(response.data))
    assert "SERTIFIKAT" in text_of(response.data)  # the holder's language, whatever the reader's

    etag = response.headers["ETag"]
    again = browser.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_a_changed_certificate_has_a_new_etag(browser: Browser, graduated: Finished, db: Session) -> None:
    certificate = owned(graduated)
    browser.login(certificate.enrolment.student)
    url = f"/my/certificates/{certificate.id}/certificate.pdf"
    etag = browser.get(url).headers["ETag"]
    certificate.hours = 130
    db.flush()
    response = browser.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag


def test_another_students_certificate_is_404(browser: Browser, graduated: Finished) -> None:
    certificate = owned(graduated)
    browser.login(Role.STUDENT)
    assert browser.get(f"/my/certificates/{certificate.id}/certificate.pdf").status_code == 404
    assert browser.get("/my/certificates/999999/certificate.pdf").status_code == 404


def test_a_revoked_certificate_is_404_for_its_holder(
    browser: Browser, graduated: Finished, db: Session
) -> None:
    certificate = owned(graduated)
    revoke_certificate(db, certificate, graduated.admin, "fraud", certificate.version, NOW)
    browser.login(certificate.enrolment.student)
    assert browser.get(f"/my/certificates/{certificate.id}/certificate.pdf").status_code == 404
    assert "certificate.pdf" not in browser.get("/my/certificates").get_data(as_text=True)


def test_anonymous_is_sent_to_sign_in(browser: Browser, graduated: Finished) -> None:
    certificate = owned(graduated)
    response = browser.get(f"/my/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_administrators_download_any_certificate(browser: Browser, graduated: Finished, db: Session) -> None:
    certificate = owned(graduated)
    revoke_certificate(db, certificate, graduated.admin, "fraud", certificate.version, NOW)
    url = f"/admin/certificates/{certificate.id}/certificate.pdf"
    browser.login(Role.ADMIN)
    assert f'href="{url}"' in browser.get("/admin/certificates").get_data(as_text=True)
    response = browser.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "BEKOR QILINGAN" in text_of(response.data)  # the stamp, in the holder's language
    assert browser.get("/admin/certificates/999999/certificate.pdf").status_code == 404
    browser.logout()
    browser.login(certificate.enrolment.student)
    assert browser.get(url).status_code == 403


def test_queries_do_not_grow_with_skills(
    browser: Browser, graduated: Finished, db: Session, count_queries: QueryCounter
) -> None:
    certificate = owned(graduated)
    browser.login(certificate.enrolment.student)
    url = f"/my/certificates/{certificate.id}/certificate.pdf"
    counts = []
    for more in (0, 6):
        extra = [
            Skill(
                code=f"pdf-q-{certificate.id}-{more}-{n}",
                track=Track.BPO,
                name_uz="U",
                name_ru="R",
                name_en="E",
            )
            for n in range(more)
        ]
        db.add_all(extra)
        db.flush()
        db.add_all(CertificateSkill(certificate_id=certificate.id, skill_id=s.id, level=1) for s in extra)
        db.flush()
        before = count_queries.count
        assert browser.get(url).status_code == 200
        counts.append(count_queries.count - before)
    assert counts[0] == counts[1], counts


def test_render_needs_no_request(app: Flask, finished: Finished) -> None:
    """Background jobs (issuing a cohort) can render it too."""
    certificate = issued(finished, "ru")
    with app.app_context():
        assert pdf.certificate_pdf(finished.db, certificate, date(2030, 1, 1)).startswith(b"%PDF-")
