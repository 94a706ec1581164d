"""``flask --app wsgi demo-data``: load the demo academy."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from academy.db import get_session
from academy.demo.services import DatabaseNotEmpty, load_demo


@click.command("demo-data")
@with_appcontext
@click.option("--reset", is_flag=True, help="Replace the data in a database that is not empty.")
@click.option(
    "--scale",
    type=click.IntRange(0, 1_000_000),
    default=300,
    show_default=True,
    help="Number of students to create (besides the demo student).",
)
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed, for repeatable data.")
@click.option("--if-empty", is_flag=True, help="Do nothing, successfully, when the database has data.")
def demo_data_command(reset: bool, scale: int, seed: int, if_empty: bool) -> None:
    """Fill the database with a realistic demo academy.

    Demo accounts admin@, instructor@, student@ and employer@demo.academy.uz share the password
    demo-pass-2026.
    """
    session = get_session()
    try:
        summary = load_demo(session, students=scale, seed=seed, replace=reset)
    except DatabaseNotEmpty as error:
        session.rollback()
        if if_empty:
            click.echo("The database already has data; demo data not loaded.")
            return
        raise click.ClickException(str(error.message)) from None
    session.commit()
    click.echo("Demo data loaded: " + ", ".join(f"{n} {what}" for what, n in summary.counts.items()))


def register(app: Flask) -> None:
    app.cli.add_command(demo_data_command)
