"""The result function against cases worked out by hand, and properties over random inputs."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from academy.grading.results import (
    Policy,
    ResultState,
    Work,
    WorkState,
    compute_result,
    days_late,
    round_half_up,
    score,
)

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
DUE = datetime(2026, 6, 1, 18, 59, tzinfo=UTC)  # 23:59 in Tashkent
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
PLAIN = Policy(pass_mark=60)


def on_time(weight: float, points: float, max_points: float = 100) -> Work:
    return Work(weight, max_points, DUE, points=points, handed_in_at=DUE - DAY)


# -- hand-worked cases ------------------------------------------------------------------------------


def test_1_weighted_mean_of_three_pieces() -> None:
    # 20% at 15/20 = 75, 30% at 40/50 = 80, 50% at 55/100 = 55: 15 + 24 + 27.5 = 66.5
    works = [on_time(20, 15, 20), on_time(30, 40, 50), on_time(50, 55)]
    result = compute_result(PLAIN, works, None, NOW)
    assert result.percent == 66.5
    assert result.state is ResultState.PASSED


def test_2_just_below_the_pass_mark_fails() -> None:
    # 50% at 59 and 50% at 60.98: 59.99, below 60
    works = [on_time(50, 59), on_time(50, 60.98)]
    result = compute_result(PLAIN, works, None, NOW)
    assert result.percent == 59.99
    assert result.state is ResultState.FAILED


def test_3_exactly_the_pass_mark_passes() -> None:
    result = compute_result(PLAIN, [on_time(100, 12, 20)], None, NOW)
    assert result.percent == 60.0
    assert result.state is ResultState.PASSED


def test_4_late_two_days_and_a_bit_loses_three_days_of_penalty() -> None:
    # Handed in 2 days 1 hour late; grace 2 hours; 10 points a day: 3 started days, 90 -> 60.
    policy = Policy(pass_mark=60, grace=2 * HOUR, penalty_per_day=10)
    work = Work(100, 100, DUE, points=90, handed_in_at=DUE + 2 * DAY + HOUR)
    scored = score(work, policy, NOW)
    assert (scored.state, scored.percent, scored.days_late) == (WorkState.LATE, 60, 3)


def test_5_within_the_grace_period_is_not_penalised() -> None:
    policy = Policy(pass_mark=60, grace=2 * HOUR, penalty_per_day=10)
    work = Work(100, 100, DUE, points=90, handed_in_at=DUE + 2 * HOUR)
    assert score(work, policy, NOW) == score(Work(100, 100, DUE, points=90, handed_in_at=DUE), policy, NOW)
    assert score(work, policy, NOW).state is WorkState.GRADED


def test_6_the_penalty_stops_at_the_floor() -> None:
    # 9 days late at 10 a day would take 80 to -10; the floor is 50.
    policy = Policy(pass_mark=60, penalty_per_day=10, floor=50)
    work = Work(100, 100, DUE, points=80, handed_in_at=DUE + 9 * DAY)
    assert score(work, policy, NOW).percent == 50


def test_7_a_score_already_below_the_floor_keeps_its_value() -> None:
    policy = Policy(pass_mark=60, penalty_per_day=10, floor=50)
    work = Work(100, 100, DUE, points=30, handed_in_at=DUE + 1 * DAY)
    assert score(work, policy, NOW).percent == 30


def test_8_missing_work_counts_as_the_policy_says_once_overdue() -> None:
    # 40% missing counted as 0, 60% at 90: 54 -> failed.
    works = [Work(40, 100, DUE), on_time(60, 90)]
    result = compute_result(PLAIN, works, None, NOW)
    assert result.scored[0].state is WorkState.MISSING
    assert result.percent == 54.0
    assert result.state is ResultState.FAILED
    # The same, with missing work counted as 25%: 10 + 54 = 64 -> passed.
    generous = Policy(pass_mark=60, missing_counts_as=25)
    assert compute_result(generous, works, None, NOW).percent == 64.0


def test_9_missing_only_after_due_date_and_grace() -> None:
    policy = Policy(pass_mark=60, grace=6 * HOUR)
    work = Work(100, 100, DUE)
    assert score(work, policy, DUE + 5 * HOUR).state is WorkState.OPEN
    assert score(work, policy, DUE + 7 * HOUR).state is WorkState.MISSING


def test_10_attendance_below_the_minimum_fails_a_good_score() -> None:
    policy = Policy(pass_mark=60, min_attendance=75)
    works = [on_time(100, 95)]
    short = compute_result(policy, works, 0.74, NOW)
    assert (short.percent, short.attendance_short, short.state) == (95.0, True, ResultState.FAILED)
    enough = compute_result(policy, works, 0.75, NOW)
    assert (enough.attendance_short, enough.state) == (False, ResultState.PASSED)
    unknown = compute_result(policy, works, None, NOW)  # no session recorded: not held against anyone
    assert unknown.state is ResultState.PASSED


def test_11_open_work_keeps_the_result_in_progress_and_out_of_the_mean() -> None:
    # 30% at 50, 70% not due yet: current percent 50, in progress.
    works = [on_time(30, 50), Work(70, 100, NOW + DAY)]
    result = compute_result(PLAIN, works, None, NOW)
    assert (result.percent, result.state) == (50.0, ResultState.IN_PROGRESS)


def test_12_handed_in_and_waiting_for_a_grade_is_open_even_when_overdue() -> None:
    work = Work(100, 100, DUE, handed_in_at=DUE + DAY)
    assert score(work, PLAIN, NOW).state is WorkState.OPEN


def test_13_excused_work_is_left_out_and_the_rest_scaled_up() -> None:
    # 50% excused, 25% at 80, 25% at 40: mean of the two = 60 -> passed.
    works = [Work(50, 100, DUE, excused=True), on_time(25, 80), on_time(25, 40)]
    result = compute_result(PLAIN, works, None, NOW)
    assert (result.percent, result.state) == (60.0, ResultState.PASSED)


def test_14_an_exam_is_never_late_nor_missing() -> None:
    exam = Work(100, 100, DUE, hand_in=False)
    assert score(exam, PLAIN, NOW).state is WorkState.OPEN
    graded = Work(100, 100, DUE, hand_in=False, points=70)
    assert score(graded, Policy(pass_mark=60, penalty_per_day=50), NOW).percent == 70


def test_15_rounding_is_half_up_to_two_decimals() -> None:
    # Three equal weights at 1/3 each of 100, 0, 0 points -> 33.333... -> 33.33; 2/3 -> 66.67.
    works = [on_time(1, 100), on_time(1, 100), on_time(1, 0)]
    assert compute_result(PLAIN, works, None, NOW).percent == 66.67
    assert round_half_up(0.125) == 0.13
    assert round_half_up(2.675) == 2.68  # binary floating point would give 2.67


def test_15b_an_exact_half_goes_up_even_through_float_noise() -> None:
    # 73.47 and 76.52 of 100 at equal weights: exactly 74.995, which floats hold as 74.99499...
    works = [on_time(30, 73.47), on_time(30, 76.52)]
    result = compute_result(Policy(pass_mark=75), works, None, NOW)
    assert (result.percent, result.state) == (75.0, ResultState.PASSED)


def test_15c_attendance_exactly_at_the_minimum_is_enough() -> None:
    # 29 of 50 sessions is exactly 58 %, which floats hold as 57.99999999999999 %.
    result = compute_result(Policy(pass_mark=50, min_attendance=58), [on_time(1, 80)], 29 / 50, NOW)
    assert (result.attendance_short, result.state) == (False, ResultState.PASSED)


@pytest.mark.parametrize(
    ("late_by", "days"),
    [(timedelta(0), 0), (-HOUR, 0), (timedelta(seconds=1), 1), (DAY, 1), (DAY + timedelta(seconds=1), 2)],
)
def test_days_late_counts_started_days(late_by: timedelta, days: int) -> None:
    assert days_late(DUE + late_by, DUE, timedelta(0)) == days


def test_nothing_to_count_is_in_progress_with_no_percent() -> None:
    assert compute_result(PLAIN, [], None, NOW) == compute_result(PLAIN, [], 1.0, NOW)
    assert compute_result(PLAIN, [], None, NOW).percent is None
    assert compute_result(PLAIN, [], None, NOW).state is ResultState.IN_PROGRESS


# -- properties over random inputs ------------------------------------------------------------------

percents = st.floats(min_value=0, max_value=100, allow_nan=False)
policies = st.builds(
    Policy,
    pass_mark=st.integers(0, 100),
    grace=st.integers(0, 72).map(lambda h: h * HOUR),
    penalty_per_day=percents,
    floor=percents,
    min_attendance=percents,
    missing_counts_as=percents,
)


@st.composite
def works(draw: st.DrawFn) -> Work:
    max_points = draw(st.integers(1, 200))
    due_at = draw(st.one_of(st.none(), st.integers(-30, 30).map(lambda d: NOW + d * DAY)))
    handed = draw(st.one_of(st.none(), st.integers(-40 * 24, 40 * 24).map(lambda h: NOW - h * HOUR)))
    return Work(
        weight=draw(st.integers(0, 100)),
        max_points=max_points,
        due_at=due_at,
        hand_in=draw(st.booleans()),
        points=draw(st.one_of(st.none(), st.integers(0, max_points * 4).map(lambda q: q / 4))),
        excused=draw(st.booleans()),
        handed_in_at=handed,
    )


rates = st.one_of(st.none(), st.floats(min_value=0, max_value=1, allow_nan=False))


@settings(max_examples=300, deadline=None)
@given(policy=policies, pieces=st.lists(works(), max_size=8), rate=rates)
def test_result_is_a_percentage_and_agrees_with_its_state(
    policy: Policy, pieces: list[Work], rate: float | None
) -> None:
    result = compute_result(policy, pieces, rate, NOW)
    if result.percent is not None:
        assert 0 <= result.percent <= 100
    if result.state is ResultState.PASSED:
        assert result.percent is not None and result.percent >= policy.pass_mark
        assert not result.attendance_short
    if any(s.state is WorkState.OPEN for s in result.scored):
        assert result.state is ResultState.IN_PROGRESS


@settings(max_examples=300, deadline=None)
@given(policy=policies, work=works())
def test_a_penalty_never_raises_a_score_nor_passes_the_floor(policy: Policy, work: Work) -> None:
    scored = score(work, policy, NOW)
    if work.points is not None and not work.excused:
        raw = work.points / work.max_points * 100
        assert scored.percent is not None
        assert scored.percent <= raw + 1e-9
        assert scored.percent >= min(raw, policy.floor) - 1e-9


@settings(max_examples=300, deadline=None)
@given(
    graded=st.lists(
        st.tuples(st.integers(1, 100), st.integers(1, 50), st.integers(0, 200)), min_size=1, max_size=8
    )
)
def test_on_time_work_gives_the_plain_weighted_mean(graded: list[tuple[int, int, int]]) -> None:
    pieces = [on_time(weight, min(points, max_points), max_points) for weight, max_points, points in graded]
    # Exact arithmetic, rounded half up by hand: the function must agree to the cent.
    exact = sum(Fraction(w.weight * int(w.points or 0) * 100, int(w.max_points)) for w in pieces) / sum(
        w.weight for w in pieces
    )
    expected = math.floor(exact * 100 + Fraction(1, 2)) / 100
    result = compute_result(Policy(pass_mark=50, penalty_per_day=30), pieces, None, NOW)
    assert result.percent == expected
    assert result.state is (ResultState.PASSED if result.percent >= 50 else ResultState.FAILED)


@settings(max_examples=300, deadline=None)
@given(policy=policies, pieces=st.lists(works(), min_size=1, max_size=6), which=st.integers(0, 5))
def test_more_points_never_lower_the_result(policy: Policy, pieces: list[Work], which: int) -> None:
    index = which % len(pieces)
    work = pieces[index]
    if work.points is None or work.points + 1 > work.max_points:
        return
    better = [*pieces]
    better[index] = Work(
        work.weight,
        work.max_points,
        work.due_at,
        work.hand_in,
        work.points + 1,
        work.excused,
        work.handed_in_at,
    )
    before = compute_result(policy, pieces, None, NOW).percent
    after = compute_result(policy, better, None, NOW).percent
    if before is not None and after is not None:
        assert after >= before
