"""What a cohort changes of an assessment: its due date, and the release of its grades to students.

Both live in the cohort's ``CohortAssessment`` row, created on the first change and versioned: a due
date moved from a page drawn before someone else moved it is refused (409); moved earlier, it
shortens the quiz attempts still open in the cohort to the new date, in the same transaction.
Releasing makes the assessment's grades visible to the cohort's students and tells each student who
has a grade (or is excused) in it and was never told of the assessment that its grades are released.
A grade given or changed after the release tells its student too (:func:`tell_of_grade`), once per
change: the key of that message names the version the change gave the grade. Releasing again after
hiding the grades repeats no news: it tells only a student whose points or "excused" a person changed
while they were hidden (the grade history against the student's latest news of the assessment), as
``tell_of_grade`` would have, with the same version-named key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
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
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    CohortAssessment,
    Grade,
    GradeChange,
    GradeSource,
    QuizAttempt,
)
from academy.notifications.models import Notification, NotificationKind
from academy.notifications.services import notify, notify_all

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


def _flush(session: Session, conflict: type[Conflict], news: Sequence[News] = ()) -> None:
    """Write the pending changes, then ``news`` (one INSERT), in a savepoint: a row someone else
    wrote since our read (a newer version, or a message key already taken) raises ``conflict``."""
    try:
        with session.begin_nested():
            session.flush()
            notify_all(session, [item.row() for item in news])
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


GRADE_NEWS = (NotificationKind.GRADES_RELEASED, NotificationKind.GRADE_GIVEN, NotificationKind.GRADE_UPDATED)
Value = tuple[float | None, bool]  # a grade's points and "excused"
NOT_GRADED: Value = (None, False)


@dataclass(frozen=True)
class News:
    """One message a release sends: to whom, what, about which cohort's assessment, and the key that
    makes it go out once."""

    student_id: int
    kind: NotificationKind
    cohort_id: int
    assessment_id: int
    dedupe_key: str

    def row(self) -> dict[str, object]:
        return {
            "user_id": self.student_id,
            "kind": self.kind,
            "cohort_id": self.cohort_id,
            "assessment_id": self.assessment_id,
            "dedupe_key": self.dedupe_key,
        }


@dataclass(frozen=True)
class _Standing:
    """A roster student's grade row in the assessment, as it stands."""

    enrolment_id: int
    student_id: int
    version: int
    value: Value

    @property
    def graded(self) -> bool:
        return self.value != NOT_GRADED


def _standings(session: Session, cohort: Cohort, assessment: Assessment) -> list[_Standing]:
    """The roster's students with a grade row in ``assessment``, graded or not (one query)."""
    rows = session.execute(
        select(Enrolment.id, Enrolment.student_id, Grade.version, Grade.points, Grade.excused)
        .join(Grade, Grade.enrolment_id == Enrolment.id)
        .where(
            Enrolment.cohort_id == cohort.id,
            Enrolment.status.in_(ROSTER_STATUSES),
            Grade.assessment_id == assessment.id,
        )
        .order_by(Enrolment.student_id)
    )
    return [_Standing(e, s, v, (None if p is None else float(p), bool(x))) for e, s, v, p, x in rows]


def _notices(
    session: Session, cohort: Cohort, assessment: Assessment
) -> tuple[set[str], dict[int, datetime]]:
    """The keys of the grade news already written for the cohort's assessment, and when each student
    was last told of it (one query)."""
    keys: set[str] = set()
    last: dict[int, datetime] = {}
    for user_id, key, created_at in session.execute(
        select(Notification.user_id, Notification.dedupe_key, Notification.created_at).where(
            Notification.kind.in_(GRADE_NEWS),
            Notification.cohort_id == cohort.id,
            Notification.assessment_id == assessment.id,
        )
    ):
        if key:
            keys.add(key)
        if user_id not in last or created_at > last[user_id]:
            last[user_id] = created_at
    return keys, last


def _history(session: Session, cohort: Cohort, assessment: Assessment) -> dict[int, list[GradeChange]]:
    """The cohort's changes of points or "excused" in ``assessment``, oldest first, by enrolment
    (one query; feedback or levels alone tell nobody, so they are left out)."""
    changes: dict[int, list[GradeChange]] = {}
    for change in session.scalars(
        select(GradeChange)
        .where(
            GradeChange.assessment_id == assessment.id,
            GradeChange.enrolment_id.in_(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)),
        )
        .order_by(GradeChange.at, GradeChange.id)
    ):
        if change.grade_changed:
            changes.setdefault(change.enrolment_id, []).append(change)
    return changes


def _news_since(
    standing: _Standing, cohort: Cohort, assessment: Assessment, told_at: datetime, changes: list[GradeChange]
) -> News | None:
    """What a student told of the assessment at ``told_at`` must hear now, if anything: their grade
    differs from the one they know, and a person (not a quiz scoring itself, which tells nobody when
    released either) changed it since. They know the grade they were told of, or the score a quiz
    gave them after it: the student took that quiz."""
    known_changes = [c for c in changes if c.at <= told_at or c.source is GradeSource.QUIZ]
    last = known_changes[-1] if known_changes else None
    known: Value = (last.new_points, last.new_excused) if last else NOT_GRADED
    by_a_person = any(c.at > told_at and c.source is not GradeSource.QUIZ for c in changes)
    if not by_a_person or standing.value == known:
        return None
    given = known == NOT_GRADED
    return News(
        standing.student_id,
        NotificationKind.GRADE_GIVEN if given else NotificationKind.GRADE_UPDATED,
        cohort.id,
        assessment.id,
        grade_news_key(standing.enrolment_id, assessment.id, standing.version),
    )


def release_news(session: Session, cohort: Cohort, assessment: Assessment) -> list[News]:
    """What releasing the cohort's grades of ``assessment`` tells whom, in a fixed number of queries.

    A roster student never told of the assessment hears that its grades are released, if they have a
    grade or an excuse. A student already told (of the release, or of a grade given or changed) hears
    only of a change of their grade since, with the kind and the version-named key
    :func:`tell_of_grade` would have used: a key already written is never written again.
    """
    keys, told_at = _notices(session, cohort, assessment)
    history = _history(session, cohort, assessment)
    news: list[News] = []
    for standing in _standings(session, cohort, assessment):
        if standing.student_id not in told_at:
            if standing.graded:
                key = released_key(cohort.id, assessment.id, standing.student_id)
                kind = NotificationKind.GRADES_RELEASED
                news.append(News(standing.student_id, kind, cohort.id, assessment.id, key))
            continue
        told = told_at[standing.student_id]
        item = _news_since(standing, cohort, assessment, told, history.get(standing.enrolment_id, []))
        if item is not None and item.dedupe_key not in keys:
            news.append(item)
    return news


def release_grades(
    session: Session, cohort: Cohort, assessment: Assessment, actor: User, now: datetime | None = None
) -> int:
    """Show the cohort's grades of ``assessment`` to its students and tell them (:func:`release_news`).

    Returns how many students were told. Releasing what is already released changes nothing.
    """
    check_column(cohort, assessment)
    hold_assessment(session, assessment.id, "release")  # a grade being saved now is waited for
    row = cohort_change(session, cohort, assessment)
    if row is not None and row.released_at is not None:
        return 0
    # Read before changing anything: a query's autoflush must not write the row outside _flush.
    news = release_news(session, cohort, assessment)
    actor_id = actor.id  # an expired actor's load must not flush the new row early either
    row = row or _new_row(session, cohort, assessment)
    row.released_at = now or utcnow()
    row.released_by_id = actor_id
    _flush(session, ReleaseChanged, news)
    log.info(
        "grades of assessment %s released in cohort %s by %s; %d students told",
        assessment.id,
        cohort.id,
        actor_id,
        len(news),
    )
    return len(news)


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
