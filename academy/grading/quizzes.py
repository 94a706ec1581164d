"""Students take auto-graded quizzes: attempts, their shuffled order, scoring and the grade they give.

The rules, in one place:

- A quiz of the enrolment's course, taken by an enrolled student, while it is open: it closes at the
  cohort's due date. ``max_attempts`` attempts at most (None: unlimited). An unfinished attempt is
  resumed instead of starting another.
- An attempt ends at its ``deadline_at``: the start plus the time limit, never after the due date
  (the due date itself when there is no limit). Moving the cohort's due date earlier shortens the
  open attempts to it (``academy.grading.release.move_due_date``); moving it later never lengthens
  them. Answers posted up to :data:`GRACE` after it count (network latency); posted later they are
  refused, and the attempt is scored with the answers saved before the deadline ("Save answers"),
  or with none. An attempt left open past its deadline is finished the same way the next time the
  student opens the quiz, so that it counts.
- A finished attempt's ``submitted_at`` is never after its deadline, so a quiz is never "late".
- Scoring: a single-choice question earns its points when its correct option is chosen; a multiple-
  choice question only when exactly its set of correct options is chosen (no partial credit). An
  attempt's ``points`` are on the assessment's scale: the share of question points earned times the
  assessment's maximum points, to two decimals.
- The grade is the best finished attempt, written by :func:`academy.grading.services.save_grade`
  (source "quiz"), so it has a version and a history. Once a person changed the grade's points or
  "excused" (by hand or by import), attempts no longer change it: the instructor's word stands.
  Feedback (or nothing) changed by hand leaves the quiz in charge of the points.
- Posted option ids are never trusted: one not of this quiz, or two for a single-choice question,
  is refused and nothing is written. Two tabs submitting one attempt score it once (a conditional
  UPDATE); two tabs starting an attempt get the same one (the unique attempt number).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.errors import Conflict, DomainError, NotFound
from academy.grading import book
from academy.grading.locks import hold_assessment
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    GradeChange,
    GradeSource,
    QuizAnswer,
    QuizAttempt,
    QuizOption,
    QuizQuestion,
)
from academy.grading.services import GradeValue, StaleGrade, grade_of, save_grade

log = logging.getLogger(__name__)
GRACE = timedelta(seconds=30)  # answers posted this long after the deadline still count
SEED_BITS = 31  # the seed column is a 32-bit signed integer in PostgreSQL


class NotEnrolled(DomainError):
    status = 403
    message = _l("Only students enrolled in the cohort can take its quizzes.")


class QuizClosed(DomainError):
    status = 409
    message = _l("This quiz is closed: its due date has passed.")


class QuizReleased(QuizClosed):
    message = _l("This quiz is closed: its results have been released.")


class NoAttemptsLeft(DomainError):
    status = 409
    message = _l("You have used all the attempts of this quiz.")


class QuizEmpty(DomainError):
    status = 409
    message = _l("This quiz has no questions yet.")


class ForeignOption(DomainError):
    message = _l("An answer does not belong to this quiz. Reload the page and try again.")


class TooManyChoices(DomainError):
    message = _l("Choose one answer for each single-choice question.")


class AttemptFinished(Conflict):
    message = _l("This attempt is already finished.")


@dataclass(frozen=True)
class ShownQuestion:
    """A question as one attempt shows it: its options in the attempt's order."""

    question: QuizQuestion
    options: list[QuizOption]


def is_quiz_of(assessment: Assessment, enrolment: Enrolment) -> bool:
    return assessment.kind is AssessmentKind.QUIZ and assessment.course_id == enrolment.cohort.course_id


def column_of(session: Session, assessment: Assessment, cohort: Cohort) -> book.Column:
    """The assessment as the cohort has it (its due date and release); 404 for another course's."""
    found = next((c for c in book.columns(session, cohort) if c.id == assessment.id), None)
    if found is None:
        raise NotFound()
    return found


def questions_of(session: Session, assessment_id: int) -> list[QuizQuestion]:
    """The quiz's questions with their options, in the author's order (two queries)."""
    return list(
        session.scalars(
            select(QuizQuestion)
            .options(selectinload(QuizQuestion.options))
            .where(QuizQuestion.assessment_id == assessment_id)
            .order_by(QuizQuestion.position, QuizQuestion.id)
        )
    )


def _key(seed: int, kind: str, item_id: int) -> bytes:
    # Each item's place depends only on the seed and its own id: the same order on every reload and
    # in every process, and an item added later does not reshuffle the others.
    return hashlib.sha256(f"{seed}:{kind}:{item_id}".encode()).digest()


def shown_order(questions: Iterable[QuizQuestion], seed: int, shuffle: bool) -> list[ShownQuestion]:
    """The questions and their options in the order the attempt with ``seed`` shows them."""
    questions = list(questions)
    if not shuffle:
        return [ShownQuestion(q, list(q.options)) for q in questions]
    return [
        ShownQuestion(q, sorted(q.options, key=lambda o: _key(seed, "o", o.id)))
        for q in sorted(questions, key=lambda q: _key(seed, "q", q.id))
    ]


def attempts_of(session: Session, assessment_id: int, enrolment_id: int) -> list[QuizAttempt]:
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.assessment_id == assessment_id, QuizAttempt.enrolment_id == enrolment_id)
            .order_by(QuizAttempt.number)
        )
    )


def expired(attempt: QuizAttempt, now: datetime) -> bool:
    """Whether answers posted now come too late for the attempt."""
    return attempt.deadline_at is not None and now > attempt.deadline_at + GRACE


def score(questions: Iterable[QuizQuestion], chosen: Collection[int], max_points: float) -> float:
    """The points of ``chosen`` option ids on the assessment's scale (exact set of correct options)."""
    chosen = set(chosen)
    earned = total = 0.0
    for question in questions:
        total += float(question.points)
        correct = {o.id for o in question.options if o.correct}
        if {o.id for o in question.options if o.id in chosen} == correct:
            earned += float(question.points)
    if total == 0:
        return 0.0
    return round(earned / total * float(max_points), 2)


def checked_choices(questions: Iterable[QuizQuestion], option_ids: Collection[int]) -> set[int]:
    """``option_ids`` if they are options of these questions, at most one per single-choice question."""
    chosen = set(option_ids)
    known: set[int] = set()
    for question in questions:
        ids = {o.id for o in question.options}
        known |= ids
        if not question.multiple and len(ids & chosen) > 1:
            raise TooManyChoices()
    if not chosen <= known:
        raise ForeignOption()
    return chosen


def _saved_choices(session: Session, attempt_id: int) -> set[int]:
    return set(session.scalars(select(QuizAnswer.option_id).where(QuizAnswer.attempt_id == attempt_id)))


def _replace_answers(session: Session, attempt: QuizAttempt, chosen: Collection[int]) -> None:
    session.execute(delete(QuizAnswer).where(QuizAnswer.attempt_id == attempt.id))
    session.add_all(QuizAnswer(attempt_id=attempt.id, option_id=option_id) for option_id in sorted(chosen))
    session.flush()
    session.expire(attempt, ["answers"])


def _finish(session: Session, attempt: QuizAttempt, points: float, at: datetime) -> None:
    """Mark the attempt finished with ``points``, unless someone else finished it first."""
    if attempt.deadline_at is not None:
        at = min(at, attempt.deadline_at)
    done = session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=at, points=points)
        .execution_options(synchronize_session=False)
    )
    session.expire(attempt, ["submitted_at", "points"])
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise AttemptFinished()


def record_best(session: Session, assessment: Assessment, enrolment: Enrolment, now: datetime) -> None:
    """Put the best finished attempt into the gradebook, unless a person has changed the grade."""
    best = session.scalar(
        select(func.max(QuizAttempt.points)).where(
            QuizAttempt.assessment_id == assessment.id,
            QuizAttempt.enrolment_id == enrolment.id,
            QuizAttempt.submitted_at.is_not(None),
        )
    )
    if best is None or enrolment.status not in ROSTER_STATUSES:
        return
    for retry in (False, True):
        # The grade is read before its history: a person's save landing after either read changes
        # the version, so the save below is refused (and decided again) instead of going over it.
        grade = grade_of(session, assessment.id, enrolment.id)
        # Only a change of the points or of "excused" counts: feedback added by hand keeps the quiz on.
        last_source = session.scalar(
            select(GradeChange.source)
            .where(
                GradeChange.assessment_id == assessment.id,
                GradeChange.enrolment_id == enrolment.id,
                or_(
                    GradeChange.old_excused != GradeChange.new_excused,
                    GradeChange.old_points.is_distinct_from(GradeChange.new_points),
                ),
            )
            .order_by(GradeChange.id.desc())
            .limit(1)
        )
        if last_source not in (None, GradeSource.QUIZ):
            log.info(
                "quiz %s for enrolment %s: grade kept, set by %s", assessment.id, enrolment.id, last_source
            )
            return
        value = GradeValue(points=float(best), feedback=grade.feedback if grade else "")  # feedback is kept
        version = grade.version if grade else 0
        try:
            save_grade(session, assessment, enrolment, value, version, None, source=GradeSource.QUIZ, now=now)
            return
        except StaleGrade:
            if retry:
                raise
            # Someone saved the grade between our read and our write: read it again and decide again,
            # rather than lose the student's submission over it.
            if grade is not None and grade in session:
                session.expire(grade)


def finish_expired(session: Session, assessment: Assessment, enrolment: Enrolment, now: datetime) -> int:
    """Finish the attempts whose deadline (and grace) passed, with their saved answers; how many."""
    stale = [
        a
        for a in attempts_of(session, assessment.id, enrolment.id)
        if a.submitted_at is None and expired(a, now)
    ]
    if not stale:
        return 0
    questions = questions_of(session, assessment.id)
    finished = 0
    for attempt in stale:
        points = score(questions, _saved_choices(session, attempt.id), float(assessment.max_points))
        try:
            _finish(session, attempt, points, now)
        except AttemptFinished:
            continue  # finished meanwhile by its own submission
        finished += 1
        log.info("quiz attempt %s finished at its deadline with %s points", attempt.id, points)
    if finished:
        record_best(session, assessment, enrolment, now)
    return finished


def finish_all_expired(session: Session, now: datetime) -> int:
    """Finish every attempt, of any student, whose deadline (and grace) passed: an attempt its student
    left open counts in the gradebook without them coming back. Returns how many were finished."""
    pairs = session.execute(
        select(QuizAttempt.assessment_id, QuizAttempt.enrolment_id)
        .where(QuizAttempt.submitted_at.is_(None), QuizAttempt.deadline_at < now - GRACE)
        .distinct()
    ).all()
    finished = 0
    for assessment_id, enrolment_id in pairs:
        assessment = session.get(Assessment, assessment_id)
        enrolment = session.get(Enrolment, enrolment_id)
        if assessment is not None and enrolment is not None:
            finished += finish_expired(session, assessment, enrolment, now)
    return finished


def start_attempt(
    session: Session, assessment: Assessment, enrolment: Enrolment, now: datetime
) -> QuizAttempt:
    """The student's open attempt at the quiz, or a new one; refused when closed or used up."""
    if not is_quiz_of(assessment, enrolment):
        raise NotFound()
    if enrolment.status is not EnrolmentStatus.ENROLLED:
        raise NotEnrolled()
    hold_assessment(session, assessment.id, "work")  # not deleted, nor its due date moved, meanwhile
    finish_expired(session, assessment, enrolment, now)
    attempts = attempts_of(session, assessment.id, enrolment.id)
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    if open_attempt is not None:
        return open_attempt
    column = column_of(session, assessment, enrolment.cohort)
    due_at = column.due_at
    if now >= due_at:
        raise QuizClosed()
    if column.released:  # scores are shown once released: more attempts would only hunt for answers
        raise QuizReleased()
    if assessment.max_attempts is not None and len(attempts) >= assessment.max_attempts:
        raise NoAttemptsLeft()
    if not questions_of(session, assessment.id):
        raise QuizEmpty()
    deadline = due_at
    if assessment.time_limit_minutes:
        deadline = min(now + timedelta(minutes=assessment.time_limit_minutes), due_at)
    number = max((a.number for a in attempts), default=0) + 1
    attempt = QuizAttempt(
        assessment_id=assessment.id,
        enrolment_id=enrolment.id,
        number=number,
        seed=secrets.randbits(SEED_BITS),
        started_at=now,
        deadline_at=deadline,
    )
    try:
        with session.begin_nested():
            session.add(attempt)
            session.flush()
    except IntegrityError:
        # Another tab started this attempt a moment ago: that one is the student's attempt.
        existing = session.scalar(
            select(QuizAttempt).where(
                QuizAttempt.assessment_id == assessment.id,
                QuizAttempt.enrolment_id == enrolment.id,
                QuizAttempt.number == number,
            )
        )
        if existing is None or existing.submitted_at is not None:
            raise AttemptFinished() from None
        return existing
    log.info("quiz %s: attempt %s started for enrolment %s", assessment.id, number, enrolment.id)
    return attempt


def _answerable(
    session: Session, attempt: QuizAttempt, option_ids: Collection[int]
) -> tuple[list[QuizQuestion], set[int]]:
    """The quiz's questions and the checked choices, for an attempt that is still open."""
    if attempt.submitted_at is not None:
        raise AttemptFinished()
    questions = questions_of(session, attempt.assessment_id)
    return questions, checked_choices(questions, option_ids)


def save_answers(session: Session, attempt: QuizAttempt, option_ids: Collection[int], now: datetime) -> None:
    """Keep the answers chosen so far without finishing the attempt (too late: finish it instead)."""
    _questions, chosen = _answerable(session, attempt, option_ids)
    if expired(attempt, now):
        submit_attempt(session, attempt, chosen, now)
        return
    # A no-op UPDATE that holds the attempt's row: a submission from another tab either waits for
    # this save or has already finished the attempt, and then nothing is saved over its answers.
    held = session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(seed=QuizAttempt.seed)
        .execution_options(synchronize_session=False)
    )
    if held.rowcount != 1:  # type: ignore[attr-defined]
        session.expire(attempt, ["submitted_at", "points"])
        raise AttemptFinished()
    _replace_answers(session, attempt, chosen)


def submit_attempt(
    session: Session, attempt: QuizAttempt, option_ids: Collection[int], now: datetime
) -> QuizAttempt:
    """Finish the attempt with the chosen options and score it; the best attempt becomes the grade.

    Posted after the deadline and its grace, the chosen options are not counted: the attempt is
    scored with the answers saved before (:func:`expired` tells the caller which happened).
    """
    questions, chosen = _answerable(session, attempt, option_ids)
    assessment = attempt.assessment
    late = expired(attempt, now)
    if late:
        chosen = _saved_choices(session, attempt.id)
    points = score(questions, chosen, float(assessment.max_points))
    _finish(session, attempt, points, now)  # first: a second tab stops here
    if not late:
        _replace_answers(session, attempt, chosen)
    record_best(session, assessment, attempt.enrolment, now)
    log.info("quiz attempt %s submitted with %s points", attempt.id, points)
    return attempt
