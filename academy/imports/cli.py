"""``flask --app wsgi import-enrolments FILE``: the web import's checks and writes, from a terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext

from academy.auth.models import Role, User
from academy.auth.services import find_user_by_email
from academy.db import get_session
from academy.errors import DomainError
from academy.imports.csvfile import read_csv
from academy.imports.services import ImportPlan, apply_import, plan_import
from academy.imports.uploads import clean_file_name


@click.command("import-enrolments")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would happen; write nothing.")
@click.option(
    "--actor",
    metavar="EMAIL",
    default=None,
    help="The administrator recorded as having made the enrolments (default: nobody).",
)
@click.option(
    "--lang",
    type=click.Choice(["uz", "ru", "en"]),
    default=None,
    help="Language of the messages (default: the academy's default language).",
)
def import_enrolments_command(file: Path, dry_run: bool, actor: str | None, lang: str | None) -> None:
    """Enrol the students listed in FILE, a CSV with the columns email, firstname, lastname, region
    and cohort (and optionally lang).

    The whole file is checked first. If any row is wrong, every problem is printed with its line
    number, nothing is written and the exit status is 1. Otherwise new students are created and
    invited to set their password, and every enrolment is written in one transaction. Importing
    the same file again changes nothing. The summary is the last line printed.
    """
    with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
        _run(file, dry_run, actor)


def _run(file: Path, dry_run: bool, actor_email: str | None) -> None:
    session = get_session()
    actor: User | None = None
    if actor_email:
        actor = find_user_by_email(session, actor_email)
        if actor is None or actor.role is not Role.ADMIN or not actor.active:
            raise click.BadParameter(
                gettext("No active administrator has this e-mail."), param_hint="--actor"
            )
    try:
        rows = read_csv(file.read_bytes()).rows
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    stderr = sys.stderr
    with click.progressbar(length=len(rows), label=gettext("Checking"), file=stderr) as bar:
        plan = plan_import(session, rows, progress=bar.update)
    if plan.clean and not dry_run and plan.enrolments:
        with click.progressbar(length=len(plan.enrolments), label=gettext("Importing"), file=stderr) as bar:
            try:
                apply_import(session, plan, actor, clean_file_name(file.name), progress=bar.update)
            except DomainError as error:
                session.rollback()
                raise click.ClickException(str(error.message)) from None
        session.commit()
    session.rollback()  # a dry run or a file with errors: nothing was written, end the read
    for problem in plan.errors:
        click.echo(gettext("line %(line)s: %(problem)s", line=problem.line, problem=problem.message))
    click.echo(_summary(plan, written=plan.clean and not dry_run))
    if not plan.clean:
        raise click.exceptions.Exit(1)


def _summary(plan: ImportPlan, written: bool) -> str:
    text = gettext(
        "Rows: %(rows)s, new students: %(new_students)s, new enrolments: %(new_enrolments)s, "
        "unchanged: %(unchanged)s, errors: %(errors)s",
        **plan.counts(),
    )
    if written:
        outcome = gettext("imported.")
    elif plan.clean:
        outcome = gettext("dry run, nothing written.")
    else:
        outcome = gettext("nothing written.")
    return f"{text}; {outcome}"


def register(app: Flask) -> None:
    app.cli.add_command(import_enrolments_command)
