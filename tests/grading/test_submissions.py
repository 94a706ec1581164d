"""Handing in work: who may, in which form, until when; resubmission; late marking; files replaced."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.db import utcnow
from academy.errors import NotFound
from academy.grading import files
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    CohortAssessment,
    Submission,
    SubmissionType,
)
from academy.grading.submissions import (
    BadLink,
    GradesReleased,
    HandedInMeanwhile,
    HandIn,
    NotEnrolled,
    NothingHandedIn,
    ResubmissionClosed,
    TextTooLong,
    column_of,
    submit_work,
)
from tests.conftest import Factory
from tests.grading import samples

pytestmark = pytest.mark.usefixtures("app_ctx")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture
def folder(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(app.config, "SUBMISSION_FOLDER", str(tmp_path))
    return tmp_path


def _due(db: Session, cohort: Cohort, task: Assessment) -> datetime:
    return column_of(db, cohort, task).due_at


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Submission)) or 0


def test_hand_in_then_resubmit_before_the_due_date_replaces_it(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    enrolment = make.enrolment(cohort)
    due = _due(db, cohort, task)
    first = submit_work(db, task, enrolment, HandIn(text="Line one\r\nline two"), due - 3 * DAY)
    assert (first.days_late, first.replaced_file_key, first.submission.times_submitted) == (0, None, 1)
    assert first.submission.text == "Line one\nline two"
    again = submit_work(db, task, enrolment, HandIn(text="Better answer"), due - HOUR)
    db.refresh(again.submission)
    assert again.submission.id == first.submission.id
    assert (again.submission.text, again.submission.times_submitted) == ("Better answer", 2)
    assert again.submission.submitted_at == due - HOUR
    assert _count(db) == 1


def test_a_first_hand_in_after_the_due_date_is_accepted_and_marked_late(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    enrolment = make.enrolment(cohort)
    due = _due(db, cohort, task)
    receipt = submit_work(db, task, enrolment, HandIn(text="Sorry"), due + 2 * DAY + HOUR)
    assert receipt.days_late == 3  # a started day counts
    assert receipt.submission.submitted_at == due + 2 * DAY + HOUR


def test_resubmission_after_the_due_date_is_refused_and_changes_nothing(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    enrolment = make.enrolment(cohort)
    due = _due(db, cohort, task)
    submit_work(db, task, enrolment, HandIn(text="On time"), due)  # exactly at the due date: on time
    with pytest.raises(ResubmissionClosed):
        submit_work(db, task, enrolment, HandIn(text="Changed my mind"), due + HOUR)
    submission = db.scalars(select(Submission)).one()
    assert (submission.text, submission.times_submitted, submission.submitted_at) == ("On time", 1, due)


def test_the_grace_period_keeps_resubmission_open_and_the_hand_in_on_time(db: Session, make: Factory) -> None:
    cohort = make.cohort(course=make.course(late_grace_hours=12))
    task = make.assessment(cohort.course)
    enrolment = make.enrolment(cohort)
    due = _due(db, cohort, task)
    assert submit_work(db, task, enrolment, HandIn(text="a"), due + HOUR).days_late == 0
    assert submit_work(db, task, enrolment, HandIn(text="b"), due + 11 * HOUR).days_late == 0
    with pytest.raises(ResubmissionClosed):
        submit_work(db, task, enrolment, HandIn(text="c"), due + 13 * HOUR)


def test_the_cohorts_own_due_date_decides(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course, due_day=3)
    enrolment = make.enrolment(cohort)
    moved = _due(db, cohort, task) + 10 * DAY
    db.add(CohortAssessment(cohort_id=cohort.id, assessment_id=task.id, due_at=moved))
    db.flush()
    submit_work(db, task, enrolment, HandIn(text="a"), moved - HOUR)
    assert submit_work(db, task, enrolment, HandIn(text="b"), moved).days_late == 0
    with pytest.raises(ResubmissionClosed):
        submit_work(db, task, enrolment, HandIn(text="c"), moved + HOUR)


def test_nothing_is_handed_in_once_the_grades_are_released(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    enrolment, other = make.enrolment(cohort), make.enrolment(cohort)
    now = _due(db, cohort, task) - 5 * DAY
    submit_work(db, task, enrolment, HandIn(text="a"), now)
    db.add(CohortAssessment(cohort_id=cohort.id, assessment_id=task.id, released_at=now))
    db.flush()
    for who in (enrolment, other):
        with pytest.raises(GradesReleased):
            submit_work(db, task, who, HandIn(text="b"), now + HOUR)
    assert _count(db) == 1


@pytest.mark.parametrize(
    "status",
    [
        EnrolmentStatus.COMPLETED,
        EnrolmentStatus.FAILED,
        EnrolmentStatus.WITHDRAWN,
        EnrolmentStatus.WAITLISTED,
    ],
)
def test_only_an_enrolled_student_hands_in(db: Session, make: Factory, status: EnrolmentStatus) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    enrolment = make.enrolment(cohort)
    enrolment.status = status
    if status is EnrolmentStatus.WAITLISTED:
        enrolment.waitlist_ticket = 1
    db.flush()
    with pytest.raises(NotEnrolled):
        submit_work(db, task, enrolment, HandIn(text="a"), utcnow())
    assert _count(db) == 0


@pytest.mark.parametrize("kind", [AssessmentKind.QUIZ, AssessmentKind.EXAM, AssessmentKind.ATTENDANCE])
def test_only_assignments_take_hand_ins(db: Session, make: Factory, kind: AssessmentKind) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course, kind)
    with pytest.raises(NotFound):
        submit_work(db, task, make.enrolment(cohort), HandIn(text="a"), utcnow())


def test_an_assignment_of_another_course_is_not_found(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    elsewhere = make.assessment(make.course())
    with pytest.raises(NotFound):
        submit_work(db, elsewhere, make.enrolment(cohort), HandIn(text="a"), utcnow())
    assert _count(db) == 0


@pytest.mark.parametrize("link", ["https://docs.google.com/document/d/abc/edit", "http://example.uz/a?b=c#d"])
def test_a_link_is_kept(db: Session, make: Factory, link: str) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course, submission_type=SubmissionType.LINK)
    receipt = submit_work(
        db, task, make.enrolment(cohort), HandIn(link=f"  {link} ", text="ignored"), utcnow()
    )
    assert (receipt.submission.link, receipt.submission.text) == (link, "")


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "ftp://files.example.uz/a.pdf",
        "www.example.uz",
        "https://",
        "https://localhost/",
        "https://exa mple.uz/",
        "https://example.uz/\x00",
        "data:text/html,<script>alert(1)</script>",
        "https://example.uz/" + "a" * 500,
    ],
)
def test_a_bad_link_is_refused(db: Session, make: Factory, link: str) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course, submission_type=SubmissionType.LINK)
    with pytest.raises(BadLink) as raised:
        submit_work(db, task, make.enrolment(cohort), HandIn(link=link), utcnow())
    assert raised.value.field == "link"
    assert _count(db) == 0


@pytest.mark.parametrize(
    ("kind", "hand_in", "field"),
    [
        (SubmissionType.TEXT, HandIn(text=" \n\t "), "text"),
        (SubmissionType.LINK, HandIn(link="  ", text="a text"), "link"),
        (SubmissionType.FILE, HandIn(text="a text", link="https://example.uz"), "file"),
    ],
)
def test_an_empty_hand_in_is_refused_on_its_field(
    db: Session, make: Factory, kind: SubmissionType, hand_in: HandIn, field: str
) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course, submission_type=kind)
    with pytest.raises(NothingHandedIn) as raised:
        submit_work(db, task, make.enrolment(cohort), hand_in, utcnow())
    assert raised.value.field == field
    assert _count(db) == 0


def test_text_has_a_size_limit(db: Session, make: Factory) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    enrolment = make.enrolment(cohort)
    with pytest.raises(TextTooLong):
        submit_work(db, task, enrolment, HandIn(text="a" * 20_001), utcnow())
    assert (
        submit_work(db, task, enrolment, HandIn(text="a" * 20_000), utcnow()).submission.text == "a" * 20_000
    )


def _hand_in_file(
    db: Session, task: Assessment, enrolment: Enrolment, name: str, content: bytes, now: datetime
) -> Submission:
    with files.received(io.BytesIO(content), name) as staged:
        receipt = submit_work(db, task, enrolment, HandIn(file=staged), now)
        files.commit(db, staged, receipt.replaced_file_key)
    return receipt.submission


def test_a_resubmitted_file_replaces_the_old_one_on_disk(db: Session, make: Factory, folder: Path) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE)
    enrolment = make.enrolment(cohort)
    now = _due(db, cohort, task) - DAY
    first = _hand_in_file(db, task, enrolment, "draft.pdf", samples.PDF, now)
    first_key = first.file_key
    assert (first.file_name, first.file_type, first.file_size) == (
        "draft.pdf",
        "application/pdf",
        len(samples.PDF),
    )
    assert [p.name for p in folder.iterdir()] == [first_key]
    second = _hand_in_file(db, task, enrolment, "final.docx", samples.DOCX, now + HOUR)
    db.refresh(second)
    assert second.file_key != first_key and second.times_submitted == 2
    assert (second.file_name, second.file_size) == ("final.docx", len(samples.DOCX))
    assert [p.name for p in folder.iterdir()] == [second.file_key]
    assert (folder / str(second.file_key)).read_bytes() == samples.DOCX


def test_a_refused_resubmission_keeps_the_old_file_and_leaves_no_new_one(
    db: Session, make: Factory, folder: Path
) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE)
    enrolment = make.enrolment(cohort)
    due = _due(db, cohort, task)
    first = _hand_in_file(db, task, enrolment, "draft.pdf", samples.PDF, due - DAY)
    with pytest.raises(ResubmissionClosed):
        _hand_in_file(db, task, enrolment, "late.pdf", samples.PDF, due + DAY)
    assert [p.name for p in folder.iterdir()] == [first.file_key]


def test_switching_a_file_assignment_to_text_deletes_the_file_after_the_next_hand_in(
    db: Session, make: Factory, folder: Path
) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course, submission_type=SubmissionType.FILE)
    enrolment = make.enrolment(cohort)
    now = _due(db, cohort, task) - DAY
    _hand_in_file(db, task, enrolment, "draft.pdf", samples.PDF, now)
    task.submission_type = SubmissionType.TEXT
    db.flush()
    receipt = submit_work(db, task, enrolment, HandIn(text="typed instead"), now + HOUR)
    files.commit(db, None, receipt.replaced_file_key)
    assert (receipt.submission.file_key, receipt.submission.file_name) == (None, "")
    assert list(folder.iterdir()) == []


def test_a_simultaneous_first_hand_in_is_a_conflict_and_the_first_stands(
    db: Session, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    cohort = make.cohort()
    task = make.assessment(cohort.course)
    enrolment = make.enrolment(cohort)
    now = _due(db, cohort, task) - DAY
    submit_work(db, task, enrolment, HandIn(text="from the first tab"), now)
    read = db.scalar

    def not_seen_yet(statement: Any, *args: Any, **kwargs: Any) -> Any:
        # The second tab read before the first one's hand-in was committed.
        entities = [d.get("entity") for d in getattr(statement, "column_descriptions", [])]
        return None if entities == [Submission] else read(statement, *args, **kwargs)

    monkeypatch.setattr(db, "scalar", not_seen_yet)
    with pytest.raises(HandedInMeanwhile):
        submit_work(db, task, enrolment, HandIn(text="from the second tab"), now + HOUR)
    monkeypatch.undo()
    assert db.scalars(select(Submission)).one().text == "from the first tab"
