"""``flask --app wsgi finish-quiz-attempts``: quiz attempts whose time ran out count without their
student; ``sweep-files``: hand-in files no submission names, and expired exports and uploads, go."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask
from flask.cli import with_appcontext

from academy import storage
from academy.db import get_session, utcnow
from academy.grading import files
from academy.grading.exports import export_folder
from academy.grading.file_sweep import EXPIRE_AFTER, Tally, sweep_files
from academy.grading.quizzes import finish_all_expired
from academy.imports import uploads


@click.command("finish-quiz-attempts")
@with_appcontext
def finish_quiz_attempts_command() -> None:
    """Finish the quiz attempts whose time limit (or the quiz's due date) has passed.

    An attempt is scored with the answers saved before its deadline, and the student's best
    attempt becomes the grade, as when the student submits. The student's own next visit does the
    same; this catches attempts nobody comes back to, so that the gradebook shows them as handed
    in. Run it from cron, e.g. every ten minutes:

        */10 * * * *  flask --app wsgi finish-quiz-attempts

    Running it again finishes nothing twice.
    """
    session = get_session()
    finished = finish_all_expired(session, utcnow())
    session.commit()
    click.echo(f"{finished} quiz attempts finished.")


@click.command("sweep-files")
@with_appcontext
@click.option(
    "--older-than",
    type=click.IntRange(min=1),
    default=24,
    show_default=True,
    metavar="HOURS",
    help="Delete only hand-in files no submission names that were last written this many hours ago or more.",
)
@click.option("--dry-run", is_flag=True, help="List the files that would be deleted; delete nothing.")
def sweep_files_command(older_than: int, dry_run: bool) -> None:
    """Delete the files nothing will ask for again, and say how many and how many bytes.

    \b
    - Hand-in files in SUBMISSION_FOLDER that no submission names (left by two resubmissions at
      the same moment on SQLite, or by a crash just before a hand-in was committed), once they are
      older than --older-than hours; a hand-in being committed right now is never touched.
    - Gradebook exports in EXPORT_FOLDER and uploaded CSV files in IMPORT_FOLDER older than a day,
      the age after which the app already deletes them whenever a new one starts.

    Only regular files with the app's own random names are deleted: directories, symbolic links and
    any other file in those folders are left alone, and nothing outside them is looked at. The
    database is only read. Run it from cron once a day, e.g.:

    \b
        30 3 * * *  flask --app wsgi sweep-files

    Running it again deletes nothing twice.
    """
    session = get_session()
    try:
        report = sweep_files(
            session,
            submissions=files.folder(),
            exports=export_folder(),
            imports=uploads.folder(),
            older_than=timedelta(hours=older_than),
            expire_after=EXPIRE_AFTER,
            dry_run=dry_run,
            found=_list if dry_run else None,
            end_read=session.rollback,  # only read: no transaction stays open while files are touched
        )
    finally:
        session.rollback()
    verb = "would be deleted (dry run)" if dry_run else "deleted"
    for kind, tally in [*report.kinds.items(), ("total", report.total)]:
        click.echo(f"{kind}: {_amount(tally)} {verb}.")


def _list(kind: str, found: storage.StoredFile) -> None:
    click.echo(f"{kind}: {found.path} ({found.size} bytes)")


def _amount(tally: Tally) -> str:
    return f"{tally.files} files, {tally.bytes} bytes"


def register(app: Flask) -> None:
    app.cli.add_command(finish_quiz_attempts_command)
    app.cli.add_command(sweep_files_command)
