"""A student takes a quiz in a real browser: the pages are accessible and fit a phone, and the countdown
submits the answers when the time is up."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from academy import create_app, schema
from academy.auth import passwords
from academy.auth.models import Role, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from academy.courses.models import Course, CourseStatus
from academy.db import database, get_session, utcnow
from academy.demo.services import DEMO_PASSWORD
from academy.grading.models import Assessment, AssessmentKind, QuizAttempt, QuizOption, QuizQuestion
from academy.grading.quizzes import start_attempt
from academy.tracks import Track
from tests.e2e.conftest import HOST, OpenTab, SignIn
from tests.e2e.test_smoke import PHONE_WIDTH, assert_accessible

pytestmark = pytest.mark.e2e
EMAIL = "quiz-taker@example.uz"
COHORT = "QUIZ-E2E"


@dataclass(frozen=True)
class Served:
    url: str
    app: Flask
    enrolment_id: int
    quiz_ids: dict[str, int]  # unlimited attempts; "calm": 15 minutes, "timed": 1 minute


def _quiz(course: Course, position: int, minutes: int) -> Assessment:
    quiz = Assessment(
        course=course,
        position=position,
        kind=AssessmentKind.QUIZ,
        title=f"Quiz {position}",
        weight=50,
        max_points=10,
        time_limit_minutes=minutes,
        max_attempts=None,
    )
    one = QuizQuestion(assessment=quiz, position=1, text="Which channel answers fastest?")
    many = QuizQuestion(assessment=quiz, position=2, text="Which belong in a ticket?", multiple=True)
    for n, (text, correct) in enumerate([("Chat", True), ("Letter", False)]):
        QuizOption(question=one, position=n, text=text, correct=correct)
    for n, (text, correct) in enumerate([("Customer id", True), ("Summary", True), ("Horoscope", False)]):
        QuizOption(question=many, position=n, text=text, correct=correct)
    return quiz


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e-quiz') / 'academy.db'}"
    schema.upgrade(url)
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        session = get_session()
        now = utcnow()
        course = Course(
            code="QUIZ-E2E",
            track=Track.BPO,
            title_uz="Test",
            title_ru="Тест",
            title_en="Quiz course",
            hours=10,
            status=CourseStatus.PUBLISHED,
        )
        cohort = Cohort(
            code=COHORT,
            course=course,
            region_code=None,
            language="en",
            starts_on=(now - timedelta(days=3)).date(),
            ends_on=(now + timedelta(days=30)).date(),
            enrolment_opens_at=now - timedelta(days=10),
            enrolment_closes_at=now - timedelta(days=4),
            seats=5,
        )
        student = User(
            email=EMAIL,
            password_hash=passwords.hash_password(DEMO_PASSWORD),
            first_name="Malika",
            last_name="Karimova",
            role=Role.STUDENT,
            locale="en",
        )
        enrolment = Enrolment(cohort=cohort, student=student, status=EnrolmentStatus.ENROLLED)
        calm, timed = _quiz(course, 1, 15), _quiz(course, 2, 1)
        session.add_all([course, cohort, student, enrolment, calm, timed])
        session.commit()
        ids = {"calm": calm.id, "timed": timed.id}
        enrolment_id = enrolment.id
    server = make_server(HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-quiz-server", daemon=True)
    thread.start()
    try:
        yield Served(f"http://{HOST}:{server.server_port}", app, enrolment_id, ids)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        database(app).engine.dispose()


@pytest.fixture
def live_server(served: Served) -> str:
    """This module's own academy (overrides the demo academy of the e2e conftest)."""
    return served.url


def test_quiz_pages_are_accessible_and_fit_a_phone(
    open_tab: OpenTab, sign_in: SignIn, served: Served, axe_script: Path
) -> None:
    tab = open_tab(viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True, has_touch=True)
    sign_in(tab, EMAIL)
    tab.goto(f"/my/cohorts/{COHORT}/quizzes/{served.quiz_ids['calm']}")
    page = tab.page
    expect(page.locator("h1")).to_have_text("Quiz 1")
    assert_accessible(tab, axe_script)
    page.get_by_role("button", name="Start an attempt").click()
    page.wait_for_url("**/quizzes/attempts/*")
    expect(page.locator(".countdown")).to_be_visible()
    expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    assert_accessible(tab, axe_script)
    for _ in range(2):
        width = page.evaluate(
            "async () => { await document.fonts.ready; return document.scrollingElement.scrollWidth; }"
        )
        assert width <= PHONE_WIDTH, f"{page.url} is {width}px wide at a {PHONE_WIDTH}px viewport"
        page.get_by_label("Chat").check()
        page.get_by_role("button", name="Save and continue later").click()
        expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    expect(page.get_by_label("Chat")).to_be_checked()
    tab.assert_no_problems()


def test_the_countdown_submits_the_answers_at_zero(
    open_tab: OpenTab, sign_in: SignIn, served: Served
) -> None:
    with served.app.app_context():
        session = get_session()
        quiz = session.get(Assessment, served.quiz_ids["timed"])
        enrolment = session.get(Enrolment, served.enrolment_id)
        assert quiz is not None and enrolment is not None
        # Started 56 s ago with a minute to go: four seconds left.
        attempt = start_attempt(session, quiz, enrolment, utcnow() - timedelta(seconds=56))
        session.commit()
        attempt_id = attempt.id
    tab = open_tab(viewport={"width": 1280, "height": 800})
    sign_in(tab, EMAIL)
    tab.goto(f"/my/cohorts/{COHORT}/quizzes/attempts/{attempt_id}")
    page = tab.page
    for label in ("Chat", "Customer id", "Summary"):
        page.get_by_label(label).check()
    page.wait_for_url(f"**/quizzes/{served.quiz_ids['timed']}", timeout=15_000)  # nobody pressed a button
    expect(page.get_by_text("Your answers are submitted.")).to_be_visible()
    with served.app.app_context():
        finished = get_session().scalar(select(QuizAttempt).where(QuizAttempt.id == attempt_id))
        assert finished is not None and finished.submitted_at is not None and finished.points == 10
    tab.assert_no_problems()
