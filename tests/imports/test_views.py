"""The import pages: upload, dry run, confirm -> job -> progress page -> result; admins only."""

from __future__ import annotations

import io
import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.cohorts.models import Enrolment
from academy.jobs.models import Job, JobStatus
from tests.conftest import Browser, Factory, QueryCounter
from tests.imports.conftest import csv_bytes, row_counts

UPLOAD = "/admin/imports/enrolments"


def upload(browser: Browser, data: bytes, name: str = "students.csv") -> object:
    return browser.post(UPLOAD, {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def review_url(response: object) -> str:
    location = response.headers["Location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/admin/imports/enrolments/[A-Za-z0-9_-]{32,64}", location), location
    return str(location)


def test_upload_dry_run_confirm_job_and_result(
    browser: Browser, db: Session, make: Factory, import_folder: Path
) -> None:
    admin = browser.login(Role.ADMIN)
    cohort = make.cohort(seats=10)
    known = make.user()
    rows = [
        ("nodira@example.uz", "Nodira", "Azimova", "Toshkent shahri", cohort.code),
        (known.email, "x", "y", "UZ-SA", cohort.code),
    ]
    db.commit()
    before = row_counts(db)
    response = upload(browser, csv_bytes(rows, delimiter=";", bom=True), "spring intake.csv")
    assert response.status_code == 302
    url = review_url(response)
    assert [p.suffix for p in sorted(import_folder.iterdir())] == [".csv", ".json"]
    assert "static" not in str(import_folder)

    page = browser.get(url).get_data(as_text=True)
    assert "Dry run of spring intake.csv" in page
    assert re.search(r"<strong>1</strong> new student\b", page)
    assert re.search(r"<strong>2</strong> new enrolments", page)
    assert re.search(r"<strong>0</strong> rows already done", page)
    assert ">Import</button>" in page
    assert row_counts(db) == before  # a dry run writes nothing

    response = browser.post(url)
    assert response.status_code == 302
    job_url = response.headers["Location"]
    job = db.scalar(select(Job).order_by(Job.id.desc()))
    assert job is not None and job_url == f"/jobs/{job.id}"
    db.expire_all()
    assert job.status is JobStatus.DONE and job.owner_id == admin.id and job.kind == "import-enrolments"
    assert list(import_folder.iterdir()) == []  # the upload is gone once imported

    page = browser.get(job_url).get_data(as_text=True)
    assert "Imported." in page and "spring intake.csv" in page
    assert re.search(r"<strong>2</strong> new enrolments", page)
    assert 'http-equiv="refresh"' not in page
    new = db.scalar(select(User).where(User.email == "nodira@example.uz"))
    assert new is not None and new.region_code == "UZ-TK"
    assert db.scalar(select(Enrolment).where(Enrolment.student_id == known.id)) is not None
    assert browser.post(url).status_code == 404  # the upload cannot be imported twice


def test_dry_run_lists_problems_with_line_numbers_and_offers_no_import(
    browser: Browser, make: Factory, db: Session
) -> None:
    browser.login(Role.ADMIN)
    cohort = make.cohort(seats=500)
    rows = [(f"s{n}@example.uz", "A", "V", "UZ-SA", cohort.code) for n in range(260)]
    for n in range(0, 250):
        rows[n] = (f"s{n}@example", "A", "V", "UZ-SA", cohort.code)
    page = browser.get(review_url(upload(browser, csv_bytes(rows)))).get_data(as_text=True)
    assert "250 problems" in page and "the first 200 are shown" in page
    assert '<td class="num">2</td><td>“s0@example” is not a valid e-mail address.</td>' in page
    assert page.count('<td class="num">') == 200
    assert ">Import</button>" not in page and "Upload a corrected file" in page


def test_a_file_that_fails_the_check_again_fails_its_job(
    browser: Browser, make: Factory, db: Session
) -> None:
    browser.login(Role.ADMIN)
    cohort = make.cohort(seats=1)
    url = review_url(upload(browser, csv_bytes([("late@example.uz", "A", "V", "UZ-SA", cohort.code)])))
    assert ">Import</button>" in browser.get(url).get_data(as_text=True)
    cohort.seats = 0  # the seat went elsewhere meanwhile
    db.commit()
    job_url = browser.post(url).headers["Location"]
    page = browser.get(job_url).get_data(as_text=True)
    assert "Failed" in page and "nothing was imported" in page
    assert "is full: it has 0 seats left for the 1 students" in page
    assert db.scalar(select(User).where(User.email == "late@example.uz")) is None


def test_bad_files_are_refused_with_a_reason(browser: Browser, import_folder: Path) -> None:
    browser.login(Role.ADMIN)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    cases = [
        (png, "students.csv", "This is not a CSV text file in UTF-8."),
        ("email;имя\n".encode("cp1251"), "students.csv", "This is not a CSV text file in UTF-8."),
        (b"name,phone\nAli,+998\n", "students.csv", "The first line must name the columns"),
        (b"email,firstname,lastname,region,cohort\n", "students.csv", "The file has no rows to import."),
        (b"email,firstname,lastname,region,cohort\n", "students.xlsx", "Upload a .csv file."),
        (b"x" * (5 * 1024 * 1024 + 1), "big.csv", "The file is larger than 5 MB."),
    ]
    for data, name, reason in cases:
        response = upload(browser, data, name)
        assert response.status_code == 200, name
        assert reason in response.get_data(as_text=True), (name, reason)
    response = browser.post(UPLOAD, {}, content_type="multipart/form-data")
    assert "Choose a CSV file to upload." in response.get_data(as_text=True)
    assert not import_folder.exists() or list(import_folder.iterdir()) == []


def test_an_upload_over_the_request_limit_is_413(app: Flask, browser: Browser) -> None:
    browser.login(Role.ADMIN)
    too_big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = upload(browser, too_big)
    assert response.status_code == 413 and "File too large" in response.get_data(as_text=True)


def test_cancel_deletes_the_upload(browser: Browser, make: Factory, import_folder: Path) -> None:
    browser.login(Role.ADMIN)
    cohort = make.cohort()
    url = review_url(upload(browser, csv_bytes([("a@example.uz", "A", "V", "UZ-SA", cohort.code)])))
    response = browser.post(url + "/discard")
    assert response.status_code == 302 and response.headers["Location"] == UPLOAD
    assert list(import_folder.iterdir()) == []
    assert browser.get(url).status_code == 404


def test_unknown_or_malformed_upload_names_are_404(browser: Browser) -> None:
    browser.login(Role.ADMIN)
    for token in ("x", "A" * 43, "..%2F..%2Fetc%2Fpasswd"):
        assert browser.get(f"{UPLOAD}/{token}").status_code == 404, token
        assert browser.post(f"{UPLOAD}/{token}").status_code == 404, token


def test_only_admins_import(browser: Browser, make: Factory) -> None:
    for role in (Role.STUDENT, Role.INSTRUCTOR, Role.EMPLOYER):
        browser.login(role)
        assert browser.get(UPLOAD).status_code == 403
        assert upload(browser, csv_bytes([("a@example.uz", "A", "V", "UZ-SA", "X")])).status_code == 403
        browser.logout()
    assert browser.get(UPLOAD).status_code == 302


def test_an_import_job_is_seen_by_other_admins_but_not_by_students(
    browser: Browser, make: Factory, db: Session
) -> None:
    cohort = make.cohort()
    owner = browser.login(Role.ADMIN)
    url = review_url(upload(browser, csv_bytes([("a@example.uz", "A", "V", "UZ-SA", cohort.code)])))
    job_url = browser.post(url).headers["Location"]
    browser.logout()
    browser.login(Role.ADMIN)
    page = browser.get(job_url)
    assert page.status_code == 200 and owner.full_name in page.get_data(as_text=True)
    browser.logout()
    student = db.scalar(select(User).where(User.email == "a@example.uz"))
    assert student is not None
    browser.login(Role.STUDENT)
    assert browser.get(job_url).status_code == 404


def test_dry_run_needs_the_same_queries_for_2_and_20_rows(
    browser: Browser, make: Factory, count_queries: QueryCounter
) -> None:
    browser.login(Role.ADMIN)
    cohorts = [make.cohort(seats=50) for _ in range(3)]
    people = [make.user() for _ in range(10)]

    def rows(n: int) -> bytes:
        emails = [p.email for p in people] + [f"new{i}@example.uz" for i in range(n)]
        return csv_bytes([(emails[i], "A", "V", "UZ-SA", cohorts[i % 3].code) for i in range(n)])

    few_url, many_url = review_url(upload(browser, rows(2))), review_url(upload(browser, rows(20)))
    browser.get(few_url)
    count_queries.statements.clear()
    browser.get(few_url)
    few = count_queries.count
    count_queries.statements.clear()
    browser.get(many_url)
    assert count_queries.count == few, count_queries.statements


def test_the_admin_dashboard_links_to_the_import(browser: Browser) -> None:
    browser.login(Role.ADMIN)
    page = browser.get("/dashboard").get_data(as_text=True)
    assert f'href="{UPLOAD}"' in page
