"""The result of a student in a course: one pure function of the grading policy and the work.

Nothing here reads the database; :mod:`academy.grading.book` gathers the inputs. Results are never
stored: they are computed from the grades, hand-ins, attendance and policy as they stand, so they
follow every change of any of them (and the passing of a due date) at once.

The rules, as the README states them for instructors:

- A piece of work scores ``points / max_points`` as a percentage.
- Handed in after the due date by more than the grace period: the score loses ``penalty_per_day``
  percentage points for every day (or part of one) after the due date, but a penalty never takes it
  below ``floor`` (a score already below the floor keeps its own value).
- Not handed in, not graded, and the due date plus grace is past: it counts as ``missing_counts_as``.
- Excused work is left out: the other weights are scaled up to make 100.
- Work still open (not yet due, or handed in and not graded yet) is left out of the current
  percentage and keeps the result ``in progress``.
- The result is the weighted mean of the counted scores, rounded half up to two decimals. Once
  nothing is open, the student passes when it reaches the pass mark and their attendance rate (when
  any session was recorded) reaches the minimum; otherwise the student fails.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

DAY = timedelta(days=1)


class ResultState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    PASSED = "passed"
    FAILED = "failed"


class WorkState(enum.StrEnum):
    """How one piece of work stands for the result."""

    OPEN = "open"  # not due yet, or handed in and waiting for a grade
    GRADED = "graded"
    LATE = "late"  # graded, handed in late beyond the grace period: penalised
    MISSING = "missing"  # overdue, nothing handed in, no grade
    EXCUSED = "excused"


@dataclass(frozen=True)
class Policy:
    pass_mark: float  # percent
    grace: timedelta = timedelta(0)
    penalty_per_day: float = 0.0  # percentage points of the score, per day late
    floor: float = 0.0  # percent
    min_attendance: float = 0.0  # percent of the sessions recorded for the student
    missing_counts_as: float = 0.0  # percent


class Work(NamedTuple):
    """One assessment as it stands for one student."""

    weight: float
    max_points: float
    due_at: datetime | None = None
    hand_in: bool = True  # assignments and quizzes are handed in; exams and attendance are not
    points: float | None = None
    excused: bool = False
    handed_in_at: datetime | None = None


class Scored(NamedTuple):
    state: WorkState
    percent: float | None  # what it counts as in the result; None when it does not count (yet)
    days_late: int = 0


class Result(NamedTuple):
    state: ResultState
    percent: float | None  # the weighted mean of what counts so far; None when nothing counts
    attendance_short: bool  # the attendance rate is below the policy's minimum
    scored: tuple[Scored, ...]


def round_half_up(value: float) -> float:
    """``value`` to two decimals, a half going up.

    The value is first cut to 9 decimals: points have two decimals and weights are whole numbers,
    so float noise (74.99499999999999 for an exact 74.995) lies far below that, and an exact half
    still goes up.
    """
    return float(Decimal(repr(round(value, 9))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def days_late(handed_in_at: datetime, due_at: datetime, grace: timedelta) -> int:
    """Whole days (a started day counts) after the due date; 0 within the grace period."""
    late_by = handed_in_at - due_at
    if late_by <= grace or late_by <= timedelta(0):
        return 0
    return math.ceil(late_by / DAY)


def score(work: Work, policy: Policy, now: datetime) -> Scored:
    """What one piece of work counts as in the result, and why."""
    if work.excused:
        return Scored(WorkState.EXCUSED, None)
    if work.points is None:
        overdue = work.due_at is not None and now > work.due_at + policy.grace
        if work.hand_in and work.handed_in_at is None and overdue:
            return Scored(WorkState.MISSING, float(policy.missing_counts_as))
        return Scored(WorkState.OPEN, None)
    raw = work.points / work.max_points * 100
    late = 0
    if work.hand_in and work.handed_in_at is not None and work.due_at is not None:
        late = days_late(work.handed_in_at, work.due_at, policy.grace)
    if not late:
        return Scored(WorkState.GRADED, raw)
    penalised = max(raw - late * policy.penalty_per_day, min(raw, policy.floor))
    return Scored(WorkState.LATE, penalised, late)


def compute_result(
    policy: Policy, works: Sequence[Work], attendance_rate: float | None, now: datetime
) -> Result:
    """The result of one student: see the module's docstring for the rules.

    ``attendance_rate`` is between 0 and 1, or None when no session was recorded for the student.
    """
    scored = tuple(score(work, policy, now) for work in works)
    counted = [(w.weight, s.percent) for w, s in zip(works, scored, strict=True) if s.percent is not None]
    weight = sum(w for w, _ in counted)
    percent = round_half_up(sum(w * p for w, p in counted) / weight) if weight > 0 else None
    # Cut to 9 decimals like the result: 29 of 50 sessions is 58 %, not 57.99999999999999 %.
    short = attendance_rate is not None and round(attendance_rate * 100, 9) < policy.min_attendance
    if any(s.state is WorkState.OPEN for s in scored) or percent is None:
        state = ResultState.IN_PROGRESS
    elif percent >= policy.pass_mark and not short:
        state = ResultState.PASSED
    else:
        state = ResultState.FAILED
    return Result(state, percent, short, scored)
