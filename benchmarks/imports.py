"""The ``import`` benchmark: bulk enrolment of a 10,000-row CSV into the demo academy.

On a temporary database with the demo catalogue, ~40 cohorts of published courses get enough seats,
then a clean file of ``--rows`` new students spread over them is read, checked and imported in one
transaction (timed, ``--repeat`` times with fresh students). The same file imported again must
change nothing, and a 1,000-row file with one bad row must write nothing: both are counted in the
result (``reimport_changed``, ``bad_file_written``) and must be 0.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentEvent
from academy.courses.models import Course, CourseStatus
from academy.db import database, get_session
from academy.demo.services import FEMALE_NAMES, MALE_NAMES, SURNAMES
from academy.imports.csvfile import read_csv
from academy.imports.services import ImportHasErrors, apply_import, plan_import
from academy.notifications.models import Notification
from academy.regions.models import Region
from benchmarks.harness import (
    BenchmarkFailed,
    backend_name,
    build_demo_app,
    positive_int,
    progress,
    temporary_database,
)

HELP = "CSV enrolment import: 10,000 rows checked and written in one transaction; re-import and bad file"
DEFAULT_SCALE = 300
DEFAULT_REPEAT = 1
LIMIT_SECONDS = 20.0
BAD_FILE_ROWS = 1000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rows", type=positive_int, default=10_000, help="rows of the clean file (default: %(default)s)"
    )
    parser.add_argument(
        "--cohorts", type=positive_int, default=40, help="cohorts the rows spread over (default: %(default)s)"
    )


def _cohorts(session: Session, wanted: int, seats_each: int) -> list[str]:
    """Codes of up to ``wanted`` cohorts of published courses, each given ``seats_each`` free seats."""
    cohorts = session.scalars(
        select(Cohort)
        .join(Course)
        .where(Course.status == CourseStatus.PUBLISHED)
        .order_by(Cohort.id)
        .limit(wanted)
    ).all()
    if not cohorts:
        raise BenchmarkFailed("the demo data has no cohort of a published course")
    session.execute(
        update(Cohort)
        .where(Cohort.id.in_([c.id for c in cohorts]))
        .values(seats=Cohort.seats_taken + seats_each)
        .execution_options(synchronize_session=False)
    )
    return [c.code for c in cohorts]


def _region_spellings(session: Session) -> list[str]:
    """Every region by its code and by its name in each language, as files give them."""
    return [
        spelling
        for region in session.scalars(select(Region).order_by(Region.sort_order))
        for spelling in (region.code, region.name_uz, region.name_ru, region.name_en)
    ]


def _file(rows: int, prefix: str, codes: list[str], regions: list[str], seed: int) -> bytes:
    rng = random.Random(seed)
    lines = ["email;firstname;lastname;region;cohort"]
    for n in range(rows):
        female = rng.random() < 0.5
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        last = rng.choice(SURNAMES) + ("a" if female else "")
        lines.append(
            f"{prefix}{n}@bench.example.uz;{first};{last};{rng.choice(regions)};{codes[n % len(codes)]}"
        )
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def _footprint(session: Session) -> dict[str, int]:
    """Rows an import writes, and the seats it takes."""
    counts = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (User, Enrolment, EnrolmentEvent, Notification)
    }
    counts["seats_taken"] = session.scalar(select(func.sum(Cohort.seats_taken))) or 0
    return counts


def _changed(before: dict[str, int], after: dict[str, int]) -> int:
    return sum(abs(after[key] - before[key]) for key in before)


def _import(app: Flask, data: bytes, actor_id: int, name: str) -> tuple[float, float, dict[str, int]]:
    """Read, check and write one file as the job does; (check seconds, write seconds, counts)."""
    with app.app_context():
        session = get_session()
        started = time.perf_counter()
        plan = plan_import(session, read_csv(data).rows)
        checked = time.perf_counter()
        if not plan.clean:
            raise BenchmarkFailed(f"the clean file has errors: {[e.message for e in plan.errors[:3]]}")
        apply_import(session, plan, session.get(User, actor_id), name)
        session.commit()
        return checked - started, time.perf_counter() - checked, plan.counts()


def run(args: argparse.Namespace) -> dict[str, Any]:
    rows, repeat = args.rows, args.repeat
    with temporary_database(args.database_url, "import") as url:
        app = build_demo_app(url, students=args.scale)
        try:
            with app.app_context():
                session = get_session()
                admin_id = session.scalar(select(User.id).where(User.role == Role.ADMIN).limit(1))
                assert admin_id is not None
                seats_each = -(-rows * repeat // args.cohorts) + BAD_FILE_ROWS
                codes = _cohorts(session, args.cohorts, seats_each)
                regions = _region_spellings(session)
                session.commit()
            progress("%d rows over %d cohorts, %d run(s)", rows, len(codes), repeat)

            timings, checks, writes = [], [], []
            for run_number in range(repeat):
                data = _file(rows, f"run{run_number}-", codes, regions, seed=run_number)
                check, write, counts = _import(app, data, admin_id, f"bench-{run_number}.csv")
                checks.append(check)
                writes.append(write)
                timings.append(check + write)
                progress(
                    "run %d: checked in %.2fs, written in %.2fs: %s", run_number + 1, check, write, counts
                )

            with app.app_context():
                before = _footprint(get_session())
            _check, _write, again = _import(app, data, admin_id, "bench-again.csv")
            with app.app_context():
                reimport_changed = _changed(before, _footprint(get_session()))
            progress("re-import: %s, %d rows changed", again, reimport_changed)

            bad = _file(BAD_FILE_ROWS, "bad-", codes, regions, seed=99).decode().split("\r\n")
            bad_line = BAD_FILE_ROWS // 2 + 1
            fields = bad[bad_line - 1].split(";")
            bad[bad_line - 1] = ";".join([*fields[:4], "NO-SUCH-COHORT"])
            with app.app_context():
                session = get_session()
                before = _footprint(session)
                plan = plan_import(session, read_csv("\r\n".join(bad).encode()).rows)
                try:
                    apply_import(session, plan, session.get(User, admin_id), "bench-bad.csv")
                    session.commit()
                except ImportHasErrors:
                    session.rollback()
                bad_file_written = _changed(before, _footprint(session))
                bad_errors = [(e.line, e.code) for e in plan.errors]
            progress("bad file: errors %s, %d rows written", bad_errors, bad_file_written)
        finally:
            with app.app_context():
                database(app).engine.dispose()
    seconds = statistics.median(timings)
    return {
        "benchmark": "import",
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds, 1),
        "check_seconds": round(statistics.median(checks), 3),
        "write_seconds": round(statistics.median(writes), 3),
        "runs": repeat,
        "cohorts": len(codes),
        "under_limit": seconds < LIMIT_SECONDS,
        "reimport_changed": reimport_changed,
        "bad_file_written": bad_file_written,
        "bad_file_errors": [{"line": line, "code": code} for line, code in bad_errors],
        "database": backend_name(url),
    }
