"""Figures the home page and the dashboards show, each a single grouped query."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User


def students_per_region(session: Session) -> dict[str, int]:
    """Number of active students in each region code (regions without students are absent)."""
    rows = session.execute(
        select(User.region_code, func.count())
        .where(User.role == Role.STUDENT, User.active.is_(True), User.region_code.is_not(None))
        .group_by(User.region_code)
    ).all()
    return {code: count for code, count in rows if code is not None}
