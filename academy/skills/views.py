"""Administrators edit the skills taxonomy at ``/admin/skills``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from academy import access
from academy.auth.models import Role
from academy.db import get_session
from academy.errors import Conflict, DomainError
from academy.forms import show_error
from academy.i18n import current_locale
from academy.labels import TRACK_NAMES
from academy.skills import services
from academy.skills.forms import SkillForm
from academy.skills.models import Skill
from academy.tracks import Track
from academy.versions import submitted_version

bp = Blueprint("skills", __name__, url_prefix="/admin/skills")


@bp.route("")
@access.roles(Role.ADMIN)
def index() -> str:
    raw = request.args.get("track", "")
    track = Track(raw) if raw in Track.__members__.values() else None
    db = get_session()
    skills = services.list_skills(db, track)
    by_track = {t: [s for s in skills if s.track is t] for t in Track if track in (None, t)}
    return render_template(
        "skills/list.html",
        by_track=by_track,
        track=track,
        track_names=TRACK_NAMES,
        taught=services.courses_per_skill(db),
        locale=current_locale(),
    )


def _data(form: SkillForm) -> services.SkillData:
    return services.SkillData(
        code=form.code.data or "",
        track=Track(form.track.data),
        name_uz=form.name_uz.data or "",
        name_ru=form.name_ru.data or "",
        name_en=form.name_en.data or "",
        description_uz=form.description_uz.data or "",
        description_ru=form.description_ru.data or "",
        description_en=form.description_en.data or "",
        max_level=form.max_level.data or 0,
        cefr=bool(form.cefr.data),
    )


@bp.route("/new", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def create() -> str | Response:
    db = get_session()
    form = SkillForm()
    if form.validate_on_submit():
        try:
            skill = services.create_skill(db, _data(form))
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()
            flash(_("The skill %(code)s has been added.", code=skill.code), "success")
            return redirect(url_for("skills.index", track=skill.track.value))
    return render_template("skills/form.html", form=form, skill=None)


@bp.route("/<int:skill_id>/edit", methods=["GET", "POST"])
@access.roles(Role.ADMIN)
def edit(skill_id: int) -> str | Response | tuple[str, int]:
    db = get_session()
    skill = db.get(Skill, skill_id)
    if skill is None:
        abort(404)
    form = SkillForm(obj=skill)
    if request.method == "GET":
        form.version.data = str(skill.version)
    elif form.validate_on_submit():
        try:
            services.update_skill(db, skill, _data(form), submitted_version(form.version.data))
        except Conflict as error:
            db.rollback()
            if db.get(Skill, skill_id) is None:
                abort(404)  # deleted in the meantime
            show_error(form, error)
            return render_template("skills/form.html", form=form, skill=skill, stale=True), 409
        except DomainError as error:
            db.rollback()
            show_error(form, error)
        else:
            db.commit()
            flash(_("The skill %(code)s has been saved.", code=skill.code), "success")
            return redirect(url_for("skills.index", track=skill.track.value))
    return render_template("skills/form.html", form=form, skill=skill)
