"""The signed-in user's notifications, the unread badge in the navigation, and delivery right after
the request that wrote them (registered with this blueprint)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from academy import access
from academy.db import get_session
from academy.notifications import services
from academy.notifications.delivery import deliver_after_request, track_new_notifications
from academy.notifications.forms import MarkReadForm
from academy.pagination import page_number, paginate
from academy.web import safe_next

log = logging.getLogger(__name__)
bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 20

bp.record_once(lambda _state: track_new_notifications())
bp.after_app_request(deliver_after_request)


def unread_notifications() -> int:
    """The signed-in user's unread count for the navigation badge: one COUNT, once per request."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        try:
            g.unread_notifications = services.unread_count(get_session(), current_user.id)
        except SQLAlchemyError:  # an error page must still render when the database is failing
            log.warning("could not count unread notifications", exc_info=True)
            g.unread_notifications = 0
    count: int = g.unread_notifications
    return count


@bp.app_context_processor
def navigation() -> dict[str, Any]:
    # A function, not a number: a page pays for the COUNT only when its template shows the badge.
    return {"unread_notifications": unread_notifications}


@bp.route("")
@access.signed_in
def index() -> str:
    page = paginate(
        get_session(), services.inbox(current_user.id), page_number(request.args.get("page")), PER_PAGE
    )
    return render_template("notifications/index.html", page=page, form=MarkReadForm())


@bp.route("/<int:notification_id>/read", methods=["POST"])
@access.signed_in
def mark_read(notification_id: int) -> Response:
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    services.mark_read(db, current_user.id, notification_id)  # someone else's: 404
    db.commit()
    return redirect(safe_next(form.next.data, default="notifications.index"))


@bp.route("/read", methods=["POST"])
@access.signed_in
def mark_all_read() -> Response:
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    count = services.mark_all_read(db, current_user.id)
    db.commit()
    if count:
        flash(
            ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", count),
            "info",
        )
    return redirect(safe_next(form.next.data, default="notifications.index"))
