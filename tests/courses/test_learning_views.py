"""Students study at /learn: the outline with progress, lessons, marking done; and who gets a 404."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.auth.models import Role
from academy.cohorts.models import EnrolmentStatus
from academy.courses.models import Lesson, LessonProgress
from academy.courses.progress import mark_done
from tests.conftest import Browser, QueryCounter
from tests.courses.conftest import Courses


def test_the_outline_shows_progress(browser: Browser, db: Session, courses: Courses) -> None:
    course = courses.course(modules=2, lessons=2, code="BPO-LEARN")
    student = courses.student_in(course)
    lessons = courses.lessons(course)
    mark_done(db, student, lessons[0])
    browser.login(student)
    body = browser.get("/learn/BPO-LEARN").get_data(as_text=True)
    assert "1 of 4 lessons done · 25%" in body
    assert '<progress id="course-progress" max="4" value="1">' in body
    assert body.count("✓ Done") == 1 and "Module 2" in body and "Lesson 2.2" in body
    assert browser.get("/learn/bpo-learn").status_code == 200  # the code in any case


def test_a_lesson_page_with_neighbours(browser: Browser, courses: Courses) -> None:
    course = courses.course(modules=2, lessons=2)
    lessons = courses.lessons(course)
    browser.login(courses.student_in(course))
    body = browser.get(f"/learn/{course.code}/lessons/{lessons[2].id}").get_data(as_text=True)
    assert "<h1>Lesson 2.1</h1>" in body and "Lesson 3 of 4" in body
    assert "<h2>Part 2.1</h2>" in body and "<em>this</em>" in body  # the stored, sanitised HTML
    assert f'rel="prev" href="/learn/{course.code}/lessons/{lessons[1].id}"' in body
    assert f'rel="next" href="/learn/{course.code}/lessons/{lessons[3].id}"' in body
    assert "Mark as done" in body
    first = browser.get(f"/learn/{course.code}/lessons/{lessons[0].id}").get_data(as_text=True)
    assert 'rel="prev"' not in first
    last = browser.get(f"/learn/{course.code}/lessons/{lessons[3].id}").get_data(as_text=True)
    assert 'rel="next"' not in last and "Back to the course outline" in last


def test_mark_done_and_not_done_with_double_clicks(browser: Browser, db: Session, courses: Courses) -> None:
    course = courses.course(modules=1, lessons=2)
    lesson = courses.lessons(course)[0]
    student = browser.login(courses.student_in(course))
    url = f"/learn/{course.code}/lessons/{lesson.id}"
    token = browser.csrf_token()
    for _ in range(2):
        response = browser.post(f"{url}/done", {"csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}#progress")
    count = select(func.count()).select_from(LessonProgress).where(LessonProgress.student_id == student.id)
    assert db.scalar(count) == 1
    page = browser.get(url).get_data(as_text=True)
    assert "Mark as not done" in page and "✓ Done" in page
    for _ in range(2):
        assert browser.post(f"{url}/not-done", {"csrf_token": token}).status_code == 302
    assert db.scalar(count) == 0
    assert browser.post(f"{url}/done", csrf=False).status_code == 400


def test_a_student_with_a_completed_place_still_studies(browser: Browser, courses: Courses) -> None:
    course = courses.course()
    browser.login(courses.student_in(course, EnrolmentStatus.COMPLETED))
    assert browser.get(f"/learn/{course.code}").status_code == 200


@pytest.mark.parametrize(
    "status", [EnrolmentStatus.WAITLISTED, EnrolmentStatus.WITHDRAWN, EnrolmentStatus.FAILED]
)
def test_students_without_a_place_get_404(
    browser: Browser, courses: Courses, status: EnrolmentStatus
) -> None:
    course = courses.course()
    lesson = courses.lessons(course)[0]
    browser.login(courses.student_in(course, status))
    assert browser.get(f"/learn/{course.code}").status_code == 404
    assert browser.get(f"/learn/{course.code}/lessons/{lesson.id}").status_code == 404
    assert browser.post(f"/learn/{course.code}/lessons/{lesson.id}/done").status_code == 404


def test_a_student_of_another_course_gets_404(browser: Browser, db: Session, courses: Courses) -> None:
    course, other = courses.course(), courses.course()
    lesson = courses.lessons(course)[0]
    browser.login(courses.student_in(other))
    assert browser.get(f"/learn/{course.code}").status_code == 404
    assert browser.get(f"/learn/{course.code}/lessons/{lesson.id}").status_code == 404
    assert browser.post(f"/learn/{course.code}/lessons/{lesson.id}/done").status_code == 404
    assert db.scalar(select(func.count()).select_from(LessonProgress)) == 0


def test_a_lesson_of_another_course_is_404(browser: Browser, db: Session, courses: Courses) -> None:
    course, other = courses.course(), courses.course()
    foreign = courses.lessons(other)[0]
    browser.login(courses.student_in(course))
    assert browser.get(f"/learn/{course.code}/lessons/{foreign.id}").status_code == 404
    assert browser.post(f"/learn/{course.code}/lessons/{foreign.id}/done").status_code == 404
    assert browser.get(f"/learn/{course.code}/lessons/999999").status_code == 404
    assert browser.get("/learn/NO-SUCH/lessons/1").status_code == 404
    assert db.scalar(select(func.count()).select_from(LessonProgress)) == 0


def test_staff_read_without_progress_buttons(browser: Browser, courses: Courses) -> None:
    course = courses.course()
    lesson = courses.lessons(course)[0]
    for reader in (courses.instructor_of(course), browser.make.user(Role.ADMIN)):
        browser.login(reader)
        outline = browser.get(f"/learn/{course.code}").get_data(as_text=True)
        assert "You are reading this course as its staff" in outline and "<progress" not in outline
        page = browser.get(f"/learn/{course.code}/lessons/{lesson.id}").get_data(as_text=True)
        assert "Lesson 1.1" in page and "Mark as done" not in page
        assert browser.post(f"/learn/{course.code}/lessons/{lesson.id}/done").status_code == 403
        browser.logout()


@pytest.mark.parametrize("who", ["other instructor", "employer"])
def test_other_staff_get_404(browser: Browser, courses: Courses, who: str) -> None:
    course, other = courses.course(), courses.course()
    lesson = courses.lessons(course)[0]
    browser.login(courses.instructor_of(other) if who == "other instructor" else browser.make.employer())
    assert browser.get(f"/learn/{course.code}").status_code == 404
    assert browser.get(f"/learn/{course.code}/lessons/{lesson.id}").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(browser: Browser, courses: Courses) -> None:
    course = courses.course()
    response = browser.get(f"/learn/{course.code}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_outline_query_count_does_not_grow(
    browser: Browser, db: Session, courses: Courses, count_queries: QueryCounter
) -> None:
    small, big = courses.course(modules=1, lessons=2), courses.course(modules=4, lessons=5)
    student = courses.student_in(small)
    courses.student_in(big, student=student)
    for lesson in courses.lessons(big)[:7]:
        mark_done(db, student, lesson)
    small_code, big_code = small.code, big.code
    browser.login(student)
    browser.get(f"/learn/{small_code}")
    count_queries.statements.clear()
    browser.get(f"/learn/{small_code}")
    few = count_queries.count
    count_queries.statements.clear()
    body = browser.get(f"/learn/{big_code}").get_data(as_text=True)
    assert count_queries.count == few, count_queries.statements
    assert "7 of 20 lessons done · 35%" in body


def test_lesson_html_is_the_only_unescaped_content(browser: Browser, db: Session, courses: Courses) -> None:
    course = courses.course(modules=1, lessons=1)
    lesson = db.get(Lesson, courses.lessons(course)[0].id)
    assert lesson is not None
    lesson.module.title = "<script>alert('module')</script>"
    lesson.title = "<img src=x onerror=alert(1)>"
    db.flush()
    browser.login(courses.student_in(course))
    body = browser.get(f"/learn/{course.code}/lessons/{lesson.id}").get_data(as_text=True)
    assert "<script>alert('module')" not in body and "<img src=x" not in body
    assert re.search(r"&lt;img src=x onerror=alert\(1\)&gt;", body)


def test_the_lesson_page_query_count_does_not_grow(
    browser: Browser, courses: Courses, count_queries: QueryCounter
) -> None:
    small, big = courses.course(modules=1, lessons=2), courses.course(modules=4, lessons=5)
    student = courses.student_in(small)
    courses.student_in(big, student=student)
    urls = [f"/learn/{c.code}/lessons/{courses.lessons(c)[1].id}" for c in (small, big)]
    browser.login(student)
    browser.get(urls[0])
    count_queries.statements.clear()
    browser.get(urls[0])
    few = count_queries.count
    count_queries.statements.clear()
    body = browser.get(urls[1]).get_data(as_text=True)
    assert count_queries.count == few, count_queries.statements
    assert "Lesson 2 of 20" in body and "<h2>Part 1.2</h2>" in body
