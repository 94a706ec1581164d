"""``flask --app wsgi create-user``: accounts for staff, from the command line."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from academy.auth import services
from academy.auth.models import Role
from academy.db import get_session
from academy.errors import DomainError


@click.command("create-user")
@with_appcontext
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help="The account's role.")
@click.option("--email", required=True, help="E-mail address; it is also the login.")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option(
    "--region", "region_code", default=None, help="ISO 3166-2 code such as UZ-SA (students need one)."
)
@click.option("--locale", type=click.Choice(["uz", "ru", "en"]), default="uz", show_default=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for interactively when not given.",
)
def create_user_command(
    role: str,
    email: str,
    first_name: str,
    last_name: str,
    region_code: str | None,
    locale: str,
    password: str,
) -> None:
    """Create an account of any role (typically the first administrator)."""
    session = get_session()
    try:
        user = services.create_user(
            session,
            role=Role(role),
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            region_code=region_code,
            locale=locale,
        )
    except DomainError as error:
        session.rollback()
        raise click.ClickException(str(error.message)) from None
    session.commit()
    current_app.logger.info("created user %s", user.id)
    click.echo(f"Created {role} {user.email} (id {user.id}).")


def register(app: Flask) -> None:
    app.cli.add_command(create_user_command)
