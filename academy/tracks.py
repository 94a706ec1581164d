"""The two career tracks the academy teaches."""

from __future__ import annotations

import enum


class Track(enum.StrEnum):
    BPO = "bpo"  # business process outsourcing
    KPO = "kpo"  # knowledge process outsourcing
