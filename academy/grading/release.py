"""What a cohort changes of an assessment: its due date, and the release of its grades to students.

Both live in the cohort's ``CohortAssessment`` row, created on the first change and versioned: a due
date moved from a page drawn before someone else moved it is refused (409); moved earlier, it
shortens the quiz attempts still open in the cohort to the new date, in the same transaction.
Releasing makes the assessment's grades visible to the cohort's students and tells each student who
has a grade (or is excused) in it, once: releasing again, even after taking the release back, never
repeats the news. A grade given or changed after the release tells its student too
(:func:`tell_of_grade`), once per change: the key of that message names the version the change gave
the grade.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from academy.auth.models import User
from academy.cohorts.attendance import ROSTER_STATUSES
from academy.cohorts.models import Cohort, Enrolment
from academy.cohorts.timetable import to_local
from academy.db import utcnow
from academy.errors import Conflict, DomainError, NotFound
from academy.grading.book import default_due_at
from academy.grading.locks import hold_assessment
from academy.grading.models import Assessment, AssessmentKind, CohortAssessment, Grade, QuizAttempt
from academy.notifications.models import Notification, NotificationKind
from academy.notifications.services import notify

log = logging.getLogger(__name__)


class DueDateChanged(Conflict):
    message = _l("Someone else changed this due date while you were editing it. Your date was not saved.")


class ReleaseChanged(Conflict):
    message = _l("Someone else released or hid these grades at the same moment. Reload and try again.")


class DueOutsideCohort(DomainError):
    field = "day"
    message = _l("Choose a due date between the first and the last day of the cohort.")


def check_column(cohort: Cohort, assessment: Assessment) -> None:
    """An assessment of another course is not found, as if it did not exist."""
    if assessment.course_id != cohort.course_id:
        raise NotFound()


def cohort_change(session: Session, cohort: Cohort, assessment: Assessment) -> CohortAssessment | None:
    return session.get(CohortAssessment, (cohort.id, assessment.id))


def _new_row(session: Session, cohort: Cohort, assessment: Assessment) -> CohortAssessment:
    """The cohort's first change of ``assessment``. Never read again here: a row someone else has
    inserted since our read must make our insert fail (a conflict), not be written over."""
    row = CohortAssessment(cohort_id=cohort.id, assessment_id=assessment.id)
    session.add(row)
    return row


def _flush(session: Session, conflict: type[Conflict]) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except (StaleDataError, IntegrityError) as error:
        # Written by someone else between our read and our write.
        raise conflict() from error


def move_due_date(
    session: Session,
    cohort: Cohort,
    assessment: Assessment,
    due_at: datetime | None,
    expected_version: int,
) -> CohortAssessment:
    """Set the cohort's due date of ``assessment`` (None: back to the course's default day).

    ``expected_version`` is the version of the cohort's row the form showed (0: none yet); another
    one raises :class:`DueDateChanged`. The date must fall within the cohort's days (Tashkent time).
    """
    check_column(cohort, assessment)
    if due_at is not None and not cohort.starts_on <= to_local(due_at).date() <= cohort.ends_on:
        raise DueOutsideCohort()
    if assessment.kind is AssessmentKind.QUIZ:
        hold_assessment(session, assessment.id, "due date")  # an attempt starting now waits, then sees it
    row = cohort_change(session, cohort, assessment)
    if (row.version if row else 0) != expected_version:
        raise DueDateChanged()
    row = row or _new_row(session, cohort, assessment)
    row.due_at = due_at
    _flush(session, DueDateChanged)
    if assessment.kind is AssessmentKind.QUIZ:
        _shorten_open_attempts(session, cohort, assessment, due_at or default_due_at(assessment, cohort))
    log.info("due date of assessment %s in cohort %s set to %s", assessment.id, cohort.id, due_at)
    return row


def _shorten_open_attempts(
    session: Session, cohort: Cohort, assessment: Assessment, due_at: datetime
) -> None:
    """End the cohort's unfinished attempts at the quiz by ``due_at`` at the latest (never later than
    their own deadline): an attempt never outlasts the due date, even one moved earlier."""
    shortened = session.execute(
        update(QuizAttempt)
        .where(
            QuizAttempt.assessment_id == assessment.id,
            QuizAttempt.enrolment_id.in_(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)),
            QuizAttempt.submitted_at.is_(None),
            or_(QuizAttempt.deadline_at.is_(None), QuizAttempt.deadline_at > due_at),
        )
        .values(deadline_at=due_at)
        .execution_options(synchronize_session="fetch")
    )
    if shortened.rowcount:  # type: ignore[attr-defined]
        log.info(
            "%d open attempts at quiz %s in cohort %s now end at %s",
            shortened.rowcount,  # type: ignore[attr-defined]
            assessment.id,
            cohort.id,
            due_at,
        )


def released_key(cohort_id: int, assessment_id: int, user_id: int) -> str:
    return f"released:{cohort_id}:{assessment_id}:{user_id}"


def grade_news_key(enrolment_id: int, assessment_id: int, version: int) -> str:
    return f"grade:{enrolment_id}:{assessment_id}:{version}"


def tell_of_grade(
    session: Session, enrolment: Enrolment, assessment: Assessment, version: int, given: bool
) -> Notification:
    """Tell a student that their grade of a released assessment was given (``given``) or changed.

    ``version`` is the version the change gives the grade, so a retried save can never send the same
    news twice: its key is already taken (the unique key refuses the second row).
    """
    return notify(
        session,
        enrolment.student_id,
        NotificationKind.GRADE_GIVEN if given else NotificationKind.GRADE_UPDATED,
        cohort_id=enrolment.cohort_id,
        assessment_id=assessment.id,
        dedupe_key=grade_news_key(enrolment.id, assessment.id, version),
    )


def _graded_students(session: Session, cohort: Cohort, assessment: Assessment) -> list[int]:
    """The roster's students with a grade or an excuse in ``assessment`` (one query)."""
    return list(
        session.scalars(
            select(Enrolment.student_id)
            .join(Grade, Grade.enrolment_id == Enrolment.id)
            .where(
                Enrolment.cohort_id == cohort.id,
                Enrolment.status.in_(ROSTER_STATUSES),
                Grade.assessment_id == assessment.id,
                or_(Grade.points.is_not(None), Grade.excused.is_(True)),
            )
            .order_by(Enrolment.student_id)
        )
    )


def _already_told(session: Session, cohort: Cohort, assessment: Assessment) -> set[str]:
    keys = session.scalars(
        select(Notification.dedupe_key).where(
            Notification.kind == NotificationKind.GRADES_RELEASED,
            Notification.cohort_id == cohort.id,
            Notification.assessment_id == assessment.id,
        )
    )
    return {key for key in keys if key}


def release_grades(
    session: Session, cohort: Cohort, assessment: Assessment, actor: User, now: datetime | None = None
) -> int:
    """Show the cohort's grades of ``assessment`` to its students and tell those with one.

    Returns how many students were told. Releasing what is already released changes nothing.
    """
    check_column(cohort, assessment)
    hold_assessment(session, assessment.id, "release")  # a grade being saved now is waited for
    row = cohort_change(session, cohort, assessment)
    if row is not None and row.released_at is not None:
        return 0
    # Read before changing anything: a query's autoflush must not write the row outside _flush.
    told = _already_told(session, cohort, assessment)
    recipients = [
        student_id
        for student_id in _graded_students(session, cohort, assessment)
        if released_key(cohort.id, assessment.id, student_id) not in told
    ]
    row = row or _new_row(session, cohort, assessment)
    row.released_at = now or utcnow()
    row.released_by_id = actor.id
    for student_id in recipients:
        notify(
            session,
            student_id,
            NotificationKind.GRADES_RELEASED,
            cohort_id=cohort.id,
            assessment_id=assessment.id,
            dedupe_key=released_key(cohort.id, assessment.id, student_id),
        )
    _flush(session, ReleaseChanged)
    log.info(
        "grades of assessment %s released in cohort %s by %s; %d students told",
        assessment.id,
        cohort.id,
        actor.id,
        len(recipients),
    )
    return len(recipients)


def unrelease_grades(session: Session, cohort: Cohort, assessment: Assessment, actor: User) -> bool:
    """Hide the cohort's grades of ``assessment`` from its students again; whether they were shown."""
    check_column(cohort, assessment)
    row = cohort_change(session, cohort, assessment)
    if row is None or row.released_at is None:
        return False
    row.released_at = None
    row.released_by_id = None
    _flush(session, ReleaseChanged)
    log.info("grades of assessment %s hidden again in cohort %s by %s", assessment.id, cohort.id, actor.id)
    return True
