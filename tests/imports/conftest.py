"""Fixtures of the import tests: files written like people write them, and a private upload folder."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import User
from academy.cohorts.models import Enrolment, EnrolmentEvent
from academy.imports.csvfile import read_csv
from academy.imports.services import ImportPlan, plan_import
from academy.notifications.models import Notification

HEADER = ("email", "firstname", "lastname", "region", "cohort")


def csv_bytes(
    rows: Iterable[Sequence[str]],
    header: Sequence[str] = HEADER,
    delimiter: str = ",",
    bom: bool = False,
    newline: str = "\n",
) -> bytes:
    """A file as a spreadsheet would save it (no quoting needed by these tests' values)."""
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    return ("\ufeff" if bom else "").encode() + (newline.join(lines) + newline).encode()


def plan_for(db: Session, data: bytes) -> ImportPlan:
    return plan_import(db, read_csv(data).rows)


def row_counts(db: Session) -> dict[str, int]:
    """How many rows the tables an import writes hold."""
    return {
        model.__tablename__: db.scalar(select(func.count()).select_from(model)) or 0
        for model in (User, Enrolment, EnrolmentEvent, Notification)
    }


@pytest.fixture(autouse=True)
def import_folder(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Uploads go to this test's own folder, never to the instance folder."""
    folder = tmp_path / "imports"
    monkeypatch.setitem(app.config, "IMPORT_FOLDER", str(folder))
    return folder
