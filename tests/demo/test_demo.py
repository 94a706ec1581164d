"""Demo data and the command-line tools."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.demo import services
from academy.employers.models import Company, CompanyStatus
from academy.regions.models import Region
from tests.conftest import Browser, load_demo_in


def role_counts(db: Session) -> dict[Role, int]:
    return {role: n for role, n in db.execute(select(User.role, func.count()).group_by(User.role))}


def test_demo_data_makes_a_realistic_academy(app: Flask, db: Session) -> None:
    load_demo_in(app, db, students=40)
    counts = role_counts(db)
    assert counts[Role.STUDENT] == 41 and counts[Role.ADMIN] == 1
    assert counts[Role.INSTRUCTOR] == 15  # the demo instructor and one per region
    regions = db.scalars(select(User.region_code).where(User.role == Role.STUDENT).distinct()).all()
    assert len(regions) >= 10
    statuses = set(db.scalars(select(Company.status)).all())
    assert statuses == set(CompanyStatus)
    for role in ("admin", "instructor", "student", "employer"):
        assert db.scalar(select(User).where(User.email == f"{role}@demo.academy.uz")) is not None


def test_demo_data_is_repeatable(app: Flask, db: Session) -> None:
    load_demo_in(app, db, students=10, seed=7)
    first = db.scalars(select(User.last_name).order_by(User.email)).all()
    load_demo_in(app, db, students=10, seed=7, replace=True)
    assert db.scalars(select(User.last_name).order_by(User.email)).all() == first


def test_demo_data_refuses_a_database_with_accounts(app: Flask, db: Session) -> None:
    load_demo_in(app, db, students=5)
    with pytest.raises(services.DatabaseNotEmpty):
        load_demo_in(app, db, students=5)
    load_demo_in(app, db, students=3, replace=True)
    assert role_counts(db)[Role.STUDENT] == 4
    assert db.scalar(select(func.count()).select_from(User).where(User.email.like("%@example.uz"))) == 0


@pytest.mark.parametrize("role", ["admin", "instructor", "student", "employer"])
def test_demo_accounts_can_sign_in(app: Flask, browser: Browser, db: Session, role: str) -> None:
    load_demo_in(app, db, students=3)
    response = browser.post(
        "/login", {"email": f"{role}@demo.academy.uz", "password": services.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert browser.get("/dashboard").status_code == 200


def test_cli_demo_data_and_create_user(app: Flask, db: Session) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data", "--scale", "5"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded" in result.output
    again = runner.invoke(args=["demo-data", "--scale", "5"])
    assert again.exit_code != 0 and "--reset" in again.output
    assert runner.invoke(args=["demo-data", "--if-empty"]).exit_code == 0

    created = runner.invoke(
        args=[
            "create-user",
            "--role",
            "admin",
            "--email",
            "Boss@Academy.uz",
            "--first-name",
            "Bosh",
            "--last-name",
            "Admin",
            "--password",
            "admin-passphrase",
        ]
    )
    assert created.exit_code == 0, created.output
    assert db.scalar(select(User.role).where(User.email == "boss@academy.uz")) is Role.ADMIN
    weak = runner.invoke(
        args=[
            "create-user",
            "--role",
            "admin",
            "--email",
            "weak@academy.uz",
            "--first-name",
            "W",
            "--last-name",
            "K",
            "--password",
            "short",
        ]
    )
    assert weak.exit_code != 0 and "10" in weak.output  # the password rule, in the default language
    bad_region = runner.invoke(
        args=[
            "create-user",
            "--role",
            "student",
            "--email",
            "s@academy.uz",
            "--first-name",
            "S",
            "--last-name",
            "T",
            "--region",
            "UZ-ZZ",
            "--password",
            "student-passphrase",
        ]
    )
    assert bad_region.exit_code != 0 and bad_region.output.startswith("Error:")
    assert (
        db.scalar(
            select(func.count()).select_from(User).where(User.email.in_(["weak@academy.uz", "s@academy.uz"]))
        )
        == 0
    )


def test_cli_help_describes_the_commands(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert "demo academy" in runner.invoke(args=["demo-data", "--help"]).output
    assert "--role" in runner.invoke(args=["create-user", "--help"]).output


def test_demo_catalogue_covers_regions_languages_and_states(app: Flask, db: Session) -> None:
    from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus

    load_demo_in(app, db, students=120)
    cohorts = db.scalars(select(Cohort)).all()
    assert {c.region_code for c in cohorts} >= {r for r in db.scalars(select(Region.code))} | {None}
    assert {c.language for c in cohorts} == {"uz", "ru", "en"}
    states = set(db.scalars(select(Enrolment.status).distinct()))
    assert states == set(EnrolmentStatus)
    seated = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED)
    for cohort in cohorts:
        statuses = db.scalars(select(Enrolment.status).where(Enrolment.cohort_id == cohort.id)).all()
        assert cohort.seats_taken == sum(s in seated for s in statuses) <= cohort.seats, cohort.code
        waiting = sum(s is EnrolmentStatus.WAITLISTED for s in statuses)
        assert cohort.waitlist_length == waiting
        assert waiting == 0 or cohort.seats_taken == cohort.seats, (
            cohort.code
        )  # no free seat while people wait
