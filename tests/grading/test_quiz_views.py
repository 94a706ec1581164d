"""Taking a quiz through the browser: the pages, bad input, other people's attempts, and reads that write
nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.models import User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.db import utcnow
from academy.grading import quizzes
from academy.grading.models import AssessmentKind, CohortAssessment, Grade, QuizAnswer, QuizAttempt
from tests.conftest import Browser, Factory, QueryCounter
from tests.grading.quiz_data import Quiz, cohort_fixture, make_quiz, quiz_fixture  # noqa: F401

OPTION = re.compile(r'name="q-(\d+)" value="(\d+)"')


@pytest.fixture
def student(browser: Browser, make: Factory) -> User:
    return browser.login(make.user())


@pytest.fixture
def place(make: Factory, cohort: Cohort, student: User) -> Enrolment:
    return make.enrolment(cohort, student)


def _quiz_url(cohort: Cohort, quiz: Quiz | int) -> str:
    return f"/my/cohorts/{cohort.code}/quizzes/{quiz if isinstance(quiz, int) else quiz.id}"


def _attempt_url(cohort: Cohort, attempt_id: int) -> str:
    return f"/my/cohorts/{cohort.code}/quizzes/attempts/{attempt_id}"


def _start(browser: Browser, cohort: Cohort, quiz: Quiz) -> int:
    response = browser.post(_quiz_url(cohort, quiz) + "/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    match = re.search(r"/attempts/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _state(db: Session) -> tuple[object, ...]:
    db.expire_all()
    return (
        tuple(db.execute(select(QuizAttempt.id, QuizAttempt.submitted_at, QuizAttempt.points)).all()),
        tuple(db.execute(select(QuizAnswer.attempt_id, QuizAnswer.option_id)).all()),
        tuple(db.execute(select(Grade.id, Grade.points, Grade.version)).all()),
    )


def _answers(quiz: Quiz, *names: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for name in names:
        option = quiz.options[name]
        fields.setdefault(f"q-{option.question_id}", []).append(str(option.id))
    return fields


def test_the_quiz_page_tells_what_to_expect(
    browser: Browser, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    page = browser.get(_quiz_url(cohort, quiz)).get_data(as_text=True)
    assert quiz.assessment.title in page
    assert "2 questions" in page and "Time limit: 15 minutes" in page
    assert "Attempts used: 0 of 3" in page and "Start an attempt" in page


def test_taking_a_quiz(browser: Browser, db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment) -> None:
    attempt_id = _start(browser, cohort, quiz)
    page = browser.get(_attempt_url(cohort, attempt_id)).get_data(as_text=True)
    assert f'type="radio" name="q-{quiz.single.id}"' in page
    assert f'type="checkbox" name="q-{quiz.multiple.id}"' in page
    assert "Time ends at" in page and "js/quiz.js" in page and "<script>" not in page
    response = browser.post(
        _attempt_url(cohort, attempt_id), {**_answers(quiz, "right", "a", "b"), "action": "submit"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(_quiz_url(cohort, quiz))
    attempt = db.get(QuizAttempt, attempt_id)
    db.refresh(attempt)
    assert attempt is not None and attempt.points == 20 and attempt.submitted_at is not None
    page = browser.get(_quiz_url(cohort, quiz)).get_data(as_text=True)
    assert "Your answers are submitted." in page
    assert "Submitted" in page and "20 of 20" not in page  # not released yet
    assert "Start a new attempt" in page and "Attempts used: 1 of 3" in page


def test_scores_show_once_released(
    browser: Browser, db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    attempt_id = _start(browser, cohort, quiz)
    browser.post(_attempt_url(cohort, attempt_id), _answers(quiz, "right", "a", "b"))
    db.add(CohortAssessment(cohort_id=cohort.id, assessment_id=quiz.id, released_at=utcnow()))
    db.flush()
    assert "20 of 20" in browser.get(_quiz_url(cohort, quiz)).get_data(as_text=True)


def test_the_order_is_the_same_on_every_reload(
    browser: Browser, db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    attempt_id = _start(browser, cohort, quiz)
    url = _attempt_url(cohort, attempt_id)
    first = OPTION.findall(browser.get(url).get_data(as_text=True))
    assert first == OPTION.findall(browser.get(url).get_data(as_text=True))
    attempt = db.get(QuizAttempt, attempt_id)
    assert attempt is not None
    expected = quizzes.shown_order(quizzes.questions_of(db, quiz.id), attempt.seed, True)
    assert first == [(str(s.question.id), str(o.id)) for s in expected for o in s.options]


def test_saving_keeps_the_answers_and_the_attempt_open(
    browser: Browser, db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    attempt_id = _start(browser, cohort, quiz)
    url = _attempt_url(cohort, attempt_id)
    response = browser.post(url, {**_answers(quiz, "wrong", "b"), "action": "save"})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    page = browser.get(url).get_data(as_text=True)
    assert (
        f'value="{quiz.options["wrong"].id}"\n                     id="o-{quiz.options["wrong"].id}" checked'
        in page
    )
    assert "Your answers are saved." in page
    db.expire_all()
    attempt = db.get(QuizAttempt, attempt_id)
    assert attempt is not None and attempt.submitted_at is None
    # Reopening the quiz resumes this attempt instead of starting another.
    assert "Continue your attempt" in browser.get(_quiz_url(cohort, quiz)).get_data(as_text=True)
    assert _start(browser, cohort, quiz) == attempt_id


def test_missing_answers_score_nothing(
    browser: Browser, db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    attempt_id = _start(browser, cohort, quiz)
    assert browser.post(_attempt_url(cohort, attempt_id), {"action": "submit"}).status_code == 302
    db.expire_all()
    attempt = db.get(QuizAttempt, attempt_id)
    assert attempt is not None and attempt.points == 0 and attempt.submitted_at is not None


@pytest.mark.parametrize(
    "fields",
    [
        {"q-1": "abc"},
        {"q-1": "-5"},
        {"q-abc": "1"},
        {"q-1": "1" * 20},
        {"q-": "1"},
    ],
)
def test_garbage_is_a_bad_request_and_changes_nothing(
    browser: Browser, db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment, fields: dict[str, str]
) -> None:
    attempt_id = _start(browser, cohort, quiz)
    before = _state(db)
    assert browser.post(_attempt_url(cohort, attempt_id), fields).status_code == 400
    assert _state(db) == before


def test_options_not_of_this_quiz_are_refused(
    browser: Browser, db: Session, make: Factory, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    other = make_quiz(db, make, cohort.course)
    attempt_id = _start(browser, cohort, quiz)
    before = _state(db)
    for fields in (
        {f"q-{quiz.single.id}": str(other.options["right"].id)},
        {f"q-{quiz.single.id}": "999999999"},
        {f"q-{quiz.single.id}": [str(quiz.options["right"].id), str(quiz.options["wrong"].id)]},
    ):
        response = browser.post(_attempt_url(cohort, attempt_id), fields)
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "does not belong to this quiz" in text or "Choose one answer" in text
        assert _state(db) == before


def test_a_form_without_its_token_is_refused(
    browser: Browser, db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    assert browser.post(_quiz_url(cohort, quiz) + "/start", csrf=False).status_code == 400
    attempt_id = _start(browser, cohort, quiz)
    before = _state(db)
    response = browser.post(_attempt_url(cohort, attempt_id), _answers(quiz, "right"), csrf=False)
    assert response.status_code == 400 and _state(db) == before


def test_a_second_submission_changes_nothing(
    browser: Browser, db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    attempt_id = _start(browser, cohort, quiz)
    browser.post(_attempt_url(cohort, attempt_id), _answers(quiz, "right"))
    before = _state(db)
    response = browser.post(_attempt_url(cohort, attempt_id), _answers(quiz, "right", "a", "b"))
    assert response.status_code == 302 and _state(db) == before
    assert "already finished" in browser.get(response.headers["Location"]).get_data(as_text=True)
    # A finished attempt's page leads back to the quiz.
    assert browser.get(_attempt_url(cohort, attempt_id)).status_code == 302


def test_reading_the_pages_changes_nothing(
    browser: Browser, db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    assert browser.get(_quiz_url(cohort, quiz) + "/start").status_code == 405
    browser.get(_quiz_url(cohort, quiz))
    assert _state(db) == ((), (), ())
    attempt_id = _start(browser, cohort, quiz)
    browser.post(_attempt_url(cohort, attempt_id), {**_answers(quiz, "right"), "action": "save"})
    before = _state(db)
    for _ in range(2):
        browser.get(_quiz_url(cohort, quiz))
        browser.get(_attempt_url(cohort, attempt_id))
        browser.get(_attempt_url(cohort, attempt_id) + "?" + f"q-{quiz.single.id}={quiz.options['wrong'].id}")
    assert _state(db) == before


def test_an_attempt_whose_time_ran_out_counts_when_the_quiz_is_opened(
    browser: Browser, db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    attempt_id = _start(browser, cohort, quiz)
    browser.post(_attempt_url(cohort, attempt_id), {**_answers(quiz, "a", "b"), "action": "save"})
    attempt = db.get(QuizAttempt, attempt_id)
    assert attempt is not None
    attempt.started_at = utcnow() - timedelta(hours=2)
    attempt.deadline_at = utcnow() - timedelta(hours=1)
    db.flush()
    assert browser.get(_attempt_url(cohort, attempt_id)).status_code == 302
    browser.get(_quiz_url(cohort, quiz))
    db.expire_all()
    assert (attempt.points, attempt.submitted_at) == (15, attempt.deadline_at)
    grade = db.scalars(select(Grade)).one()
    assert grade.points == 15


def test_answers_after_the_deadline_are_not_counted(
    browser: Browser, db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    attempt_id = _start(browser, cohort, quiz)
    attempt = db.get(QuizAttempt, attempt_id)
    assert attempt is not None
    attempt.deadline_at = utcnow() - timedelta(minutes=5)
    db.flush()
    response = browser.post(_attempt_url(cohort, attempt_id), _answers(quiz, "right", "a", "b"))
    assert "Time was up" in browser.get(response.headers["Location"]).get_data(as_text=True)
    db.expire_all()
    assert attempt.points == 0 and attempt.submitted_at is not None


def test_a_closed_quiz_cannot_be_started(
    browser: Browser, db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    db.add(CohortAssessment(cohort_id=cohort.id, assessment_id=quiz.id, due_at=utcnow() - timedelta(days=1)))
    db.flush()
    page = browser.get(_quiz_url(cohort, quiz)).get_data(as_text=True)
    assert "Closed since" in page and "Start an attempt" not in page
    response = browser.post(_quiz_url(cohort, quiz) + "/start")
    assert response.status_code == 302
    assert "its due date has passed" in browser.get(response.headers["Location"]).get_data(as_text=True)
    assert _state(db) == ((), (), ())


def test_used_up_attempts(
    browser: Browser, db: Session, make: Factory, cohort: Cohort, place: Enrolment
) -> None:
    quiz = make_quiz(db, make, cohort.course, max_attempts=1)
    browser.post(_attempt_url(cohort, _start(browser, cohort, quiz)), _answers(quiz, "right"))
    page = browser.get(_quiz_url(cohort, quiz)).get_data(as_text=True)
    assert "used all the attempts" in page and "Start a new attempt" not in page


def test_what_is_not_yours_is_not_found(
    browser: Browser, db: Session, make: Factory, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    # Another student's attempt in the same cohort.
    classmate = make.enrolment(cohort)
    theirs = quizzes.start_attempt(db, quiz.assessment, classmate, utcnow())
    db.flush()
    before = _state(db)
    assert browser.get(_attempt_url(cohort, theirs.id)).status_code == 404
    assert browser.post(_attempt_url(cohort, theirs.id), _answers(quiz, "right")).status_code == 404
    # A cohort the student is not in, and one the student has left.
    elsewhere = make.cohort(course=cohort.course)
    assert browser.get(_quiz_url(elsewhere, quiz)).status_code == 404
    assert browser.post(_quiz_url(elsewhere, quiz) + "/start").status_code == 404
    left = make.cohort(course=cohort.course)
    make.enrolment(left, place.student, EnrolmentStatus.WITHDRAWN)
    assert browser.get(_quiz_url(left, quiz)).status_code == 404
    # Another course's quiz, an assignment, nothing at all.
    foreign = make_quiz(db, make, make.course())
    assignment = make.assessment(cohort.course, AssessmentKind.ASSIGNMENT)
    for assessment_id in (foreign.id, assignment.id, 999_999):
        assert browser.get(_quiz_url(cohort, assessment_id)).status_code == 404
        assert browser.post(_quiz_url(cohort, assessment_id) + "/start").status_code == 404
    assert _state(db) == before


def test_my_attempt_is_not_reached_through_another_of_my_cohorts(
    browser: Browser, db: Session, make: Factory, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    attempt_id = _start(browser, cohort, quiz)
    other = make.cohort(course=cohort.course)
    make.enrolment(other, place.student)
    assert browser.get(_attempt_url(other, attempt_id)).status_code == 404


def test_a_past_student_sees_the_quiz_but_cannot_start(
    browser: Browser, db: Session, cohort: Cohort, quiz: Quiz, place: Enrolment
) -> None:
    place.status = EnrolmentStatus.COMPLETED
    db.flush()
    page = browser.get(_quiz_url(cohort, quiz)).get_data(as_text=True)
    assert "Start an attempt" not in page
    response = browser.post(_quiz_url(cohort, quiz) + "/start")
    assert "Only students enrolled" in browser.get(response.headers["Location"]).get_data(as_text=True)


def test_the_pages_read_a_fixed_number_of_queries(
    browser: Browser,
    db: Session,
    make: Factory,
    cohort: Cohort,
    place: Enrolment,
    count_queries: QueryCounter,
) -> None:
    def counts(attempts: int, questions: int) -> tuple[int, int]:
        quiz = make_quiz(db, make, cohort.course, max_attempts=None)
        for n in range(questions - 2):
            extra = make_quiz(db, make, cohort.course)  # borrow its questions
            for question in (extra.single, extra.multiple):
                question.assessment_id = quiz.id
                question.position = 10 + n
        db.flush()
        for _ in range(attempts):
            browser.post(_attempt_url(cohort, _start(browser, cohort, quiz)), _answers(quiz, "right"))
        attempt_id = _start(browser, cohort, quiz)
        count_queries.statements.clear()
        assert browser.get(_quiz_url(cohort, quiz)).status_code == 200
        quiz_page = count_queries.count
        count_queries.statements.clear()
        assert browser.get(_attempt_url(cohort, attempt_id)).status_code == 200
        return quiz_page, count_queries.count

    assert counts(1, 2) == counts(6, 8)


@pytest.mark.parametrize(
    ("locale", "phrases"),
    [
        ("uz", ["Urinishni boshlash", "2 ta savol", "Vaqt chegarasi: 15 daqiqa"]),
        ("ru", ["Начать попытку", "2 вопроса", "Ограничение времени: 15 минут"]),
        ("en", ["Start an attempt", "2 questions", "Time limit: 15 minutes"]),
    ],
)
def test_the_pages_speak_the_students_language(
    browser: Browser,
    db: Session,
    cohort: Cohort,
    quiz: Quiz,
    place: Enrolment,
    locale: str,
    phrases: list[str],
) -> None:
    place.student.locale = locale
    db.flush()
    page = browser.get(_quiz_url(cohort, quiz)).get_data(as_text=True)
    assert all(phrase in page for phrase in phrases), page
    attempt_page = browser.get(_attempt_url(cohort, _start(browser, cohort, quiz)))
    assert attempt_page.status_code == 200 and f'<html lang="{locale}">' in attempt_page.get_data(
        as_text=True
    )
