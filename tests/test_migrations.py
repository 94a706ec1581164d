"""The migrations build exactly the schema the models describe, and go down and up again cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import academy.models  # noqa: F401 - every table on the metadata
from academy.db import Base, make_engine
from academy.schema import downgrade, upgrade


def schema_differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_matches_models_then_down_to_base_and_up_again(empty_database: str) -> None:
    upgrade(empty_database)
    assert schema_differences(empty_database) == []
    engine = make_engine(empty_database)
    with engine.connect() as connection:
        regions = connection.execute(text("SELECT code, name_uz, name_ru, name_en FROM regions")).all()
    engine.dispose()
    assert len(regions) == 14
    assert {"UZ-TK", "UZ-QR", "UZ-SA", "UZ-FA"} <= {code for code, *_ in regions}
    assert all(uz and ru and en for _, uz, ru, en in regions)

    downgrade(empty_database)
    assert tables(empty_database) <= {"alembic_version"}
    upgrade(empty_database)
    assert schema_differences(empty_database) == []
