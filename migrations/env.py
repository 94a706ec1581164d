"""Alembic environment: the target metadata is the app's models; the URL comes from the app's
settings unless ``-x url=...`` or ``config.attributes["url"]`` (academy.schema) says otherwise."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

import academy.models  # noqa: F401 - registers every table on Base.metadata
from academy.config import config_class, from_environment
from academy.db import Base, make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def database_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.attributes.get("url")
    if url:
        return url
    settings = {"DATABASE_URL": config_class().DATABASE_URL, **from_environment()}
    return str(settings["DATABASE_URL"])


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
