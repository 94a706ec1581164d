"""Students hand in their work for an assignment: text, a link or a file, as the assignment asks.

The rules, as a real academy runs them (the README states them for students):

- Only assignments take hand-ins (quizzes are taken, exams sat), only in the form the assignment
  asks for, and only from a student enrolled in a cohort of the assignment's course (not one who
  has completed, failed or withdrawn).
- Until the due date of the student's cohort (plus the course's grace period) the student may hand
  in again as often as they like; the latest hand-in replaces the one before (``times_submitted``
  counts them, ``submitted_at`` is the latest).
- After it, work not handed in yet is still accepted and marked late (the late policy then takes
  its penalty per day); work already handed in stands and can no longer be replaced, so that what
  the instructor grades is what arrived by the deadline.
- Once the instructor has released the assignment's grades, nothing more is handed in.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.errors import Conflict, DomainError, NotFound
from academy.grading import book
from academy.grading.files import StagedFile
from academy.grading.locks import hold_assessment
from academy.grading.models import Assessment, AssessmentKind, CohortAssessment, Submission, SubmissionType
from academy.grading.results import days_late

log = logging.getLogger(__name__)

MAX_TEXT = 20_000  # characters
MAX_LINK = 500  # the column's size
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True)
class HandIn:
    """What a student hands in; only the part the assignment asks for is read."""

    text: str = ""
    link: str = ""
    file: StagedFile | None = None


@dataclass(frozen=True)
class Receipt:
    """What a hand-in did: the submission, how many days late it is (0: on time, or within the
    grace period), and the key of a file it replaced, to be deleted once the hand-in is committed."""

    submission: Submission
    days_late: int
    replaced_file_key: str | None


class NotEnrolled(DomainError):
    status = 403
    message = _l("Only students enrolled in the cohort can hand in work.")


class GradesReleased(DomainError):
    message = _l("The grades of this assignment are released: nothing more can be handed in.")


class ResubmissionClosed(DomainError):
    message = _l("The due date has passed: the work you handed in stands and can no longer be replaced.")


class NothingHandedIn(DomainError):
    _MESSAGES = {
        SubmissionType.TEXT: _l("Write your answer before handing it in."),
        SubmissionType.LINK: _l("Give the link to your work."),
        SubmissionType.FILE: _l("Choose the file to hand in."),
    }

    def __init__(self, kind: SubmissionType) -> None:
        super().__init__(self._MESSAGES[kind])
        self.field = kind.value


class TextTooLong(DomainError):
    field = "text"
    message = _l("Your answer can be at most 20,000 characters. Hand in a file or a link for longer work.")


class BadLink(DomainError):
    field = "link"
    message = _l("Give a full web address starting with https:// (or http://).")


class HandedInMeanwhile(Conflict):
    message = _l("Your work was handed in from another window at the same moment. Reload the page to see it.")


def column_of(session: Session, cohort: Cohort, assessment: Assessment) -> book.Column:
    """The assessment as ``cohort`` has it: its due date there and whether its grades are released."""
    change = session.get(CohortAssessment, (cohort.id, assessment.id))
    moved = change is not None and change.due_at is not None
    return book.Column(
        assessment=assessment,
        due_at=change.due_at if change and change.due_at else book.default_due_at(assessment, cohort),
        due_moved=moved,
        released_at=change.released_at if change else None,
        change_version=change.version if change else 0,
    )


def submission_of(session: Session, assessment_id: int, enrolment_id: int) -> Submission | None:
    return session.scalar(
        select(Submission).where(
            Submission.assessment_id == assessment_id, Submission.enrolment_id == enrolment_id
        )
    )


def closed_because(
    column: book.Column,
    enrolment: Enrolment,
    submission: Submission | None,
    now: datetime,
    grace: timedelta,
) -> DomainError | None:
    """Why the student cannot hand in (again) now, or None when they can."""
    if enrolment.status is not EnrolmentStatus.ENROLLED:
        return NotEnrolled()
    if column.released:
        return GradesReleased()
    if submission is not None and now > column.due_at + grace:
        return ResubmissionClosed()
    return None


def _checked_link(link: str) -> str:
    link = link.strip()
    if not link:
        raise NothingHandedIn(SubmissionType.LINK)
    try:
        parts = urlsplit(link)
        hostname = parts.hostname
    except ValueError:  # "http://[abc": not a web address at all
        raise BadLink() from None
    if (
        len(link) > MAX_LINK
        or _CONTROL.search(link)
        or parts.scheme.lower() not in ("http", "https")
        or not hostname
        or "." not in hostname
    ):
        raise BadLink()
    return link


def _checked_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise NothingHandedIn(SubmissionType.TEXT)
    if len(text) > MAX_TEXT:
        raise TextTooLong()
    return text


def submit_work(
    session: Session, assessment: Assessment, enrolment: Enrolment, hand_in: HandIn, now: datetime
) -> Receipt:
    """Hand in (or again) ``enrolment``'s work for ``assessment``; see the module's rules.

    An assessment of another course, or one that takes no hand-in, is a :class:`NotFound`. A file
    must already be checked and staged (:func:`academy.grading.files.receive`); the caller commits
    with :func:`academy.grading.files.commit`, which deletes the replaced file afterwards.
    """
    kind = assessment.submission_type
    if (
        assessment.course_id != enrolment.cohort.course_id
        or assessment.kind is not AssessmentKind.ASSIGNMENT
        or kind is None
    ):
        raise NotFound()
    hold_assessment(session, assessment.id, "work")  # not deleted under the hand-in
    column = column_of(session, enrolment.cohort, assessment)
    grace = book.policy_of(enrolment.cohort.course).grace
    submission = session.scalar(
        select(Submission)
        .where(Submission.assessment_id == assessment.id, Submission.enrolment_id == enrolment.id)
        .with_for_update()
    )
    reason = closed_because(column, enrolment, submission, now, grace)
    if reason is not None:
        raise reason

    text = _checked_text(hand_in.text) if kind is SubmissionType.TEXT else ""
    link = _checked_link(hand_in.link) if kind is SubmissionType.LINK else ""
    staged = hand_in.file if kind is SubmissionType.FILE else None
    if kind is SubmissionType.FILE and staged is None:
        raise NothingHandedIn(kind)

    replaced = submission.file_key if submission is not None else None
    try:
        # A new row added inside the savepoint leaves the session with it when the savepoint fails.
        with session.begin_nested():
            if submission is None:
                submission = Submission(
                    assessment_id=assessment.id, enrolment_id=enrolment.id, times_submitted=1
                )
                session.add(submission)
            else:
                submission.times_submitted = Submission.times_submitted + 1
            submission.text, submission.link, submission.submitted_at = text, link, now
            submission.file_key = staged.key if staged else None
            submission.file_name = staged.file_name if staged else ""
            submission.file_type = staged.mime if staged else ""
            submission.file_size = staged.size if staged else None
            session.flush()
    except IntegrityError as error:
        raise HandedInMeanwhile() from error
    late = days_late(now, column.due_at, grace)
    log.info(
        "enrolment %s handed in assessment %s (%s, %d days late)",
        enrolment.id,
        assessment.id,
        kind.value,
        late,
    )
    return Receipt(submission, late, replaced)
