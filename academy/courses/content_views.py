"""Administrators write a course's content: modules and ordered lessons, under ``/admin/courses/<id>``."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from academy import access
from academy.admin.forms import ConfirmForm
from academy.auth.models import Role
from academy.courses import content
from academy.courses.authoring import render_course_page
from academy.courses.forms import LessonForm, ModuleForm, VersionForm
from academy.courses.markdown import render_lesson_markdown
from academy.courses.models import Course, CourseModule, Lesson
from academy.db import get_session
from academy.errors import Conflict, DomainError
from academy.forms import show_error
from academy.versions import submitted_version

bp = Blueprint("content", __name__, url_prefix="/admin/courses/<int:course_id>")


def _course(course_id: int) -> Course:
    course = get_session().get(Course, course_id)
    if course is None:
        abort(404)
    return course


def _module(course_id: int, module_id: int) -> CourseModule:
    return content.module_of(get_session(), _course(course_id), module_id)


def _lesson(course_id: int, lesson_id: int) -> Lesson:
    return content.lesson_of(get_session(), _course(course_id), lesson_id)


def _still_there(model: type[CourseModule] | type[Lesson], row_id: int) -> None:
    """After a rollback: 404 when someone else has deleted the row in the meantime."""
    if get_session().get(model, row_id) is None:
        abort(404)


def _back(course_id: int, anchor: str = "") -> Response:
    return redirect(url_for("authoring.course", course_id=course_id, _anchor=anchor or None))


@bp.route("/modules", methods=["POST"])
@access.roles(Role.ADMIN)
def add_module(course_id: int) -> Response | tuple[str, int]:
    db = get_session()
    course = _course(course_id)
    form = ModuleForm()
    if form.validate_on_submit():
        try:
            module = content.add_module(db, course, form.title.data or "")
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()
            flash(_("The module “%(title)s” has been added.", title=module.title), "success")
            return _back(course_id, f"module-{module.id}")
    return render_course_page(course_id, module_form=form)


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def rename_module(course_id: int, module_id: int) -> Response | tuple[str, int]:
    db = get_session()
    module = _module(course_id, module_id)
    form = ModuleForm(obj=module)
    status = 200
    if request.method == "GET":
        form.version.data = str(module.version)
    elif form.validate_on_submit():
        try:
            content.rename_module(db, module, form.title.data or "", submitted_version(form.version.data))
        except DomainError as error:
            db.rollback()
            _still_there(CourseModule, module_id)
            show_error(form, error)
            status = error.status if isinstance(error, Conflict) else 200
        else:
            db.commit()
            flash(_("The module has been renamed."), "success")
            return _back(course_id, f"module-{module.id}")
    return render_template(
        "authoring/module_form.html", form=form, module=module, stale=status == 409
    ), status


@bp.route("/modules/<int:module_id>/delete", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def delete_module(course_id: int, module_id: int) -> Response | tuple[str, int]:
    module = _module(course_id, module_id)
    return _confirm_delete(
        course_id,
        module,
        module,
        None,
        lambda version: content.delete_module(get_session(), module, version),
        _("The module “%(title)s” has been deleted.", title=module.title),
    )


def _confirm_delete(
    course_id: int,
    row: CourseModule | Lesson,
    module: CourseModule,
    lesson: Lesson | None,
    delete: Callable[[int | None], None],
    done: str,
) -> Response | tuple[str, int]:
    """The confirmation page of a module's or a lesson's deletion, and the deletion once confirmed."""
    db = get_session()
    kind, row_id = type(row), row.id  # known before a rollback expires ``row``
    form = VersionForm()
    status = 200
    if request.method == "GET":
        form.version.data = str(row.version)
    elif form.validate_on_submit():
        try:
            delete(submitted_version(form.version.data))
        except DomainError as error:
            db.rollback()
            _still_there(kind, row_id)
            form.form_errors.append(str(error.message))
            status = error.status
        else:
            db.commit()
            flash(done, "success")
            return _back(course_id, "content")
    return (
        render_template("authoring/confirm_delete.html", form=form, module=module, lesson=lesson),
        status,
    )


@bp.route("/modules/<int:module_id>/move/<any(up, down):direction>", methods=["POST"])
@access.roles(Role.ADMIN)
def move_module(course_id: int, module_id: int, direction: content.Direction) -> Response:
    db = get_session()
    module = _module(course_id, module_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    content.move_module(db, module, direction)
    db.commit()
    return _back(course_id, f"module-{module.id}")


def _lesson_data(form: LessonForm) -> content.LessonData:
    return content.LessonData(
        title=form.title.data or "",
        minutes=form.minutes.data or 0,
        body_markdown=form.body_markdown.data or "",
    )


def _render_lesson_form(
    form: LessonForm, module: CourseModule, lesson: Lesson | None, status: int = 200
) -> tuple[str, int]:
    preview = render_lesson_markdown(form.body_markdown.data or "") if form.preview.data else None
    return (
        render_template(
            "authoring/lesson_form.html",
            form=form,
            module=module,
            lesson=lesson,
            preview=preview,
            stale=status == 409,
        ),
        status,
    )


@bp.route("/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def add_lesson(course_id: int, module_id: int) -> Response | tuple[str, int]:
    db = get_session()
    module = _module(course_id, module_id)
    form = LessonForm()
    if form.validate_on_submit() and not form.preview.data:
        try:
            lesson = content.add_lesson(db, module, _lesson_data(form))
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()
            flash(_("The lesson “%(title)s” has been added.", title=lesson.title), "success")
            return _back(course_id, f"lesson-{lesson.id}")
    return _render_lesson_form(form, module, None)


@bp.route("/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def edit_lesson(course_id: int, lesson_id: int) -> Response | tuple[str, int]:
    db = get_session()
    lesson = _lesson(course_id, lesson_id)
    form = LessonForm(obj=lesson)
    if request.method == "GET":
        form.version.data = str(lesson.version)
    elif form.validate_on_submit() and not form.preview.data:
        try:
            content.update_lesson(db, lesson, _lesson_data(form), submitted_version(form.version.data))
        except DomainError as error:
            db.rollback()
            _still_there(Lesson, lesson_id)
            show_error(form, error)
            if isinstance(error, Conflict):
                return _render_lesson_form(form, lesson.module, lesson, 409)
        else:
            db.commit()
            flash(_("The lesson “%(title)s” has been saved.", title=lesson.title), "success")
            return _back(course_id, f"lesson-{lesson.id}")
    return _render_lesson_form(form, lesson.module, lesson)


@bp.route("/lessons/<int:lesson_id>/delete", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def delete_lesson(course_id: int, lesson_id: int) -> Response | tuple[str, int]:
    lesson = _lesson(course_id, lesson_id)
    return _confirm_delete(
        course_id,
        lesson,
        lesson.module,
        lesson,
        lambda version: content.delete_lesson(get_session(), lesson, version),
        _("The lesson “%(title)s” has been deleted.", title=lesson.title),
    )


@bp.route("/lessons/<int:lesson_id>/move/<any(up, down):direction>", methods=["POST"])
@access.roles(Role.ADMIN)
def move_lesson(course_id: int, lesson_id: int, direction: content.Direction) -> Response:
    db = get_session()
    lesson = _lesson(course_id, lesson_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    content.move_lesson(db, lesson, direction)
    db.commit()
    return _back(course_id, f"lesson-{lesson.id}")
