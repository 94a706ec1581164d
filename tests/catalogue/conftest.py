"""Fixtures of the catalogue tests: courses and cohorts placed in time relative to today."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from academy.cohorts.models import Cohort
from academy.courses.models import Course, CourseSkill, CourseStatus
from academy.skills.models import Skill
from tests.conftest import Factory

TASHKENT = ZoneInfo("Asia/Tashkent")


def text_of(response: TestResponse) -> str:
    """The visible text of a page, whitespace collapsed, entities decoded."""
    body = response.get_data(as_text=True)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def academy_today() -> date:
    return datetime.now(TASHKENT).date()


@dataclass
class Catalogue:
    """Makes courses and cohorts for the catalogue; cohort dates count in days from today."""

    make: Factory
    session: Session
    today: date

    def course(
        self,
        skills: tuple[tuple[str, int], ...] = (),
        status: CourseStatus = CourseStatus.PUBLISHED,
        **fields: Any,
    ) -> Course:
        course = self.make.course(status=status, **fields)
        for code, level in skills:
            skill = self.session.scalars(select(Skill).where(Skill.code == code)).one()
            course.skills.append(CourseSkill(skill=skill, level=level))
        self.session.flush()
        return course

    def cohort(
        self,
        course: Course,
        starts_in: int = 20,
        lasts: int = 60,
        region: str | None = "UZ-SA",
        **fields: Any,
    ) -> Cohort:
        start = self.today + timedelta(days=starts_in)
        return self.make.cohort(
            course,
            region_code=region,
            starts_on=start,
            ends_on=start + timedelta(days=lasts),
            **fields,
        )


@pytest.fixture
def catalogue(make: Factory, db: Session) -> Catalogue:
    return Catalogue(make, db, academy_today())
