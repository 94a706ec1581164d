"""Students study a course's lessons at ``/learn/<course code>`` and mark them done.

A student reaches a course's lessons through an enrolled or completed place in one of its cohorts;
administrators and the instructors of its cohorts read them; anyone else gets a 404, as for a course
that does not exist.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from academy import access
from academy.admin.forms import ConfirmForm
from academy.courses import progress
from academy.courses.content import course_outline
from academy.courses.models import Course, Lesson
from academy.db import get_session
from academy.i18n import current_locale

bp = Blueprint("learning", __name__, url_prefix="/learn")


def _course_for_reader(course_code: str) -> tuple[Course, progress.Access]:
    """The course with its outline loaded, and how the current user may use it (404 if not at all)."""
    db = get_session()
    course_id = db.scalar(select(Course.id).where(Course.code == course_code.upper()))
    course = course_outline(db, course_id) if course_id is not None else None
    if course is None:
        abort(404)
    how = progress.access_to(db, current_user, course)
    if how is progress.Access.NONE:
        abort(404)
    return course, how


def _lessons_in_order(course: Course) -> list[Lesson]:
    return [lesson for module in course.modules for lesson in module.lessons]


@bp.route("/<course_code>")
@access.signed_in
def outline(course_code: str) -> str:
    course, how = _course_for_reader(course_code)
    done: set[int] = set()
    if how is progress.Access.STUDENT:
        done = progress.done_lesson_ids(get_session(), current_user.id, course.id)
    lessons = _lessons_in_order(course)
    return render_template(
        "learn/outline.html",
        course=course,
        done=done,
        progress=progress.Progress(len(done & {lesson.id for lesson in lessons}), len(lessons)),
        studying=how is progress.Access.STUDENT,
        locale=current_locale(),
    )


@bp.route("/<course_code>/lessons/<int:lesson_id>")
@access.signed_in
def lesson(course_code: str, lesson_id: int) -> str:
    course, how = _course_for_reader(course_code)
    lessons = _lessons_in_order(course)
    index = next((i for i, lesson in enumerate(lessons) if lesson.id == lesson_id), None)
    if index is None:
        abort(404)  # a lesson of another course, or none at all
    current = lessons[index]
    studying = how is progress.Access.STUDENT
    return render_template(
        "learn/lesson.html",
        course=course,
        lesson=current,
        module=next(m for m in course.modules if m.id == current.module_id),
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
        position=index + 1,
        total=len(lessons),
        studying=studying,
        is_done=studying and lesson_id in progress.done_lesson_ids(get_session(), current_user.id, course.id),
        button=ConfirmForm(formdata=None),
        locale=current_locale(),
    )


@bp.route("/<course_code>/lessons/<int:lesson_id>/<any(done, 'not-done'):mark>", methods=["POST"])
@access.signed_in
def mark(course_code: str, lesson_id: int, mark: str) -> Response:
    course, how = _course_for_reader(course_code)
    found = next((lesson for lesson in _lessons_in_order(course) if lesson.id == lesson_id), None)
    if found is None:
        abort(404)
    if how is not progress.Access.STUDENT:
        abort(403)  # readers see the lessons but have no progress to keep
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db = get_session()
    if mark == "done":
        progress.mark_done(db, current_user, found)
    else:
        progress.mark_not_done(db, current_user, found)
    db.commit()
    return redirect(
        url_for("learning.lesson", course_code=course.code, lesson_id=found.id, _anchor="progress")
    )
