"""``flask import-enrolments FILE``: the same checks and writes as the web import, with a progress bar."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.cohorts.models import EnrolmentEvent
from tests.conftest import Factory
from tests.imports.conftest import csv_bytes, row_counts


def write(tmp_path: Path, rows: list[tuple[str, ...]], name: str = "intake.csv") -> str:
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows))
    return str(path)


def invoke(app: Flask, *args: str) -> object:
    return app.test_cli_runner().invoke(args=["import-enrolments", *args, "--lang", "en"])


def test_clean_file_is_imported_with_a_summary_last(
    app: Flask, db: Session, make: Factory, tmp_path: Path
) -> None:
    admin = make.user(Role.ADMIN)
    cohort = make.cohort(seats=5)
    db.commit()
    path = write(tmp_path, [(f"s{n}@example.uz", "A", "V", "UZ-SA", cohort.code) for n in range(3)])
    result = invoke(app, path, "--actor", admin.email)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    lines = result.stdout.strip().splitlines()  # type: ignore[attr-defined]
    assert lines[-1] == ("Rows: 3, new students: 3, new enrolments: 3, unchanged: 0, errors: 0; imported.")
    assert "Checking" in result.stderr and "Importing" in result.stderr  # type: ignore[attr-defined]
    events = db.scalars(select(EnrolmentEvent)).all()
    assert {(e.actor_id, e.note) for e in events} == {(admin.id, "imported from intake.csv")}
    again = invoke(app, path)
    assert again.exit_code == 0  # type: ignore[attr-defined]
    assert (
        again.stdout.strip()
        .splitlines()[-1]
        .startswith(  # type: ignore[attr-defined]
            "Rows: 3, new students: 0, new enrolments: 0, unchanged: 3, errors: 0"
        )
    )


def test_dry_run_writes_nothing(app: Flask, db: Session, make: Factory, tmp_path: Path) -> None:
    cohort = make.cohort(seats=5)
    db.commit()
    before = row_counts(db)
    result = invoke(app, write(tmp_path, [("a@example.uz", "A", "V", "UZ-SA", cohort.code)]), "--dry-run")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert result.stdout.strip().splitlines()[-1].endswith("; dry run, nothing written.")  # type: ignore[attr-defined]
    assert row_counts(db) == before


def test_errors_are_listed_by_line_and_nothing_is_written(
    app: Flask, db: Session, make: Factory, tmp_path: Path
) -> None:
    cohort = make.cohort(seats=5)
    db.commit()
    before = row_counts(db)
    rows = [
        ("a@example.uz", "A", "V", "UZ-SA", cohort.code),
        ("b@example", "B", "V", "UZ-SA", cohort.code),
        ("c@example.uz", "C", "V", "Narnia", "NOPE"),
    ]
    result = invoke(app, write(tmp_path, rows))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stdout.strip().splitlines() == [  # type: ignore[attr-defined]
        "line 3: “b@example” is not a valid e-mail address.",
        "line 4: Unknown region “Narnia”: give its code, such as UZ-SA, or its full name.",
        "line 4: There is no cohort with the code “NOPE”.",
        "Rows: 3, new students: 1, new enrolments: 1, unchanged: 0, errors: 3; nothing written.",
    ]
    assert row_counts(db) == before


def test_unreadable_file_and_unknown_actor_are_refused(
    app: Flask, db: Session, make: Factory, tmp_path: Path
) -> None:
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = invoke(app, str(binary))
    assert result.exit_code == 1 and "not a CSV text file" in result.output  # type: ignore[attr-defined]
    student = make.user()
    db.commit()
    path = write(tmp_path, [("a@example.uz", "A", "V", "UZ-SA", "X")])
    for actor in ("nobody@example.uz", student.email):
        result = invoke(app, path, "--actor", actor)
        assert result.exit_code == 2 and "No active administrator" in result.output  # type: ignore[attr-defined]
    assert db.scalar(select(User).where(User.email == "a@example.uz")) is None


def test_help_describes_the_command(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["import-enrolments", "--help"])
    assert result.exit_code == 0 and "--dry-run" in result.output and "line" in result.output
