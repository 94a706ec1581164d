"""Row locks that keep students' work and an assessment's deletion or due date apart.

Deleting an assessment first checks that nobody has work in it: a hand-in or a quiz attempt landing
between that check and the DELETE would be removed with it by the cascade. So the deletion holds the
assessment's row FOR UPDATE and checks again, while a hand-in and the start of a quiz attempt hold it
FOR SHARE: whichever comes second waits for the first to commit, then sees what it did (the work, or
that the assessment is gone). Moving a cohort's due date holds it FOR NO KEY UPDATE, so that a quiz
attempt starting at that moment either counts with the new date or is shortened by the move. So does
releasing the grades, while a person's grade holds it FOR SHARE before it reads whether the grades are
released: a grade saved as the grades are released is announced by one or the other, never by neither.

SQLite ignores these clauses: its transactions begin IMMEDIATE (``academy.db``), one writer at a time.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.errors import NotFound
from academy.grading.models import Assessment

# "work": FOR SHARE, any number of hand-ins and grades at once; "due date" and "release": FOR NO KEY
# UPDATE, which waits for work but not for rows merely referring to the assessment; "delete": FOR UPDATE.
Hold = Literal["work", "due date", "release", "delete"]


def hold_assessment(session: Session, assessment_id: int, hold: Hold) -> None:
    """Lock the assessment's row until the transaction ends; ``NotFound`` when it has been deleted."""
    found = session.scalar(
        select(Assessment.id)
        .where(Assessment.id == assessment_id)
        .with_for_update(read=hold == "work", key_share=hold in ("due date", "release"))
    )
    if found is None:
        raise NotFound()
