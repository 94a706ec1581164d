"""Taking quizzes, without HTTP: order, scoring, attempts, time, late answers, submitting once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.db import utcnow
from academy.errors import NotFound
from academy.grading import quizzes
from academy.grading.models import (
    AssessmentKind,
    CohortAssessment,
    GradeChange,
    QuizAnswer,
    QuizAttempt,
)
from academy.grading.quizzes import (
    GRACE,
    AttemptFinished,
    ForeignOption,
    NoAttemptsLeft,
    NotEnrolled,
    QuizClosed,
    QuizEmpty,
    QuizReleased,
    TooManyChoices,
    finish_expired,
    save_answers,
    shown_order,
    start_attempt,
    submit_attempt,
)
from academy.grading.services import grade_of
from tests.conftest import Factory
from tests.grading.quiz_data import Quiz, cohort_fixture, make_quiz, place_fixture, quiz_fixture  # noqa: F401

pytestmark = pytest.mark.usefixtures("app_ctx")


def _due(db: Session, quiz: Quiz, cohort: Cohort) -> datetime:
    return quizzes.column_of(db, quiz.assessment, cohort).due_at


def _changes(db: Session) -> list[GradeChange]:
    return list(db.scalars(select(GradeChange).order_by(GradeChange.id)))


def _answers(db: Session, attempt: QuizAttempt) -> set[int]:
    return set(db.scalars(select(QuizAnswer.option_id).where(QuizAnswer.attempt_id == attempt.id)))


# The order an attempt shows


def test_the_order_depends_only_on_the_seed(db: Session, make: Factory, cohort: Cohort) -> None:
    quiz = make_quiz(db, make, cohort.course)
    questions = quizzes.questions_of(db, quiz.id)

    def order(seed: int) -> list[tuple[int, list[int]]]:
        return [(s.question.id, [o.id for o in s.options]) for s in shown_order(questions, seed, True)]

    assert order(12345) == order(12345) == order(12345)
    orders = {str(order(seed)) for seed in range(40)}
    assert len(orders) > 5  # 2 question orders x 6 x 6 option orders: seeds give different ones
    for seed in range(40):  # every question and option is shown exactly once
        shown = order(seed)
        assert sorted(q for q, _ in shown) == sorted([quiz.single.id, quiz.multiple.id])
        assert sorted(o for _, opts in shown for o in opts) == sorted(o.id for o in quiz.options.values())


def test_without_shuffle_the_author_order_stands(db: Session, make: Factory, cohort: Cohort) -> None:
    quiz = make_quiz(db, make, cohort.course, shuffle=False)
    shown = shown_order(quizzes.questions_of(db, quiz.id), 99, False)
    assert [s.question.id for s in shown] == [quiz.single.id, quiz.multiple.id]
    assert [o.id for o in shown[0].options] == quiz.ids("right", "wrong", "other")


def test_an_attempt_gets_a_random_seed(db: Session, make: Factory, quiz: Quiz, cohort: Cohort) -> None:
    seeds = {start_attempt(db, quiz.assessment, make.enrolment(cohort), utcnow()).seed for _ in range(5)}
    assert len(seeds) > 1 and all(0 <= seed < 2**31 for seed in seeds)


# Scoring


@pytest.mark.parametrize(
    ("chosen", "points"),
    [
        (["right", "a", "b"], 20),
        (["right"], 5),  # 1 of 4 question points, on a 20-point quiz
        (["a", "b"], 15),
        (["wrong", "a", "b"], 15),
        (["right", "a"], 5),  # a part of the right set earns nothing
        (["right", "a", "b", "c"], 5),  # nor does more than the right set
        (["right", "b", "c"], 5),
        ([], 0),
    ],
)
def test_scoring(db: Session, quiz: Quiz, place: Enrolment, chosen: list[str], points: float) -> None:
    attempt = start_attempt(db, quiz.assessment, place, utcnow())
    submit_attempt(db, attempt, quiz.ids(*chosen), utcnow())
    assert attempt.points == points and attempt.submitted_at is not None
    assert _answers(db, attempt) == set(quiz.ids(*chosen))


def test_scores_are_kept_to_two_decimals(
    db: Session, make: Factory, cohort: Cohort, place: Enrolment
) -> None:
    quiz = make_quiz(db, make, cohort.course, max_points=10)
    attempt = start_attempt(db, quiz.assessment, place, utcnow())
    submit_attempt(db, attempt, quiz.ids("a", "b"), utcnow())
    assert attempt.points == 7.5
    quiz.multiple.points = 2  # 1 of 3 question points: 3.33
    db.flush()
    quiz2 = start_attempt(db, quiz.assessment, place, utcnow())
    submit_attempt(db, quiz2, quiz.ids("right"), utcnow())
    assert quiz2.points == 3.33


# Posted options are not trusted


def test_an_option_of_another_quiz_is_refused_and_nothing_is_written(
    db: Session, make: Factory, quiz: Quiz, cohort: Cohort, place: Enrolment
) -> None:
    other = make_quiz(db, make, cohort.course)
    attempt = start_attempt(db, quiz.assessment, place, utcnow())
    for bad in ([*quiz.ids("right"), other.options["right"].id], [999_999_999]):
        with pytest.raises(ForeignOption):
            submit_attempt(db, attempt, bad, utcnow())
        with pytest.raises(ForeignOption):
            save_answers(db, attempt, bad, utcnow())
    db.refresh(attempt)
    assert attempt.submitted_at is None and _answers(db, attempt) == set() and _changes(db) == []


def test_two_answers_to_a_single_choice_question_are_refused(
    db: Session, quiz: Quiz, place: Enrolment
) -> None:
    attempt = start_attempt(db, quiz.assessment, place, utcnow())
    with pytest.raises(TooManyChoices):
        submit_attempt(db, attempt, quiz.ids("right", "wrong"), utcnow())
    db.refresh(attempt)
    assert attempt.submitted_at is None


# Attempts


def test_an_open_attempt_is_resumed(db: Session, quiz: Quiz, place: Enrolment) -> None:
    now = utcnow()
    first = start_attempt(db, quiz.assessment, place, now)
    again = start_attempt(db, quiz.assessment, place, now + timedelta(minutes=5))
    assert again.id == first.id and (again.number, again.seed) == (1, first.seed)


def test_attempts_are_limited(db: Session, make: Factory, cohort: Cohort, place: Enrolment) -> None:
    quiz = make_quiz(db, make, cohort.course, max_attempts=2)
    for number in (1, 2):
        attempt = start_attempt(db, quiz.assessment, place, utcnow())
        assert attempt.number == number
        submit_attempt(db, attempt, [], utcnow())
    with pytest.raises(NoAttemptsLeft):
        start_attempt(db, quiz.assessment, place, utcnow())
    assert len(quizzes.attempts_of(db, quiz.id, place.id)) == 2


def test_unlimited_attempts(db: Session, make: Factory, cohort: Cohort, place: Enrolment) -> None:
    quiz = make_quiz(db, make, cohort.course, max_attempts=None)
    for number in range(1, 6):
        attempt = start_attempt(db, quiz.assessment, place, utcnow())
        submit_attempt(db, attempt, [], utcnow())
        assert attempt.number == number


def test_two_tabs_starting_at_once_get_one_attempt(
    db: Session, quiz: Quiz, place: Enrolment, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = start_attempt(db, quiz.assessment, place, utcnow())
    # The second tab read the attempts before the first tab's insert: it tries number 1 as well.
    monkeypatch.setattr(quizzes, "attempts_of", lambda *_args: [])
    second = start_attempt(db, quiz.assessment, place, utcnow())
    monkeypatch.undo()
    assert second.id == first.id
    assert db.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_only_an_enrolled_student_starts(db: Session, make: Factory, quiz: Quiz, cohort: Cohort) -> None:
    for status in (EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED, EnrolmentStatus.WITHDRAWN):
        with pytest.raises(NotEnrolled):
            start_attempt(db, quiz.assessment, make.enrolment(cohort, status=status), utcnow())


def test_only_a_quiz_of_the_course(db: Session, make: Factory, quiz: Quiz, place: Enrolment) -> None:
    elsewhere = make.enrolment(make.cohort())
    with pytest.raises(NotFound):
        start_attempt(db, quiz.assessment, elsewhere, utcnow())
    assignment = make.assessment(place.cohort.course, AssessmentKind.ASSIGNMENT)
    with pytest.raises(NotFound):
        start_attempt(db, assignment, place, utcnow())


def test_a_quiz_without_questions_cannot_start(db: Session, make: Factory, place: Enrolment) -> None:
    empty = make.assessment(place.cohort.course, AssessmentKind.QUIZ)
    with pytest.raises(QuizEmpty):
        start_attempt(db, empty, place, utcnow())


# Time


def test_the_deadline_is_the_time_limit(db: Session, quiz: Quiz, place: Enrolment) -> None:
    now = utcnow()
    attempt = start_attempt(db, quiz.assessment, place, now)
    assert attempt.deadline_at == now + timedelta(minutes=15)


def test_the_deadline_is_never_after_the_due_date(
    db: Session, make: Factory, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    due = _due(db, quiz, cohort)
    attempt = start_attempt(db, quiz.assessment, place, due - timedelta(minutes=5))
    assert attempt.deadline_at == due
    untimed = make_quiz(db, make, cohort.course, time_limit_minutes=None)
    assert start_attempt(db, untimed.assessment, place, utcnow()).deadline_at == due


def test_the_quiz_closes_at_the_due_date(db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment) -> None:
    due = _due(db, quiz, cohort)
    with pytest.raises(QuizClosed):
        start_attempt(db, quiz.assessment, place, due)


def test_a_released_quiz_takes_no_more_attempts(
    db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    db.add(CohortAssessment(cohort_id=cohort.id, assessment_id=quiz.id, released_at=utcnow()))
    db.flush()
    with pytest.raises(QuizReleased):
        start_attempt(db, quiz.assessment, place, utcnow())
    assert db.scalar(select(func.count()).select_from(QuizAttempt)) == 0


def test_a_moved_due_date_is_the_one_that_closes_the_quiz(
    db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    moved = utcnow() + timedelta(hours=1)
    db.add(CohortAssessment(cohort_id=cohort.id, assessment_id=quiz.id, due_at=moved))
    db.flush()
    assert start_attempt(db, quiz.assessment, place, utcnow()).deadline_at <= moved
    with pytest.raises(QuizClosed):
        start_attempt(db, quiz.assessment, place, moved + timedelta(minutes=20))


def test_answers_within_the_grace_count_and_are_on_time(db: Session, quiz: Quiz, place: Enrolment) -> None:
    attempt = start_attempt(db, quiz.assessment, place, utcnow())
    assert attempt.deadline_at is not None
    submit_attempt(
        db, attempt, quiz.ids("right", "a", "b"), attempt.deadline_at + GRACE - timedelta(seconds=1)
    )
    assert attempt.points == 20 and attempt.submitted_at == attempt.deadline_at


def test_answers_after_the_grace_are_not_counted_but_saved_ones_are(
    db: Session, quiz: Quiz, place: Enrolment
) -> None:
    start = utcnow()
    attempt = start_attempt(db, quiz.assessment, place, start)
    assert attempt.deadline_at is not None
    save_answers(db, attempt, quiz.ids("right"), start + timedelta(minutes=2))
    assert attempt.submitted_at is None and _answers(db, attempt) == set(quiz.ids("right"))
    submit_attempt(
        db, attempt, quiz.ids("right", "a", "b"), attempt.deadline_at + GRACE + timedelta(seconds=1)
    )
    assert attempt.points == 5 and attempt.submitted_at == attempt.deadline_at
    assert _answers(db, attempt) == set(quiz.ids("right"))


def test_a_late_attempt_without_saved_answers_scores_nothing(
    db: Session, quiz: Quiz, place: Enrolment
) -> None:
    attempt = start_attempt(db, quiz.assessment, place, utcnow())
    assert attempt.deadline_at is not None
    save_answers(db, attempt, quiz.ids("right", "a", "b"), attempt.deadline_at + timedelta(hours=1))
    assert attempt.points == 0 and attempt.submitted_at == attempt.deadline_at


def test_an_attempt_whose_time_ran_out_is_finished_when_the_quiz_is_next_opened(
    db: Session, quiz: Quiz, place: Enrolment
) -> None:
    start = utcnow()
    attempt = start_attempt(db, quiz.assessment, place, start)
    save_answers(db, attempt, quiz.ids("a", "b"), start + timedelta(minutes=1))
    assert finish_expired(db, quiz.assessment, place, start + timedelta(minutes=15)) == 0  # grace
    assert finish_expired(db, quiz.assessment, place, start + timedelta(minutes=16)) == 1
    assert attempt.points == 15 and attempt.submitted_at == attempt.deadline_at
    grade = grade_of(db, quiz.id, place.id)
    assert grade is not None and grade.points == 15
    assert finish_expired(db, quiz.assessment, place, start + timedelta(minutes=17)) == 0
    # Starting again finishes nothing twice and gives attempt 2.
    assert start_attempt(db, quiz.assessment, place, start + timedelta(minutes=20)).number == 2


# Submitting once


def test_a_second_submission_is_refused_and_scores_nothing(db: Session, quiz: Quiz, place: Enrolment) -> None:
    attempt = start_attempt(db, quiz.assessment, place, utcnow())
    submit_attempt(db, attempt, quiz.ids("right"), utcnow())
    with pytest.raises(AttemptFinished):
        submit_attempt(db, attempt, quiz.ids("right", "a", "b"), utcnow())
    with pytest.raises(AttemptFinished):
        save_answers(db, attempt, quiz.ids("right", "a", "b"), utcnow())
    assert attempt.points == 5 and _answers(db, attempt) == set(quiz.ids("right"))
    assert len(_changes(db)) == 1


def test_a_tab_holding_a_stale_attempt_cannot_submit_it_again(
    db: Session, quiz: Quiz, place: Enrolment
) -> None:
    attempt = start_attempt(db, quiz.assessment, place, utcnow())
    db.flush()
    # The other tab finished the attempt after this one loaded it: this copy still says "open".
    db.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id)
        .values(submitted_at=utcnow(), points=5)
        .execution_options(synchronize_session=False)
    )
    assert attempt.submitted_at is None
    with pytest.raises(AttemptFinished):
        submit_attempt(db, attempt, quiz.ids("right", "a", "b"), utcnow())
    db.expire(attempt, ["submitted_at"])
    db.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id)
        .values(submitted_at=None)
        .execution_options(synchronize_session=False)
    )
    assert attempt.submitted_at is None  # this tab loaded it open again
    db.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id)
        .values(submitted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(AttemptFinished):
        save_answers(db, attempt, quiz.ids("right"), utcnow())
    db.refresh(attempt)
    assert attempt.points == 5 and _answers(db, attempt) == set() and _changes(db) == []
