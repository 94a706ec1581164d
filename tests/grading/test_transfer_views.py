"""The gradebook's export and import pages: streaming CSV, the XLSX job and its download, the import's
preview, apply and discard, and who may reach any of it."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment
from academy.grading.models import Assessment, Grade, GradeChange
from academy.grading.services import GradeValue, grade_of, save_grade
from academy.jobs.models import Job, JobStatus
from tests.conftest import Browser, Factory, QueryCounter


@pytest.fixture(autouse=True)
def private_folders(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Uploads and exports go to this test's own folders, never to the instance folder."""
    folders = {"imports": tmp_path / "imports", "exports": tmp_path / "exports"}
    monkeypatch.setitem(app.config, "IMPORT_FOLDER", str(folders["imports"]))
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(folders["exports"]))
    return folders


@dataclass
class Book:
    cohort: Cohort
    task: Assessment
    students: list[Enrolment]
    teacher: User

    @property
    def url(self) -> str:
        return f"/teach/cohorts/{self.cohort.code}/gradebook"


def make_book(db: Session, make: Factory, students: int = 2) -> Book:
    cohort = make.cohort()
    task = make.assessment(cohort.course, title="Essay", max_points=20)
    teacher = make.user(Role.INSTRUCTOR)
    cohort.instructors.append(teacher)
    enrolments = [make.enrolment(cohort, make.user(last_name=f"Yusupov{n:03d}")) for n in range(students)]
    save_grade(db, task, enrolments[0], GradeValue(points=10), 0, teacher)
    db.commit()
    return Book(cohort, task, enrolments, teacher)


@pytest.fixture
def book(db: Session, make: Factory) -> Book:
    return make_book(db, make)


def upload(browser: Browser, book: Book, data: bytes, name: str = "grades.csv") -> TestResponse:
    return browser.post(
        f"{book.url}/import", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def grade_file(book: Book, *rows: tuple[int, str]) -> bytes:
    lines = [f"E-mail,Essay [#{book.task.id}]"]
    lines += [f"{book.students[n].student.email},{value}" for n, value in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def preview_url(response: TestResponse, book: Book) -> str:
    location = response.headers["Location"]
    assert re.fullmatch(rf"{book.url}/import/[A-Za-z0-9_-]{{32,64}}", location), location
    return location


def footprint(db: Session) -> tuple[int, int]:
    return (
        db.scalar(select(func.count()).select_from(Grade)) or 0,
        db.scalar(select(func.count()).select_from(GradeChange)) or 0,
    )


def test_csv_export_streams_a_named_utf8_file(browser: Browser, book: Book) -> None:
    browser.login(book.teacher)
    response = browser.get(f"{book.url}/export.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith(
        f"attachment; filename=gradebook-{book.cohort.code}-"
    )
    body = response.get_data()
    assert body.startswith("\ufeff".encode()) and body.count(b"\r\n") == 3
    assert f"Essay [#{book.task.id}]".encode() in body


def test_csv_export_sends_the_same_queries_for_more_students(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    small, large = make_book(db, make, students=2), make_book(db, make, students=12)
    large.cohort.instructors.append(small.teacher)
    db.commit()
    browser.login(small.teacher)
    counts = []
    for one in (small, large):
        browser.get(f"{one.url}/export.csv").get_data()  # warm up
        before = count_queries.count
        assert browser.get(f"{one.url}/export.csv").status_code == 200
        counts.append(count_queries.count - before)
    assert counts[0] == counts[1]


def test_xlsx_export_runs_as_a_job_whose_file_only_its_owner_downloads(
    browser: Browser, db: Session, make: Factory, book: Book, private_folders: dict[str, Path]
) -> None:
    browser.login(book.teacher)
    response = browser.post(f"{book.url}/export.xlsx")
    assert response.status_code == 302
    job = db.scalar(select(Job).order_by(Job.id.desc()))
    assert job is not None and response.headers["Location"] == f"/jobs/{job.id}"
    db.expire_all()
    assert job.status is JobStatus.DONE and job.kind == "export-gradebook" and job.result
    assert job.result["rows"] == 2
    page = browser.get(f"/jobs/{job.id}").get_data(as_text=True)
    download = f"{book.url}/exports/{job.id}"
    assert download in page and "The gradebook of" in page
    [written] = list(private_folders["exports"].iterdir())
    assert written.suffix == ".xlsx" and "static" not in str(written)

    response = browser.get(download)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=gradebook-")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert sheet is not None and sheet.max_row == 3
    assert sheet.cell(1, 6).value == f"Essay [#{book.task.id}]"

    colleague = make.user(Role.INSTRUCTOR)  # teaches the cohort too, but did not ask for the file
    book.cohort.instructors.append(colleague)
    db.commit()
    browser.logout()
    browser.login(colleague)
    assert browser.get(download).status_code == 404
    browser.logout()
    browser.login(Role.ADMIN)
    assert browser.get(download).status_code == 404
    page = browser.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert download not in page  # an administrator sees the job, not the file


def test_a_cleaned_away_export_is_a_clear_404(
    browser: Browser, db: Session, book: Book, private_folders: dict[str, Path]
) -> None:
    browser.login(book.teacher)
    browser.post(f"{book.url}/export.xlsx")
    job = db.scalar(select(Job).order_by(Job.id.desc()))
    assert job is not None
    for path in private_folders["exports"].iterdir():
        path.unlink()
    response = browser.get(f"{book.url}/exports/{job.id}")
    assert response.status_code == 404
    assert "no longer available" in response.get_data(as_text=True)


def test_import_preview_then_apply_writes_every_change(
    browser: Browser, db: Session, book: Book, private_folders: dict[str, Path]
) -> None:
    browser.login(book.teacher)
    assert browser.get(f"{book.url}/import").status_code == 200
    response = upload(browser, book, grade_file(book, (0, '"12,5"'), (1, "EX")))
    url = preview_url(response, book)
    assert sorted(p.suffix for p in private_folders["imports"].iterdir()) == [".csv", ".json"]
    before = footprint(db)
    page = browser.get(url).get_data(as_text=True)
    assert "Preview of grades.csv" in page
    assert re.search(r"<strong>2</strong> grades to change", page)
    assert "Save 2 grades" in page
    assert footprint(db) == before  # a preview writes nothing

    response = browser.post(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/teach/cohorts/{book.cohort.code}")
    db.expire_all()
    first, second = (grade_of(db, book.task.id, e.id) for e in book.students)
    assert first is not None and (first.points, first.version) == (12.5, 2)
    assert second is not None and second.excused
    assert footprint(db) == (before[0] + 1, before[1] + 2)
    assert list(private_folders["imports"].iterdir()) == []
    assert browser.post(url).status_code == 404  # not twice


def test_a_file_with_errors_shows_them_by_line_and_writes_nothing(
    browser: Browser, db: Session, book: Book
) -> None:
    browser.login(book.teacher)
    url = preview_url(upload(browser, book, grade_file(book, (0, "15"), (1, "25"))), book)
    page = browser.get(url).get_data(as_text=True)
    assert f"Essay [#{book.task.id}]: 25 is not between 0 and 20." in page
    assert '<td class="num">3</td>' in page and "Save" not in page
    before = footprint(db)
    response = browser.post(url)
    assert response.status_code == 302 and response.headers["Location"] == url
    assert footprint(db) == before


def test_a_grade_changed_after_the_preview_is_a_409_and_nothing_is_written(
    browser: Browser, db: Session, book: Book
) -> None:
    browser.login(book.teacher)
    url = preview_url(upload(browser, book, grade_file(book, (0, "15"), (1, "4"))), book)
    save_grade(db, book.task, book.students[0], GradeValue(points=11), 1, book.teacher)
    db.commit()
    before = footprint(db)
    response = browser.post(url)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "the grade changed after the preview" in page and "No grade was imported" in page
    db.expire_all()
    assert footprint(db) == before
    assert grade_of(db, book.task.id, book.students[1].id) is None


def test_discard_deletes_the_upload(browser: Browser, book: Book, private_folders: dict[str, Path]) -> None:
    browser.login(book.teacher)
    url = preview_url(upload(browser, book, grade_file(book, (0, "15"))), book)
    response = browser.post(f"{url}/discard")
    assert response.status_code == 302 and response.headers["Location"] == f"{book.url}/import"
    assert list(private_folders["imports"].iterdir()) == []
    assert browser.get(url).status_code == 404


def test_a_file_that_is_no_grade_file_is_refused_on_the_form_and_not_kept(
    browser: Browser, book: Book, private_folders: dict[str, Path]
) -> None:
    browser.login(book.teacher)
    response = upload(browser, book, b"Name,Essay\r\nx,1\r\n")
    assert response.status_code == 200
    assert "must name an e-mail or a student ID column" in response.get_data(as_text=True)
    response = upload(browser, book, b"\x00\x01\x02", "grades.csv")
    assert "This is not a CSV text file" in response.get_data(as_text=True)
    assert not private_folders["imports"].exists() or list(private_folders["imports"].iterdir()) == []


def test_preview_sends_the_same_queries_for_more_changes(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    small, large = make_book(db, make, students=2), make_book(db, make, students=10)
    large.cohort.instructors.append(small.teacher)
    db.commit()
    browser.login(small.teacher)
    counts = []
    for one in (small, large):
        rows = [(n, str(n + 1)) for n in range(len(one.students))]
        url = preview_url(upload(browser, one, grade_file(one, *rows)), one)
        before = count_queries.count
        assert browser.get(url).status_code == 200
        counts.append(count_queries.count - before)
    assert counts[0] == counts[1]


def test_another_instructor_gets_404_and_a_student_403(
    browser: Browser, db: Session, make: Factory, book: Book
) -> None:
    browser.login(book.teacher)
    url = preview_url(upload(browser, book, grade_file(book, (0, "15"))), book)
    token = url.rsplit("/", 1)[1]
    browser.post(f"{book.url}/export.xlsx")
    job = db.scalar(select(Job).order_by(Job.id.desc()))
    assert job is not None
    browser.logout()
    gets = [f"{book.url}/export.csv", f"{book.url}/import", url, f"{book.url}/exports/{job.id}"]
    posts = [f"{book.url}/export.xlsx", f"{book.url}/import", url, f"{url}/discard"]

    browser.login(Role.INSTRUCTOR)
    assert [browser.get(u).status_code for u in gets] == [404] * 4
    assert [browser.post(u).status_code for u in posts] == [404] * 4
    browser.logout()
    browser.login(Role.STUDENT)
    assert [browser.get(u).status_code for u in gets] == [403] * 4
    assert [browser.post(u).status_code for u in posts] == [403] * 4
    browser.logout()

    # The teacher's own upload is not reachable through another cohort they teach either.
    other = make_book(db, make)
    other.cohort.instructors.append(book.teacher)
    db.commit()
    browser.login(book.teacher)
    assert browser.get(f"{other.url}/import/{token}").status_code == 404
    assert browser.get(f"{other.url}/exports/{job.id}").status_code == 404
    assert browser.get(url).status_code == 200  # still there for its owner


def test_an_admin_reaches_any_cohort_but_not_someone_elses_upload(browser: Browser, book: Book) -> None:
    browser.login(book.teacher)
    url = preview_url(upload(browser, book, grade_file(book, (0, "15"))), book)
    browser.logout()
    browser.login(Role.ADMIN)
    assert browser.get(f"{book.url}/export.csv").status_code == 200
    assert browser.get(f"{book.url}/import").status_code == 200
    assert browser.get(url).status_code == 404


def test_the_links_partial_renders_for_the_gradebook_page(app: Flask, book: Book) -> None:
    with app.test_request_context():
        from flask import render_template

        html = render_template("grading/_transfer_links.html", cohort=book.cohort)
    assert f"{book.url}/export.csv" in html and f"{book.url}/import" in html
    assert 'action="' + f"{book.url}/export.xlsx" in html and 'name="csrf_token"' in html


def test_an_export_job_of_a_cohort_no_longer_taught_fails_and_leaves_no_file(
    browser: Browser, db: Session, book: Book, private_folders: dict[str, Path]
) -> None:
    from academy.jobs.services import create_job, run_job

    job = create_job(db, "export-gradebook", book.teacher, {"cohort_id": book.cohort.id})
    book.cohort.instructors.remove(book.teacher)
    db.commit()
    with browser.client.application.test_request_context():
        assert run_job(job.id) is JobStatus.FAILED
    db.expire_all()
    assert job.error == "This gradebook can no longer be exported by you." and job.result is None
    assert not private_folders["exports"].exists() or list(private_folders["exports"].iterdir()) == []


def test_exports_older_than_a_day_are_removed_when_a_new_one_starts(
    browser: Browser, book: Book, private_folders: dict[str, Path]
) -> None:
    import os
    import time

    folder = private_folders["exports"]
    folder.mkdir(parents=True)
    old, fresh = folder / ("o" * 43 + ".xlsx"), folder / ("f" * 43 + ".xlsx")
    for path in (old, fresh):
        path.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    browser.login(book.teacher)
    assert browser.post(f"{book.url}/export.xlsx").status_code == 302
    left = sorted(folder.iterdir())
    assert old not in left and fresh in left and len(left) == 2
