"""Reading regions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.regions.models import Region


def list_regions(session: Session) -> Sequence[Region]:
    """All regions in the academy's display order (Tashkent city first, Karakalpakstan last)."""
    return session.scalars(select(Region).order_by(Region.sort_order, Region.code)).all()


def get_region(session: Session, code: str) -> Region | None:
    return session.get(Region, code)
