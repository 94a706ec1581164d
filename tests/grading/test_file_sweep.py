"""``sweep-files``: hand-in files no submission names, and expired exports and import uploads, are
deleted once old enough; everything else in those folders (and outside them) is left alone."""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from academy import create_app
from academy.db import database
from academy.grading import cli as grading_cli
from academy.grading.file_sweep import EXPIRE_AFTER, HAND_INS, sweep_files
from academy.grading.models import Submission
from academy.schema import upgrade
from tests.conftest import Factory, QueryCounter

DAY = 24 * 3600
NOW = time.time()


@dataclass
class Folders:
    submissions: Path
    exports: Path
    imports: Path


@pytest.fixture
def folders(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Folders:
    found = Folders(tmp_path / "submissions", tmp_path / "exports", tmp_path / "imports")
    for setting, path in (
        ("SUBMISSION_FOLDER", found.submissions),
        ("EXPORT_FOLDER", found.exports),
        ("IMPORT_FOLDER", found.imports),
    ):
        path.mkdir()
        monkeypatch.setitem(app.config, setting, str(path))
    return found


def put(base: Path, name: str, age: float, data: bytes = b"data") -> Path:
    """A file ``age`` seconds old."""
    path = base / name
    path.write_bytes(data)
    os.utime(path, (NOW - age, NOW - age))
    return path


def key() -> str:
    return secrets.token_hex(16)


def token(suffix: str) -> str:
    return secrets.token_urlsafe(32) + suffix


def hand_in(db: Session, make: Factory, file_key: str) -> Submission:
    cohort = make.cohort()
    submission = Submission(
        assessment=make.assessment(cohort.course), enrolment=make.enrolment(cohort), file_key=file_key
    )
    db.add(submission)
    db.flush()
    return submission


def names(base: Path) -> set[str]:
    return {path.name for path in base.iterdir()}


def test_an_old_orphan_goes_and_a_referenced_or_fresh_file_stays(
    db: Session, make: Factory, folders: Folders
) -> None:
    orphan = put(folders.submissions, key(), 2 * DAY, b"12345")
    referenced = put(folders.submissions, key(), 30 * DAY)
    hand_in(db, make, referenced.name)
    fresh = put(folders.submissions, key(), 3600)  # a hand-in being committed right now
    crashed = put(folders.submissions, ".incoming-" + key(), 2 * DAY, b"123")
    receiving = put(folders.submissions, ".incoming-" + key(), 60)
    report = sweep_files(db, folders.submissions, folders.exports, folders.imports, now=NOW)
    assert names(folders.submissions) == {referenced.name, fresh.name, receiving.name}
    assert not orphan.exists() and not crashed.exists()
    assert (report.kinds[HAND_INS].files, report.kinds[HAND_INS].bytes) == (2, 8)
    assert (report.total.files, report.total.bytes) == (2, 8)
    again = sweep_files(db, folders.submissions, folders.exports, folders.imports, now=NOW)
    assert again.total.files == 0  # nothing twice


def test_the_age_is_the_callers(db: Session, folders: Folders) -> None:
    orphan = put(folders.submissions, key(), 3 * 3600)
    kept = sweep_files(db, folders.submissions, folders.exports, folders.imports, now=NOW)
    assert kept.total.files == 0 and orphan.exists()
    gone = sweep_files(
        db, folders.submissions, folders.exports, folders.imports, older_than=timedelta(hours=2), now=NOW
    )
    assert gone.total.files == 1 and not orphan.exists()


def test_expired_exports_and_uploads_go_and_fresh_ones_stay(db: Session, folders: Folders) -> None:
    old = EXPIRE_AFTER.total_seconds() + 60
    old_export = put(folders.exports, token(".xlsx"), old, b"xlsx")
    new_export = put(folders.exports, token(".xlsx"), 60)
    upload = token("")
    old_csv, old_json = (
        put(folders.imports, upload + ".csv", old, b"a,b"),
        put(folders.imports, upload + ".json", old),
    )
    new_csv = put(folders.imports, token(".csv"), 60)
    report = sweep_files(db, folders.submissions, folders.exports, folders.imports, now=NOW)
    assert names(folders.exports) == {new_export.name}
    assert names(folders.imports) == {new_csv.name}
    assert not old_export.exists() and not old_csv.exists() and not old_json.exists()
    assert (report.kinds["exports"].files, report.kinds["exports"].bytes) == (1, 4)
    assert (report.kinds["imports"].files, report.kinds["imports"].bytes) == (2, 7)


def test_a_dry_run_deletes_nothing_and_tells_what_would_go(db: Session, folders: Folders) -> None:
    orphan = put(folders.submissions, key(), 2 * DAY, b"12345")
    export = put(folders.exports, token(".xlsx"), 2 * DAY, b"xl")
    heard: list[tuple[str, Path]] = []
    report = sweep_files(
        db,
        folders.submissions,
        folders.exports,
        folders.imports,
        dry_run=True,
        now=NOW,
        found=lambda kind, stored: heard.append((kind, stored.path)),
    )
    assert orphan.exists() and export.exists()
    assert sorted(heard) == [("exports", export), (HAND_INS, orphan)]
    assert report.dry_run and (report.total.files, report.total.bytes) == (2, 7)


def test_links_folders_and_foreign_names_are_left_alone(
    db: Session, folders: Folders, tmp_path: Path
) -> None:
    outside = put(tmp_path, key(), 2 * DAY, b"precious")
    link = folders.submissions / key()
    link.symlink_to(outside)
    os.utime(link, (NOW - 2 * DAY, NOW - 2 * DAY), follow_symlinks=False)
    export_link = folders.exports / token(".xlsx")
    export_link.symlink_to(outside)
    subfolder = folders.submissions / key()
    subfolder.mkdir()
    put(subfolder, key(), 2 * DAY)
    os.utime(subfolder, (NOW - 2 * DAY, NOW - 2 * DAY))
    foreign = [
        put(folders.submissions, name, 2 * DAY)
        for name in ("notes.txt", key().upper(), key() + ".pdf", key()[:-1], key() + "\n", ".incoming-x")
    ]
    foreign.append(put(folders.exports, "report.xlsx", 2 * DAY))
    foreign.append(put(folders.exports, token(".csv"), 2 * DAY))  # an upload's name in the export folder
    foreign.append(put(folders.imports, token(".exe"), 2 * DAY))
    report = sweep_files(db, folders.submissions, folders.exports, folders.imports, now=NOW)
    assert report.total.files == 0
    assert outside.read_bytes() == b"precious" and link.is_symlink() and export_link.is_symlink()
    assert subfolder.is_dir() and len(names(subfolder)) == 1
    assert all(path.exists() for path in foreign)


def test_missing_folders_are_nothing_to_sweep(db: Session, tmp_path: Path) -> None:
    report = sweep_files(db, tmp_path / "a", tmp_path / "b", tmp_path / "c", now=NOW)
    assert report.total.files == 0


def test_names_are_checked_in_batches_one_query_each(
    db: Session, make: Factory, folders: Folders, count_queries: QueryCounter
) -> None:
    kept = [put(folders.submissions, key(), 2 * DAY) for _ in range(3)]
    for path in kept:
        hand_in(db, make, path.name)
    for _ in range(7):
        put(folders.submissions, key(), 2 * DAY)
    for _ in range(4):
        put(folders.submissions, ".incoming-" + key(), 2 * DAY)  # never asked about
    count_queries.statements.clear()
    report = sweep_files(db, folders.submissions, folders.exports, folders.imports, now=NOW, batch=4)
    assert report.total.files == 11
    assert names(folders.submissions) == {path.name for path in kept}
    selects = [s for s in count_queries.statements if "submissions" in s]
    assert 3 <= len(selects) <= 4 and len(count_queries.statements) == len(selects)  # 14 files, batches of 4


def test_the_command_sweeps_and_says_how_much(
    app: Flask, db: Session, make: Factory, folders: Folders
) -> None:
    orphan = put(folders.submissions, key(), 2 * DAY, b"12345")
    referenced = put(folders.submissions, key(), 2 * DAY)
    hand_in(db, make, referenced.name)
    export = put(folders.exports, token(".xlsx"), 2 * DAY, b"xl")
    db.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["sweep-files", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"hand-ins: {orphan} (5 bytes)" in dry.output and f"exports: {export} (2 bytes)" in dry.output
    assert "total: 2 files, 7 bytes would be deleted (dry run)." in dry.output
    assert orphan.exists() and export.exists()
    done = runner.invoke(args=["sweep-files"])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        "hand-ins: 1 files, 5 bytes deleted.",
        "exports: 1 files, 2 bytes deleted.",
        "imports: 0 files, 0 bytes deleted.",
        "total: 2 files, 7 bytes deleted.",
    ]
    assert names(folders.submissions) == {referenced.name} and not export.exists()


def test_the_command_keeps_files_younger_than_its_option(app: Flask, db: Session, folders: Folders) -> None:
    orphan = put(folders.submissions, key(), 3 * 3600)
    runner = app.test_cli_runner()
    assert "hand-ins: 0 files" in runner.invoke(args=["sweep-files"]).output and orphan.exists()
    result = runner.invoke(args=["sweep-files", "--older-than", "2"])
    assert "hand-ins: 1 files" in result.output and not orphan.exists()
    refused = runner.invoke(args=["sweep-files", "--older-than", "0"])
    assert refused.exit_code == 2 and "--older-than" in refused.output
    help_text = runner.invoke(args=["sweep-files", "--help"]).output
    assert "cron" in help_text and "--dry-run" in help_text and "symbolic links" in help_text


def test_the_command_holds_no_sqlite_write_lock_while_it_touches_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite every transaction takes the write lock (BEGIN IMMEDIATE): a sweep that kept its read
    transaction open while it walked the folders would hold up every hand-in meanwhile."""
    url = f"sqlite:///{tmp_path / 'sweep.db'}"
    upgrade(url)
    app = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": url,
            "SUBMISSION_FOLDER": str(tmp_path / "hand-ins"),
            "EXPORT_FOLDER": str(tmp_path / "exports"),
            "IMPORT_FOLDER": str(tmp_path / "imports"),
        }
    )
    hand_ins = tmp_path / "hand-ins"
    hand_ins.mkdir()
    old = time.time() - 3 * 86400
    for _ in range(3):
        orphan = hand_ins / secrets.token_hex(16)
        orphan.write_bytes(b"x")
        os.utime(orphan, (old, old))
    outcomes: list[str] = []

    def another_writer(_kind: str, _found: object) -> None:  # a hand-in arriving as the sweep lists
        other = sqlite3.connect(tmp_path / "sweep.db", timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            outcomes.append("written")
        except sqlite3.OperationalError as error:
            outcomes.append(str(error))
        finally:
            other.close()

    monkeypatch.setattr(grading_cli, "_list", another_writer)
    try:
        result = app.test_cli_runner().invoke(args=["sweep-files", "--dry-run"])
    finally:
        database(app).engine.dispose()
    assert result.exit_code == 0, result.output
    assert outcomes == ["written"] * 3
