"""Bulk enrolment from a CSV file: check the whole file first (``plan_import``), then write all of it
in one transaction (``apply_import``), or nothing.

Built for files of thousands of rows: the plan looks rows up in chunks (a handful of queries per
thousand rows, whatever the file), and the writes are bulk INSERTs. Seats are taken by one
conditional UPDATE per cohort (``seats_taken + n <= seats``), so an import can never overbook a
cohort that filled up between the check and the write: it is refused as a whole instead.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from academy.auth import passwords
from academy.auth.models import Role, User, new_session_token
from academy.auth.services import LOCALES
from academy.cohorts.models import Cohort, Enrolment, EnrolmentEvent, EnrolmentStatus
from academy.db import utcnow
from academy.errors import Conflict, DomainError
from academy.imports.csvfile import CsvRow
from academy.imports.lookups import (
    CohortSeats,
    chunks,
    cohorts_by_code,
    enrolments_held,
    region_lookup,
    users_by_email,
)
from academy.imports.problems import RowError
from academy.imports.rows import CheckedRow, check_cells
from academy.notifications.models import Notification, NotificationKind

log = logging.getLogger(__name__)

# A student who holds or held one of these places in a cohort is left as they are.
ALREADY_DONE = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED)
Progress = Callable[[int], None]


class ImportHasErrors(DomainError):
    message = _l("The file has errors; nothing was imported.")


class CohortFilledMeanwhile(Conflict):
    def __init__(self, code: str) -> None:
        super().__init__(
            _l(
                "Cohort %(cohort)s has fewer free seats than when the file was checked; nothing was "
                "imported. Check the file again.",
                cohort=code,
            )
        )


class ImportOutdated(Conflict):
    message = _l(
        "Accounts or enrolments in this file changed since it was checked; nothing was imported. "
        "Check the file again."
    )


@dataclass(frozen=True)
class NewStudent:
    line: int
    email: str
    first_name: str
    last_name: str
    region_code: str
    locale: str


@dataclass(frozen=True)
class PlannedEnrolment:
    """A seat the import takes: a new enrolment, or an existing waitlisted/withdrawn one re-seated."""

    line: int
    email: str
    cohort_id: int
    student_id: int | None = None  # None: a student the import creates
    enrolment_id: int | None = None  # set when an existing enrolment row is re-seated
    previous: EnrolmentStatus | None = None


@dataclass
class ImportPlan:
    rows: int
    errors: list[RowError] = field(default_factory=list)
    students: list[NewStudent] = field(default_factory=list)
    enrolments: list[PlannedEnrolment] = field(default_factory=list)
    unchanged: int = 0
    cohorts: dict[int, CohortSeats] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "new_students": len(self.students),
            "new_enrolments": len(self.enrolments),
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }

    def summary(self, limit: int = 200) -> dict[str, Any]:
        """Counts and the first ``limit`` errors, as JSON-ready data (a job's result)."""
        return {**self.counts(), "error_list": [e.as_dict() for e in self.errors[:limit]]}


def plan_import(session: Session, rows: Sequence[CsvRow], progress: Progress | None = None) -> ImportPlan:
    """What importing ``rows`` would do, and every problem with a line number. Writes nothing."""
    plan = ImportPlan(rows=len(rows))
    regions = region_lookup(session)
    checked: list[CheckedRow] = []
    problems: list[tuple[CsvRow, list[RowError]]] = []
    for batch in chunks(rows):
        for row in batch:
            errors, item = check_cells(row, regions)
            problems.append((row, errors))
            if item is not None:
                checked.append(item)
        if progress:
            progress(len(batch))

    cohorts = cohorts_by_code(session, {row.cohort for row in rows if row.cohort and not row.wrong_width})
    plan.cohorts = {c.id: c for c in cohorts.values()}
    users = users_by_email(session, [item.email for item in checked])
    held = enrolments_held(
        session,
        [user.id for user in users.values() if user.role is Role.STUDENT],
        list(plan.cohorts),
    )
    by_line = {item.row.line: item for item in checked}
    seen: dict[tuple[str, int], int] = {}
    new_students: dict[str, NewStudent] = {}
    for row, errors in problems:
        if row.wrong_width:
            plan.errors.extend(errors)
            continue
        cohort = cohorts.get(row.cohort) if row.cohort else None
        if row.cohort and cohort is None:
            errors.append(RowError(row.line, "cohort_unknown", {"value": row.cohort[:60]}))
        elif cohort is not None and not cohort.published:
            errors.append(RowError(row.line, "course_unpublished", {"cohort": cohort.code}))
        item = by_line.get(row.line)
        user = users.get(item.email) if item else None
        if item and user is not None:
            if user.role is not Role.STUDENT:
                errors.append(RowError(row.line, "not_a_student", {"email": item.email}))
            elif not user.active:
                errors.append(RowError(row.line, "account_inactive", {"email": item.email}))
        if item and cohort is not None:
            first = seen.setdefault((item.email, cohort.id), row.line)
            if first != row.line:
                errors.append(
                    RowError(
                        row.line, "duplicate", {"email": item.email, "cohort": cohort.code, "line": first}
                    )
                )
        if errors or item is None or cohort is None:
            plan.errors.extend(errors)
            continue
        existing = held.get((user.id, cohort.id)) if user else None
        if existing is not None and existing[1] in ALREADY_DONE:
            plan.unchanged += 1
            continue
        if user is None and item.email not in new_students:
            new_students[item.email] = NewStudent(
                line=row.line,
                email=item.email,
                first_name=row.first_name,
                last_name=row.last_name,
                region_code=item.region_code,
                locale=item.locale or (cohort.language if cohort.language in LOCALES else "uz"),
            )
        plan.enrolments.append(
            PlannedEnrolment(
                line=row.line,
                email=item.email,
                cohort_id=cohort.id,
                student_id=user.id if user else None,
                enrolment_id=existing[0] if existing else None,
                previous=existing[1] if existing else None,
            )
        )
    plan.students = list(new_students.values())
    plan.errors.extend(_overfilled(plan))
    plan.errors.sort(key=lambda e: e.line)
    log.info("import planned: %s", plan.counts())
    return plan


def _overfilled(plan: ImportPlan) -> list[RowError]:
    """A "full cohort" problem on the first line that does not fit in each cohort's free seats."""
    wanted = Counter(e.cohort_id for e in plan.enrolments)
    placed: Counter[int] = Counter()
    errors = []
    for enrolment in plan.enrolments:
        cohort = plan.cohorts[enrolment.cohort_id]
        placed[cohort.id] += 1
        if placed[cohort.id] == cohort.seats_left + 1:
            params = {"cohort": cohort.code, "left": cohort.seats_left, "wanted": wanted[cohort.id]}
            errors.append(RowError(enrolment.line, "cohort_full", params))
    return errors


@dataclass(frozen=True)
class ImportOutcome:
    new_students: int
    new_enrolments: int
    unchanged: int


def apply_import(
    session: Session,
    plan: ImportPlan,
    actor: User | None,
    file_name: str = "",
    progress: Progress | None = None,
) -> ImportOutcome:
    """Write a clean plan: new students (invited to set a password), their enrolments, the history
    and the notifications. Flushes; the caller commits, or rolls back on any error."""
    if not plan.clean:
        raise ImportHasErrors()
    outcome = ImportOutcome(len(plan.students), len(plan.enrolments), plan.unchanged)
    if not plan.enrolments:
        return outcome
    now = utcnow()
    _take_seats(session, plan)
    _check_still_as_planned(session, plan)
    try:
        student_ids = _create_students(session, plan.students, now)
        _create_enrolments(session, plan, student_ids, actor, file_name, now, progress)
        session.flush()
    except IntegrityError as error:
        # Someone created one of these accounts or enrolments between the check and now.
        raise ImportOutdated() from error
    log.info(
        "import of %s by user %s: %d new students, %d new enrolments, %d unchanged",
        file_name or "a file",
        actor.id if actor else None,
        outcome.new_students,
        outcome.new_enrolments,
        outcome.unchanged,
    )
    return outcome


def _take_seats(session: Session, plan: ImportPlan) -> None:
    """One conditional UPDATE per cohort, in id order (so that concurrent writers lock alike)."""
    wanted = Counter(e.cohort_id for e in plan.enrolments)
    leaving_waitlist = Counter(
        e.cohort_id for e in plan.enrolments if e.previous is EnrolmentStatus.WAITLISTED
    )
    for cohort_id in sorted(wanted):
        taken = session.execute(
            update(Cohort)
            .where(Cohort.id == cohort_id, Cohort.seats_taken + wanted[cohort_id] <= Cohort.seats)
            .values(
                seats_taken=Cohort.seats_taken + wanted[cohort_id],
                waitlist_length=Cohort.waitlist_length - leaving_waitlist[cohort_id],
            )
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise CohortFilledMeanwhile(plan.cohorts[cohort_id].code)
    for cohort in [o for o in session.identity_map.values() if isinstance(o, Cohort) and o.id in wanted]:
        session.expire(cohort, ["seats_taken", "waitlist_length"])


def _check_still_as_planned(session: Session, plan: ImportPlan) -> None:
    """Under the cohorts' locks, the existing students' places must be what the plan saw."""
    existing = [e for e in plan.enrolments if e.student_id is not None]
    if not existing:
        return
    held = enrolments_held(session, [e.student_id for e in existing if e.student_id], sorted(plan.cohorts))
    for enrolment in existing:
        now_held = held.get((enrolment.student_id or 0, enrolment.cohort_id))
        expected = (enrolment.enrolment_id, enrolment.previous) if enrolment.enrolment_id else None
        if now_held != expected:
            raise ImportOutdated()


def _create_students(session: Session, students: Sequence[NewStudent], now: datetime) -> dict[str, int]:
    """Insert the new students; e-mail -> id. Their password is unusable until they set one
    through the invitation (one hash of a secret thrown away at once, as for invited staff)."""
    if not students:
        return {}
    unusable = passwords.hash_password(secrets.token_urlsafe(32))
    ids: dict[str, int] = {}
    for batch in chunks(students):
        rows = [
            {
                "role": Role.STUDENT,
                "email": s.email,
                "password_hash": unusable,
                "first_name": s.first_name,
                "last_name": s.last_name,
                "region_code": s.region_code,
                "locale": s.locale,
                "active": True,
                "session_token": new_session_token(),
                "created_at": now,
            }
            for s in batch
        ]
        for id_, email in session.execute(insert(User).returning(User.id, User.email), rows):
            ids[email] = id_
        _notify_all(session, NotificationKind.INVITATION, [(ids[s.email], None) for s in batch])
    return ids


def _create_enrolments(
    session: Session,
    plan: ImportPlan,
    student_ids: dict[str, int],
    actor: User | None,
    file_name: str,
    now: datetime,
    progress: Progress | None,
) -> None:
    note = f"imported from {file_name}" if file_name else "imported"
    actor_id = actor.id if actor else None
    for batch in chunks(plan.enrolments):
        fresh = [e for e in batch if e.enrolment_id is None]
        reseated = [e for e in batch if e.enrolment_id is not None]
        enrolment_ids: dict[tuple[int, int], int] = {}
        if fresh:
            rows = [
                {
                    "cohort_id": e.cohort_id,
                    "student_id": e.student_id or student_ids[e.email],
                    "status": EnrolmentStatus.ENROLLED,
                    "waitlist_ticket": None,
                    "created_at": now,
                    "updated_at": now,
                }
                for e in fresh
            ]
            returned = session.execute(
                insert(Enrolment).returning(Enrolment.id, Enrolment.student_id, Enrolment.cohort_id), rows
            )
            enrolment_ids = {(student, cohort): id_ for id_, student, cohort in returned}
        if reseated:
            session.execute(
                update(Enrolment),
                [
                    {
                        "id": e.enrolment_id,
                        "status": EnrolmentStatus.ENROLLED,
                        "waitlist_ticket": None,
                        "updated_at": now,
                    }
                    for e in reseated
                ],
            )
        events, told = [], []
        for e in batch:
            student = e.student_id or student_ids[e.email]
            told.append((student, e.cohort_id))
            events.append(
                {
                    "enrolment_id": e.enrolment_id or enrolment_ids[(student, e.cohort_id)],
                    "from_status": e.previous,
                    "to_status": EnrolmentStatus.ENROLLED,
                    "actor_id": actor_id,
                    "at": now,
                    "note": note,
                }
            )
        session.execute(insert(EnrolmentEvent), events)
        _notify_all(session, NotificationKind.ENROLLED, told)
        if progress:
            progress(len(batch))


def _notify_all(
    session: Session, kind: NotificationKind, recipients: Sequence[tuple[int, int | None]]
) -> None:
    """The outbox rows ``notifications.services.notify`` writes, for many (user, cohort) pairs at once:
    one bulk INSERT instead of one per row (the sender picks them up after the commit as any other)."""
    if recipients:
        session.execute(
            insert(Notification),
            [{"user_id": user_id, "kind": kind, "cohort_id": cohort_id} for user_id, cohort_id in recipients],
        )
