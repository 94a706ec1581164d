"""Administrators author courses at ``/admin/courses``: the list, details, skills, prerequisites, status.

The content of a course (modules and lessons) is edited through ``academy.courses.content_views``,
under the same addresses.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from academy import access
from academy.admin.forms import ConfirmForm
from academy.auth.models import Role
from academy.courses import services
from academy.courses.content import course_outline
from academy.courses.forms import COURSE_STATUS_NAMES, CourseForm, ModuleForm, VersionForm
from academy.courses.models import Course, CourseStatus
from academy.db import get_session
from academy.errors import Conflict, DomainError
from academy.forms import show_error
from academy.i18n import current_locale
from academy.labels import TRACK_NAMES
from academy.pagination import page_number, paginate
from academy.skills.services import list_skills
from academy.tracks import Track
from academy.versions import submitted_version

bp = Blueprint("authoring", __name__, url_prefix="/admin/courses")
PER_PAGE = 25


@bp.route("")
@access.roles(Role.ADMIN)
def courses() -> str:
    raw_track, raw_status = request.args.get("track", ""), request.args.get("status", "")
    track = Track(raw_track) if raw_track in Track.__members__.values() else None
    status = CourseStatus(raw_status) if raw_status in CourseStatus.__members__.values() else None
    query = request.args.get("q", "")[:100]
    db = get_session()
    page = paginate(
        db, services.search_courses(track, status, query), page_number(request.args.get("page")), PER_PAGE
    )
    return render_template(
        "authoring/courses.html",
        page=page,
        counts=services.count_content(db, [c.id for c in page.items]),
        track=track,
        status=status,
        query=query,
        track_names=TRACK_NAMES,
        status_names=COURSE_STATUS_NAMES,
        locale=current_locale(),
    )


def _course_or_404(course_id: int) -> Course:
    course = get_session().get(Course, course_id)
    if course is None:
        abort(404)
    return course


def _data(form: CourseForm) -> services.CourseData:
    return services.CourseData(
        code=form.code.data or "",
        track=Track(form.track.data),
        title_uz=form.title_uz.data or "",
        title_ru=form.title_ru.data or "",
        title_en=form.title_en.data or "",
        description_uz=form.description_uz.data or "",
        description_ru=form.description_ru.data or "",
        description_en=form.description_en.data or "",
        hours=form.hours.data or 0,
        language=form.language.data or "",
        pass_mark=form.pass_mark.data if form.pass_mark.data is not None else -1,
        status=CourseStatus(form.status.data),
        skills=form.skills_taught(),
        prerequisite_ids=frozenset(form.prerequisites.data or ()),
        certificate_valid_months=form.certificate_valid_months.data,
    )


def _course_form(course: Course | None) -> CourseForm:
    db = get_session()
    form = CourseForm(obj=course) if course is not None else CourseForm()
    taught = {t.skill_id: t.level for t in course.skills} if course is not None else {}
    form.offer(list_skills(db), services.other_courses(db, course), current_locale(), taught)
    if course is not None and not form.is_submitted():
        form.prerequisites.data = [c.id for c in course.prerequisites]
        form.version.data = str(course.version)
    return form


def _render_form(form: CourseForm, course: Course | None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "authoring/course_form.html", form=form, course=course, stale=status == 409
    ), status


@bp.route("/new", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def create_course() -> Response | tuple[str, int]:
    db = get_session()
    form = _course_form(None)
    if form.validate_on_submit():
        if form.unknown_skill_rows():
            form.form_errors.append(_("One of the skills no longer exists. Reload the page."))
            return _render_form(form, None)
        try:
            course = services.create_course(db, _data(form))
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()
            flash(
                _("The course %(code)s has been created. Add its modules and lessons.", code=course.code),
                "success",
            )
            return redirect(url_for("authoring.course", course_id=course.id))
    return _render_form(form, None)


@bp.route("/<int:course_id>/edit", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def edit_course(course_id: int) -> Response | tuple[str, int]:
    db = get_session()
    course = _course_or_404(course_id)
    form = _course_form(course)
    if form.validate_on_submit():
        if form.unknown_skill_rows():
            form.form_errors.append(_("One of the skills no longer exists. Reload the page."))
            return _render_form(form, course)
        try:
            services.update_course(db, course, _data(form), submitted_version(form.version.data))
        except Conflict as error:
            db.rollback()
            if db.get(Course, course_id) is None:
                abort(404)  # deleted in the meantime
            show_error(form, error)
            return _render_form(form, course, 409)
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()
            flash(_("The course %(code)s has been saved.", code=course.code), "success")
            return redirect(url_for("authoring.course", course_id=course.id))
    return _render_form(form, course)


def render_course_page(
    course_id: int, module_form: ModuleForm | None = None, status: int = 200
) -> tuple[str, int]:
    """The course's page for its authors: details, content with its actions, publishing."""
    course = course_outline(get_session(), course_id)
    if course is None:
        abort(404)
    return (
        render_template(
            "authoring/course.html",
            course=course,
            module_form=module_form or ModuleForm(formdata=None),
            status_form=VersionForm(formdata=None, version=str(course.version)),
            button=ConfirmForm(formdata=None),
            track_names=TRACK_NAMES,
            status_names=COURSE_STATUS_NAMES,
            locale=current_locale(),
        ),
        status,
    )


@bp.route("/<int:course_id>")
@access.roles(Role.ADMIN)
def course(course_id: int) -> tuple[str, int]:
    return render_course_page(course_id)


@bp.route("/<int:course_id>/<any(publish, unpublish):action>", methods=["POST"])
@access.roles(Role.ADMIN)
def set_status(course_id: int, action: str) -> Response | tuple[str, int]:
    db = get_session()
    course = _course_or_404(course_id)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    status = CourseStatus.PUBLISHED if action == "publish" else CourseStatus.DRAFT
    try:
        services.set_status(db, course, status, submitted_version(form.version.data))
    except DomainError as error:
        db.rollback()
        flash(str(error.message), "error")
        return render_course_page(course_id, status=error.status)
    db.commit()
    if status is CourseStatus.PUBLISHED:
        flash(_("%(code)s is published.", code=course.code), "success")
    else:
        flash(_("%(code)s is back to draft: it is hidden from the catalogue.", code=course.code), "info")
    return redirect(url_for("authoring.course", course_id=course.id))
