"""``flask --app wsgi rotate-signing-key``: a new key signs certificates from now on."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from academy.certificates import keys
from academy.db import utcnow


@click.command("rotate-signing-key")
@with_appcontext
def rotate_signing_key_command() -> None:
    """Add a new Ed25519 key that signs the certificates issued from now on.

    The keys are in SIGNING_KEY_FOLDER (default instance/signing-keys). Older keys are kept and stay
    in the DID document at /.well-known/did.json, so every credential signed before the rotation
    still verifies. To retire a key that leaked, revoke the certificates it signed and reissue them.
    Running processes pick the new key up at their next signature; no restart is needed.
    """
    try:
        key = keys.rotate(utcnow())
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"New signing key {keys.verification_method(key)}")
    click.echo(f"{len(keys.all_keys())} keys published in {keys.did()}")


def register(app: Flask) -> None:
    app.cli.add_command(rotate_signing_key_command)
