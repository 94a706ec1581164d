"""The grading view through the client: grading with points, a rubric, excused and clearing; every bad
input leaves the grade and its history alone; a stale form gets 409 with both values and can be saved
over on purpose; previous/next in the gradebook's order; ids from elsewhere and other people refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.db import utcnow
from academy.grading.models import (
    Assessment,
    AssessmentKind,
    Grade,
    GradeChange,
    QuizAttempt,
    RubricCriterion,
    RubricLevel,
    Submission,
)
from academy.grading.services import GradeValue, grade_of, save_grade
from tests.conftest import Browser, Factory, QueryCounter


@dataclass
class Desk:
    """A running cohort, its instructor, one assignment and its students in the gradebook's order."""

    cohort: Cohort
    teacher: User
    task: Assessment
    roster: list[Enrolment]

    def url(self, enrolment: Enrolment, task: Assessment | None = None, query: str = "") -> str:
        task_id = (task or self.task).id
        return f"/teach/cohorts/{self.cohort.code}/gradebook/{task_id}/{enrolment.id}{query}"


NAMES = [("Valiev", "Botir"), ("Bakirova", "Zarina"), ("Alimov", "Sardor"), ("Bakirova", "Aziza")]


def desk(db: Session, make: Factory, students: int = 4, **task_fields: Any) -> Desk:
    now = utcnow()
    cohort = make.cohort(
        starts_on=(now - timedelta(days=14)).date(), ends_on=(now + timedelta(days=60)).date()
    )
    teacher = make.user(Role.INSTRUCTOR, first_name="Nodira", last_name="Karimova")
    cohort.instructors.append(teacher)
    task = make.assessment(cohort.course, **{"max_points": 20, **task_fields})
    roster = []
    for n in range(students):
        last, first = NAMES[n] if n < len(NAMES) else (f"Student{n:04d}", "Test")
        roster.append(make.enrolment(cohort, make.user(first_name=first, last_name=last)))
    db.flush()
    roster.sort(key=lambda e: (e.student.last_name, e.student.first_name, e.id))
    return Desk(cohort, teacher, task, roster)


@pytest.fixture
def room(db: Session, make: Factory, browser: Browser) -> Desk:
    found = desk(db, make)
    browser.login(found.teacher)
    return found


def changes(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(GradeChange)) or 0


def standing(db: Session, task: Assessment, enrolment: Enrolment) -> tuple[object, ...]:
    db.expire_all()
    grade = grade_of(db, task.id, enrolment.id)
    return (grade.points, grade.excused, grade.feedback, grade.version) if grade else (None,)


def test_grading_with_points_and_a_decimal_comma(browser: Browser, db: Session, room: Desk) -> None:
    student = room.roster[0]
    page = browser.get(room.url(student))
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sardor Alimov" in body and 'name="version" type="hidden" value="0"' in body
    response = browser.post(
        room.url(student),
        {"version": "0", "points": "12,5", "feedback": "Clear and complete", "then": "stay"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(room.url(student))
    assert standing(db, room.task, student) == (12.5, False, "Clear and complete", 1)
    body = browser.get(room.url(student)).get_data(as_text=True)
    assert "The grade of Sardor Alimov is saved." in body
    assert "Nodira Karimova" in body and "— → 12.5" in body  # the cell's history


def test_a_rubric_needs_every_level_and_makes_the_points(browser: Browser, db: Session, room: Desk) -> None:
    content = RubricCriterion(assessment=room.task, position=1, title="Content")
    style = RubricCriterion(assessment=room.task, position=2, title="Style")
    c_low, c_high = (
        RubricLevel(criterion=content, title="Thin", points=4),
        RubricLevel(criterion=content, title="Rich", points=12),
    )
    s_high = RubricLevel(criterion=style, title="Polished", points=7.5)
    db.add_all([content, style, c_low, c_high, s_high])
    db.flush()
    student = room.roster[1]
    body = browser.get(room.url(student)).get_data(as_text=True)
    assert f'name="level-{content.id}" value="{c_high.id}"' in body and "Polished" in body
    partial = browser.post(room.url(student), {"version": "0", f"level-{content.id}": c_high.id})
    assert partial.status_code == 400 and "Choose a level for every criterion" in partial.get_data(
        as_text=True
    )
    assert standing(db, room.task, student) == (None,) and changes(db) == 0
    both = {"version": "0", f"level-{content.id}": c_high.id, f"level-{style.id}": s_high.id, "points": "1"}
    assert browser.post(room.url(student), both).status_code == 302
    assert standing(db, room.task, student)[:2] == (19.5, False)  # the levels' sum, not the points typed
    assert 'name="points" type="text" value=""' in browser.get(room.url(student)).get_data(as_text=True)
    # "Not assessed" everywhere clears the grade; it was given, so the change needs a reason.
    cleared = {"version": "1", f"level-{content.id}": "", f"level-{style.id}": "", "reason": "Wrong student"}
    assert browser.post(room.url(student), cleared).status_code == 302
    assert standing(db, room.task, student)[:2] == (None, False) and changes(db) == 2


def test_points_given_without_the_rubric_survive_a_feedback_edit(
    browser: Browser, db: Session, room: Desk
) -> None:
    criterion = RubricCriterion(assessment=room.task, position=1, title="Content")
    db.add_all([criterion, RubricLevel(criterion=criterion, title="Some", points=20)])
    db.flush()
    student = room.roster[0]
    save_grade(db, room.task, student, GradeValue(points=13), 0, room.teacher)  # as a CSV import would
    body = browser.get(room.url(student)).get_data(as_text=True)
    assert 'name="points" type="text" value="13"' in body and '<details class="points-alone" open>' in body
    saved = browser.post(room.url(student), {"version": "1", "points": "13", "feedback": "Seen"})
    assert saved.status_code == 302 and standing(db, room.task, student) == (13, False, "Seen", 2)


def test_excusing_leaves_the_points_out(browser: Browser, db: Session, room: Desk) -> None:
    student = room.roster[2]
    response = browser.post(room.url(student), {"version": "0", "points": "15", "excused": "y"})
    assert response.status_code == 302
    assert standing(db, room.task, student) == (None, True, "", 1)
    assert "excused" in browser.get(room.url(student)).get_data(as_text=True)


def test_clearing_a_given_grade_needs_a_reason(browser: Browser, db: Session, room: Desk) -> None:
    student = room.roster[0]
    save_grade(db, room.task, student, GradeValue(points=14), 0, room.teacher)
    refused = browser.post(room.url(student), {"version": "1", "points": ""})
    assert refused.status_code == 400
    assert "Give a reason for changing a grade" in refused.get_data(as_text=True)
    assert standing(db, room.task, student) == (14, False, "", 1) and changes(db) == 1
    cleared = browser.post(room.url(student), {"version": "1", "points": "", "reason": "Graded by mistake"})
    assert cleared.status_code == 302
    assert standing(db, room.task, student)[:2] == (None, False)
    last = db.scalars(select(GradeChange).order_by(GradeChange.id.desc())).first()
    assert last is not None and (last.old_points, last.new_points, last.reason) == (
        14,
        None,
        "Graded by mistake",
    )
    # Feedback alone is no change of the grade: no reason asked.
    assert browser.post(room.url(student), {"version": "2", "feedback": "See me"}).status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"points": "twelve"}, "Enter the points as a number"),
        ({"points": "1e3"}, "Enter the points as a number"),
        ({"points": "-1"}, "Points must be between 0 and 20"),
        ({"points": "20,01"}, "Points must be between 0 and 20"),
        ({"points": "12.345"}, "at most two decimals"),
        ({"points": "12", "feedback": "x" * 10_001}, "Feedback can be at most 10,000 characters"),
        ({"points": "12", "reason": "r" * 1001}, "1000"),
        ({"points": "12"}, "Give a reason for changing a grade"),
    ],
    ids=[
        "words",
        "exponent",
        "negative",
        "over-max",
        "three-decimals",
        "feedback",
        "long-reason",
        "no-reason",
    ],
)
def test_bad_input_changes_nothing(
    browser: Browser, db: Session, room: Desk, data: dict[str, str], message: str
) -> None:
    student = room.roster[0]
    save_grade(db, room.task, student, GradeValue(points=9, feedback="first"), 0, room.teacher, "r")
    response = browser.post(room.url(student), {"version": "1", **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert standing(db, room.task, student) == (9, False, "first", 1) and changes(db) == 1


def test_attendance_and_students_off_the_roster_are_not_graded(
    browser: Browser, db: Session, make: Factory, room: Desk
) -> None:
    attendance = make.assessment(room.cohort.course, AssessmentKind.ATTENDANCE, weight=0)
    student = room.roster[0]
    page = browser.get(room.url(student, attendance)).get_data(as_text=True)
    assert "computed from the registers" in page and 'name="points"' not in page
    response = browser.post(room.url(student, attendance), {"version": "0", "points": "5"})
    assert response.status_code == 400 and "computed from the registers" in response.get_data(as_text=True)
    gone = make.enrolment(room.cohort, status=EnrolmentStatus.WITHDRAWN)
    assert "not on the cohort" in browser.get(room.url(gone)).get_data(as_text=True)
    response = browser.post(room.url(gone), {"version": "0", "points": "5"})
    assert response.status_code == 400 and "not on the cohort" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Grade)) == 0 and changes(db) == 0


def test_a_malformed_level_is_a_bad_request(browser: Browser, db: Session, room: Desk) -> None:
    for level in ("x", "²"):  # "²" passes str.isdigit() but not int()
        response = browser.post(room.url(room.roster[0]), {"version": "0", "level-1": level})
        assert response.status_code == 400 and changes(db) == 0


def test_a_stale_form_shows_both_values_and_can_be_saved_over_on_purpose(
    browser: Browser, db: Session, make: Factory, room: Desk
) -> None:
    student = room.roster[0]
    colleague = make.user(Role.INSTRUCTOR, first_name="Jasur", last_name="Tursunov")
    save_grade(db, room.task, student, GradeValue(points=17, feedback="From the other tab"), 0, colleague)
    mine = {"version": "0", "points": "11,5", "feedback": "Mine <b>here</b>", "reason": "Recounted"}
    response = browser.post(room.url(student), mine)
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "What stands now" in body and "What you tried to save" in body
    assert "17 of 20" in body and "11.5 of 20" in body and "Jasur Tursunov" in body
    assert "From the other tab" in body and "Mine &lt;b&gt;here&lt;/b&gt;" in body
    assert 'name="version" value="1"' in body  # the overwrite form is drawn from the new version
    assert standing(db, room.task, student) == (17, False, "From the other tab", 1) and changes(db) == 1
    # Saving over it deliberately: from the version now standing, with a reason.
    overwrite = {"version": "1", "points": "11.5", "feedback": "Mine <b>here</b>", "reason": "Recounted"}
    assert browser.post(room.url(student), overwrite).status_code == 302
    assert standing(db, room.task, student) == (11.5, False, "Mine <b>here</b>", 2) and changes(db) == 2
    # The same stale form again: still refused, never written silently.
    assert browser.post(room.url(student), mine).status_code == 409
    assert standing(db, room.task, student)[0] == 11.5 and changes(db) == 2


def test_an_odd_version_conflicts_instead_of_saving(browser: Browser, db: Session, room: Desk) -> None:
    response = browser.post(room.url(room.roster[0]), {"version": "abc", "points": "3"})
    assert response.status_code == 409 and changes(db) == 0


def test_previous_and_next_follow_the_gradebook_order(browser: Browser, db: Session, room: Desk) -> None:
    names = [(e.student.last_name, e.student.first_name) for e in room.roster]
    assert names == [("Alimov", "Sardor"), ("Bakirova", "Aziza"), ("Bakirova", "Zarina"), ("Valiev", "Botir")]
    body = browser.get(room.url(room.roster[1])).get_data(as_text=True)
    assert f'rel="prev" href="{room.url(room.roster[0])}"' in body
    assert f'rel="next" href="{room.url(room.roster[2])}"' in body
    assert "Student 2 of 4" in body
    first = browser.get(room.url(room.roster[0])).get_data(as_text=True)
    assert 'rel="prev"' not in first and "No previous student" in first
    saved = browser.post(room.url(room.roster[1]), {"version": "0", "points": "10", "then": "next"})
    assert saved.headers["Location"].endswith(room.url(room.roster[2]))
    last = browser.post(room.url(room.roster[3]), {"version": "0", "points": "10", "then": "next"})
    assert last.headers["Location"].endswith(room.url(room.roster[3]))
    assert "This is the last student" in browser.get(room.url(room.roster[3])).get_data(as_text=True)


def test_stepping_only_through_work_waiting_for_a_grade(browser: Browser, db: Session, room: Desk) -> None:
    ana, aziza, zarina, botir = room.roster
    for enrolment in (aziza, zarina, botir):
        db.add(Submission(assessment_id=room.task.id, enrolment_id=enrolment.id, text="done"))
    db.flush()
    save_grade(db, room.task, zarina, GradeValue(points=12), 0, room.teacher)
    waiting = "?only=waiting"
    body = browser.get(room.url(ana, query=waiting)).get_data(as_text=True)
    assert f'rel="next" href="{room.url(aziza, query=waiting)}"' in body
    assert "(2)" in body  # Aziza and Botir wait
    body = browser.get(room.url(aziza, query=waiting)).get_data(as_text=True)
    assert f'rel="next" href="{room.url(botir, query=waiting)}"' in body  # Zarina is graded: skipped
    assert 'rel="prev"' not in body  # Sardor handed nothing in
    saved = browser.post(room.url(aziza, query=waiting), {"version": "0", "points": "8", "then": "next"})
    assert saved.headers["Location"].endswith(room.url(botir, query=waiting))
    done = browser.post(room.url(botir, query=waiting), {"version": "0", "points": "8", "then": "next"})
    assert done.headers["Location"].endswith(room.url(botir, query=waiting))
    assert "No student with work waiting" in browser.get(done.headers["Location"]).get_data(as_text=True)


def test_ids_from_elsewhere_are_not_found(browser: Browser, db: Session, make: Factory, room: Desk) -> None:
    other_course_task = make.assessment(make.course())
    sibling = make.cohort(room.cohort.course)  # same course, another cohort
    stranger = make.enrolment(sibling)
    sibling.instructors.append(room.teacher)  # teaching both cohorts does not mix their ids
    db.flush()
    for url in (
        room.url(room.roster[0], other_course_task),
        room.url(stranger),
        f"/teach/cohorts/{sibling.code}/gradebook/{room.task.id}/{room.roster[0].id}",
    ):
        assert browser.get(url).status_code == 404, url
        assert browser.post(url, {"version": "0", "points": "5"}).status_code == 404, url
    assert changes(db) == 0


def test_other_people_are_refused(browser: Browser, db: Session, make: Factory) -> None:
    found = desk(db, make)
    url = found.url(found.roster[0])
    browser.login(Role.INSTRUCTOR)  # teaches something else
    assert browser.get(url).status_code == 404
    assert browser.post(url, {"version": "0", "points": "5"}).status_code == 404
    for who in (found.roster[0].student, make.employer()):
        browser.logout()
        browser.login(who)
        assert browser.get(url).status_code == 403
        assert browser.post(url, {"version": "0", "points": "5"}).status_code == 403
    browser.logout()
    browser.login(Role.ADMIN)
    assert browser.post(url, {"version": "0", "points": "5"}).status_code == 302
    assert changes(db) == 1


def test_looking_changes_nothing(
    browser: Browser, db: Session, room: Desk, count_queries: QueryCounter
) -> None:
    save_grade(db, room.task, room.roster[0], GradeValue(points=4), 0, room.teacher)
    before = len(count_queries.statements)
    assert browser.get(room.url(room.roster[0], query="?only=waiting")).status_code == 200
    writes = [
        s
        for s in count_queries.statements[before:]
        if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == [] and standing(db, room.task, room.roster[0]) == (4, False, "", 1)


def test_queries_do_not_grow_with_the_roster(
    browser: Browser, db: Session, make: Factory, count_queries: QueryCounter
) -> None:
    counts = []
    for size in (3, 30):
        found = desk(db, make, students=size)
        for enrolment in found.roster:
            db.add(Submission(assessment_id=found.task.id, enrolment_id=enrolment.id, text="x"))
            save_grade(db, found.task, enrolment, GradeValue(points=3), 0, found.teacher)
        db.flush()
        browser.login(found.teacher)
        before = count_queries.count
        assert browser.get(found.url(found.roster[1])).status_code == 200
        counts.append(count_queries.count - before)
        browser.logout()
    assert counts[0] == counts[1], counts


def test_handed_in_text_and_link_are_escaped(browser: Browser, db: Session, room: Desk) -> None:
    student = room.roster[0]
    db.add(
        Submission(
            assessment_id=room.task.id,
            enrolment_id=student.id,
            text="<script>alert(1)</script>\nsecond line",
            link='https://example.uz/"><script>alert(2)</script>',
            times_submitted=3,
        )
    )
    db.flush()
    body = browser.get(room.url(student)).get_data(as_text=True)
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\nsecond line" in body  # line breaks kept (pre-wrap)
    assert 'rel="noopener noreferrer nofollow"' in body and "submitted 3 times" in body


def test_a_script_link_is_shown_but_never_linked(browser: Browser, db: Session, room: Desk) -> None:
    student = room.roster[0]
    db.add(Submission(assessment_id=room.task.id, enrolment_id=student.id, link="javascript:alert(1)"))
    db.flush()
    body = browser.get(room.url(student)).get_data(as_text=True)
    assert "javascript:alert(1)" in body and 'href="javascript:' not in body


def test_late_work_shows_the_days_and_the_penalty(browser: Browser, db: Session, make: Factory) -> None:
    found = desk(db, make, due_day=0)  # due at the end of the cohort's first day, two weeks ago
    found.cohort.course.late_penalty_per_day = 5
    found.cohort.course.late_floor = 40
    student = found.roster[0]
    start = found.cohort.starts_on
    db.add(
        Submission(
            assessment_id=found.task.id,
            enrolment_id=student.id,
            text="late",
            submitted_at=utcnow() - timedelta(days=(utcnow().date() - start).days - 2, hours=2),
        )
    )
    db.flush()
    save_grade(db, found.task, student, GradeValue(points=20), 0, found.teacher)
    browser.login(found.teacher)
    body = browser.get(found.url(student)).get_data(as_text=True)
    assert "days late" in body and "percentage points (5 a day), never below 40%" in body
    assert "counts as" in body


def test_quiz_attempts_and_exams(browser: Browser, db: Session, make: Factory, room: Desk) -> None:
    quiz = make.assessment(room.cohort.course, AssessmentKind.QUIZ, max_points=10)
    exam = make.assessment(room.cohort.course, AssessmentKind.EXAM)
    student = room.roster[0]
    now = utcnow()
    db.add_all(
        [
            QuizAttempt(
                assessment_id=quiz.id, enrolment_id=student.id, number=1, seed=1, submitted_at=now, points=6
            ),
            QuizAttempt(assessment_id=quiz.id, enrolment_id=student.id, number=2, seed=2),
        ]
    )
    db.flush()
    body = browser.get(room.url(student, quiz)).get_data(as_text=True)
    assert "6 of 10" in body and "not finished" in body
    assert "Nothing is handed in for a practical exam" in browser.get(room.url(student, exam)).get_data(
        as_text=True
    )
