"""The migrations build exactly the schema the models describe, and go down and up again cleanly."""

from __future__ import annotations

import json

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


def _columns(url: str, table: str) -> set[str]:
    engine = make_engine(url)
    try:
        return {column["name"] for column in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_0007_adds_feedback_and_levels_to_grade_changes_and_takes_them_away(empty_database: str) -> None:
    """A change written before 0007 survives the upgrade (its new columns empty) and the way back."""
    added = {"old_feedback", "new_feedback", "old_levels", "new_levels"}
    upgrade(empty_database, "0006")
    assert not added & _columns(empty_database, "grade_changes")
    engine = make_engine(empty_database)
    with engine.connect() as connection:
        # Only the history row matters here, not the rows it points at: foreign keys are not checked.
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET session_replication_role = replica"))
        else:
            # Outside a transaction, or SQLite ignores it: straight to the driver, before any BEGIN.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        connection.execute(
            text(
                "INSERT INTO grade_changes (id, assessment_id, enrolment_id, source, at, old_points,"
                " old_excused, new_points, new_excused, reason)"
                " VALUES (1, 1, 1, 'manual', '2026-12-01 09:00:00', NULL, false, 7.5, false, 'first')"
            )
        )
        connection.commit()
    engine.dispose()

    upgrade(empty_database, "0007")
    assert added <= _columns(empty_database, "grade_changes")
    engine = make_engine(empty_database)
    with engine.begin() as connection:
        row = connection.execute(
            text(
                "SELECT new_points, reason, old_feedback, new_feedback, old_levels, new_levels"
                " FROM grade_changes"
            )
        ).one()
        assert tuple(row) == (7.5, "first", None, None, None, None)
        connection.execute(
            text("UPDATE grade_changes SET new_feedback = 'Good', new_levels = :levels"),
            {"levels": '{"3": 9}'},
        )
        feedback, levels = connection.execute(
            text("SELECT new_feedback, new_levels FROM grade_changes")
        ).one()
        assert feedback == "Good" and (levels if isinstance(levels, dict) else json.loads(levels)) == {"3": 9}
        # SQLite copies the table on the way down, checking foreign keys this row has not got.
        connection.execute(text("DELETE FROM grade_changes"))
    engine.dispose()

    downgrade(empty_database, "0006")
    assert not added & _columns(empty_database, "grade_changes")
    assert schema_differences(empty_database) != []  # the models are at 0007
    upgrade(empty_database)
    assert schema_differences(empty_database) == []
