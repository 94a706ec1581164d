"""Hand-in files: the type is found from the content and must agree with the name; size limits;
nothing is ever left behind by a refusal or a failed commit; names are cleaned."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from academy.config import from_environment
from academy.grading import files
from academy.grading.files import (
    FileEmpty,
    FileNameMismatch,
    FileRefused,
    FileTooLarge,
    FileTypeRefused,
    clean_file_name,
    receive,
    sniff,
)
from tests.grading import samples

pytestmark = pytest.mark.usefixtures("app_ctx")
LIMIT = 64 * 1024


def _receive(folder: Path, name: str, content: bytes, limit: int = LIMIT) -> files.StagedFile:
    return receive(io.BytesIO(content), name, folder, limit)


@pytest.mark.parametrize(("name", "content", "mime"), samples.ACCEPTED)
def test_every_allowed_type_is_accepted_with_the_type_of_its_content(
    tmp_path: Path, name: str, content: bytes, mime: str
) -> None:
    staged = _receive(tmp_path, name, content)
    assert (staged.mime, staged.size, staged.file_name) == (mime, len(content), name)
    assert staged.incoming.read_bytes() == content and not staged.path.exists()
    staged.place()
    assert staged.path.read_bytes() == content and not staged.incoming.exists()
    assert [p.name for p in tmp_path.iterdir()] == [staged.key]


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("virus.pdf", samples.EXE, FileTypeRefused),  # a program renamed .pdf
        ("page.pdf", samples.HTML, FileNameMismatch),  # a web page renamed .pdf (it is text)
        ("page.docx", samples.HTML, FileNameMismatch),
        ("report.docx", samples.PDF, FileNameMismatch),  # a PDF renamed .docx
        ("report.txt", samples.PDF, FileNameMismatch),
        ("chart.jpg", samples.PNG, FileNameMismatch),
        ("essay.odt", samples.DOCX, FileNameMismatch),
        ("essay.docx", samples.ODT, FileNameMismatch),
        ("budget.xlsx", samples.DOCX, FileNameMismatch),
        ("archive.docx", samples.PLAIN_ZIP, FileTypeRefused),  # a ZIP that is no office document
        ("tool.xlsx", samples.JAR, FileTypeRefused),
        ("notes.txt", samples.LATIN1, FileTypeRefused),  # not UTF-8
        ("notes.csv", b"a,b\x00c", FileTypeRefused),  # a NUL byte: binary
        ("virus.exe", samples.EXE, FileTypeRefused),
        ("page.html", samples.HTML, FileTypeRefused),
        ("essay", samples.TEXT, FileTypeRefused),  # no extension
        (".pdf", samples.PDF, FileTypeRefused),  # only an extension
        ("broken.docx", b"PK\x03\x04" + bytes(40), FileTypeRefused),  # not a readable ZIP
        ("empty.pdf", b"", FileEmpty),
    ],
)
def test_refused_files_leave_nothing_behind(
    tmp_path: Path, name: str, content: bytes, error: type[FileRefused]
) -> None:
    with pytest.raises(error) as raised:
        _receive(tmp_path, name, content)
    assert raised.value.field == "file"
    assert list(tmp_path.iterdir()) == []


def test_a_file_over_the_limit_is_refused_with_the_limit_and_leaves_nothing(tmp_path: Path) -> None:
    content = samples.PDF + b"0" * (files.MIB)
    with pytest.raises(FileTooLarge) as raised:
        _receive(tmp_path, "big.pdf", content, limit=files.MIB)
    assert "larger than 1 MB" in str(raised.value.message)
    assert list(tmp_path.iterdir()) == []
    exactly = samples.PDF + b"0" * (files.MIB - len(samples.PDF))
    assert _receive(tmp_path, "fits.pdf", exactly, limit=files.MIB).size == files.MIB


def test_sniff_reads_the_content_not_the_name(tmp_path: Path) -> None:
    path = tmp_path / "whatever.bin"
    for content, kind in [
        (samples.PDF, "pdf"),
        (samples.XLSX, "xlsx"),
        (samples.ODS, "ods"),
        (samples.TEXT, "text"),
        (samples.EXE, None),
        (samples.zipped({"[Content_Types].xml": b"", "word/a": b"", "xl/b": b""}), None),  # ambiguous
        (samples.zipped({"mimetype": b"application/epub+zip"}), None),
    ]:
        path.write_bytes(content)
        assert sniff(path) == kind


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("report.pdf", "report.pdf"),
        ("C:\\Users\\ali\\Desktop\\report.pdf", "report.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ('bad"na<me>|?*.txt', "badname.txt"),
        ("line\r\nbreak.txt", "linebreak.txt"),
        ("  spaced   out .pdf ", "spaced out .pdf"),
        ("Hisobot — oʻquvchi.docx", "Hisobot — oʻquvchi.docx"),
        ("...", ""),
        (None, ""),
    ],
)
def test_clean_file_name(given: str | None, kept: str) -> None:
    assert clean_file_name(given) == kept


def test_a_long_name_is_cut_keeping_its_extension() -> None:
    cleaned = clean_file_name("a" * 500 + ".docx")
    assert len(cleaned) == files.MAX_NAME and cleaned.endswith("a.docx")


def test_received_deletes_the_file_unless_its_hand_in_was_committed(
    app: Flask, db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SUBMISSION_FOLDER", str(tmp_path))
    with pytest.raises(RuntimeError), files.received(io.BytesIO(samples.PDF), "a.pdf"):
        raise RuntimeError("the hand-in was refused")
    assert list(tmp_path.iterdir()) == []
    with files.received(io.BytesIO(samples.PDF), "a.pdf") as staged:
        files.commit(db, staged, None)
    assert [p.name for p in tmp_path.iterdir()] == [staged.key]


def test_a_failed_commit_deletes_the_new_file_and_keeps_the_old(
    app: Flask, db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SUBMISSION_FOLDER", str(tmp_path))
    old = tmp_path / ("0" * 32)
    old.write_bytes(samples.PDF)

    def fail() -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(db, "commit", fail)
    with pytest.raises(RuntimeError), files.received(io.BytesIO(samples.PNG), "b.png") as staged:
        files.commit(db, staged, old.name)
    assert list(tmp_path.iterdir()) == [old]


def test_a_committed_replacement_deletes_the_replaced_file(
    app: Flask, db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SUBMISSION_FOLDER", str(tmp_path))
    old = tmp_path / ("0" * 32)
    old.write_bytes(samples.PDF)
    files.commit(db, None, old.name)  # replaced by text or a link
    assert list(tmp_path.iterdir()) == []


def test_only_generated_keys_name_files(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "SUBMISSION_FOLDER", str(tmp_path))
    assert files.path_of("../academy.db") is None
    assert files.path_of("A" * 32) is None
    assert files.path_of("ab" * 16) == tmp_path / ("ab" * 16)


def test_incoming_files_left_by_a_crash_are_purged_after_a_day(tmp_path: Path) -> None:
    stale, fresh = tmp_path / ".incoming-old", tmp_path / ".incoming-new"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    day_ago = time.time() - files.STALE_AFTER - 60
    os.utime(stale, (day_ago, day_ago))
    kept = tmp_path / ("ab" * 16)
    kept.write_bytes(b"x")
    os.utime(kept, (day_ago, day_ago))
    assert files.purge_incoming(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, kept.name])


def test_the_folder_and_limit_come_from_the_settings(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(app.config, "SUBMISSION_FOLDER", raising=False)
    assert files.folder() == Path(app.instance_path) / "submissions"
    monkeypatch.setitem(app.config, "SUBMISSION_FOLDER", "hand-ins")
    assert files.folder() == Path(app.instance_path) / "hand-ins"
    monkeypatch.setitem(app.config, "SUBMISSION_FOLDER", "/srv/hand-ins")
    assert files.folder() == Path("/srv/hand-ins")
    assert files.max_bytes() == 10 * files.MIB
    assert app.config["MAX_CONTENT_LENGTH"] > files.max_bytes()


def test_the_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUBMISSION_FOLDER", "/srv/hand-ins")
    monkeypatch.setenv("SUBMISSION_MAX_BYTES", str(50 * files.MIB))
    settings = from_environment()
    assert settings["SUBMISSION_FOLDER"] == "/srv/hand-ins"
    assert (settings["SUBMISSION_MAX_BYTES"], settings["MAX_CONTENT_LENGTH"]) == (
        50 * files.MIB,
        51 * files.MIB,
    )
