"""The public verification pages: /verify (serial search) and /verify/<code>."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import refresh
from sqlalchemy import func, select

from academy.certificates.models import Certificate, CertificateEvent
from academy.certificates.serials import check_character
from academy.certificates.services import issue_certificate, reissue_certificate, revoke_certificate
from academy.courses.models import CourseSkill
from academy.extensions import limiter
from academy.skills.models import Skill
from academy.tracks import Track
from tests.certificates.conftest import NOW, Finished
from tests.conftest import Browser, QueryCounter


def issued(finished: Finished, **user: object) -> Certificate:
    return issue_certificate(finished.db, finished.student(points=85, **user), finished.admin, NOW)


def page(browser: Browser, certificate: Certificate, language: str = "en") -> tuple[int, str]:
    browser.client.set_cookie("academy_lang", language)
    refresh()  # the test's app context (app_ctx) would keep the locale of the previous request
    response = browser.get(f"/verify/{certificate.verification_code}")
    return response.status_code, response.get_data(as_text=True)


def test_valid_certificate_states_what_it_proves(browser: Browser, finished: Finished) -> None:
    certificate = issued(finished, first_name="Dilnoza", last_name="Karimova")
    response = browser.get(f"/verify/{certificate.verification_code}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex">' in body
    assert "Valid" in body and "Dilnoza Karimova" in body
    assert finished.course.title_en in body
    assert "S1, level 2" in body and "S2, level 3" in body
    assert "120" in body and "85%" in body
    assert certificate.serial in body and "BPO/KPO Academy" in body
    assert "Samarkand" in body or "Samarqand" in body or certificate.region_code in body
    assert "Revoked" not in body


def test_revoked_certificate_shows_date_and_reason(browser: Browser, finished: Finished) -> None:
    certificate = issued(finished)
    revoke_certificate(finished.db, certificate, finished.admin, "Exam fraud found", certificate.version, NOW)
    status, body = page(browser, certificate)
    assert status == 200
    assert "Revoked" in body and "Exam fraud found" in body
    assert "This certificate was revoked on" in body and f"{NOW.year}" in body
    assert "is valid" not in body


def test_expired_certificate(browser: Browser, finished: Finished) -> None:
    enrolment = finished.student(points=90)
    yesterday = NOW.date() - timedelta(days=1)
    certificate = issue_certificate(finished.db, enrolment, finished.admin, NOW, expires_on=yesterday)
    status, body = page(browser, certificate)
    assert status == 200 and "Expired" in body and "This certificate expired on" in body
    assert "is valid" not in body


def test_reissued_certificates_link_each_other(browser: Browser, finished: Finished) -> None:
    old = issued(finished)
    new = reissue_certificate(finished.db, old, finished.admin, "Name corrected", NOW)
    _, old_body = page(browser, old)
    assert "Replaced by" in old_body and f"/verify/{new.verification_code}" in old_body
    assert "Replaced by a corrected certificate" in old_body
    _, new_body = page(browser, new)
    assert "Replaces" in new_body and f"/verify/{old.verification_code}" in new_body
    assert "Valid" in new_body


def test_unknown_or_badly_shaped_code_is_a_plain_404(browser: Browser, finished: Finished) -> None:
    certificate = issued(finished)
    near = certificate.verification_code[:-1] + ("A" if certificate.verification_code[-1] != "A" else "B")
    for code in (near, "x" * 24, "short", "a" * 65, "bad.code.with.dots!!", "%20" * 8):
        response = browser.get(f"/verify/{code}")
        body = response.get_data(as_text=True)
        assert response.status_code == 404, code
        assert certificate.serial not in body and certificate.holder_name not in body
        assert certificate.verification_code not in body


def test_serial_search(browser: Browser, finished: Finished) -> None:
    certificate = issued(finished)
    response = browser.get("/verify", query_string={"serial": f"  {certificate.serial.lower()} "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{certificate.verification_code}")

    wrong = certificate.serial[:-1] + next(c for c in "0123456789" if c != certificate.serial[-1])
    for typed in (wrong, "BPO-2026", "hello", "x" * 500):
        response = browser.get("/verify", query_string={"serial": typed})
        assert response.status_code == 200, typed
        assert "This is not a certificate serial" in response.get_data(as_text=True)

    body_of_unknown = certificate.serial.rsplit("-", 2)[0] + "-999999"
    unknown = f"{body_of_unknown}-{check_character(body_of_unknown)}"
    response = browser.get("/verify", query_string={"serial": unknown})
    body = response.get_data(as_text=True)
    assert response.status_code == 404 and "No certificate has this serial." in body
    assert certificate.serial not in body

    empty = browser.get("/verify")
    assert empty.status_code == 200 and 'name="serial"' in empty.get_data(as_text=True)


def test_a_hundred_rapid_lookups_end_in_429(browser: Browser, finished: Finished) -> None:
    certificate = issued(finished)
    for url in (f"/verify/{certificate.verification_code}", "/verify?serial=BPO", "/verify/" + "z" * 20):
        limiter.reset()
        statuses = [browser.get(url).status_code for _ in range(100)]
        assert statuses[0] in (200, 404), url
        assert statuses[-1] == 429, url
        assert 429 not in statuses[:30], url


def test_page_in_uzbek_and_russian(browser: Browser, finished: Finished) -> None:
    certificate = issued(finished)
    status, uz = page(browser, certificate, "uz")
    assert status == 200 and finished.course.title_uz in uz and "K1" in uz and "K2" in uz
    assert finished.course.title_en not in uz
    _, ru = page(browser, certificate, "ru")
    assert finished.course.title_ru in ru and "Н1" in ru and "Н2" in ru


def test_language_skill_levels_are_cefr(browser: Browser, finished: Finished) -> None:
    english = Skill(
        code="cert-cefr-en", track=Track.BPO, name_uz="Ingliz", name_ru="Англ", name_en="English", cefr=True
    )
    finished.course.skills.append(CourseSkill(skill=english, level=4))
    finished.db.flush()
    _, body = page(browser, issued(finished))
    assert "English, level B2" in body


def test_query_count_does_not_grow_with_skills(
    browser: Browser, finished: Finished, count_queries: QueryCounter
) -> None:
    def queries(certificate: Certificate) -> int:
        count_queries.statements.clear()
        assert browser.get(f"/verify/{certificate.verification_code}").status_code == 200
        return count_queries.count

    finished.course.skills = finished.course.skills[:1]
    finished.db.flush()
    one = queries(issued(finished))
    extra = [
        Skill(code=f"cert-many-{i}", track=Track.BPO, name_uz=f"U{i}", name_ru=f"R{i}", name_en=f"E{i}")
        for i in range(5)
    ]
    finished.course.skills.extend(CourseSkill(skill=s, level=1) for s in extra)
    finished.db.flush()
    six = issued(finished)
    assert len(six.skills) == 6
    assert queries(six) == one


def test_get_changes_nothing(browser: Browser, finished: Finished) -> None:
    certificate = issued(finished)
    before = (certificate.version, finished.db.scalar(select(func.count()).select_from(CertificateEvent)))
    page(browser, certificate)
    browser.get("/verify", query_string={"serial": certificate.serial})
    finished.db.refresh(certificate)
    after = (certificate.version, finished.db.scalar(select(func.count()).select_from(CertificateEvent)))
    assert before == after
