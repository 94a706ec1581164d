"""The e-mail of each notification kind, written in the recipient's language.

Bodies are ``templates/email/<kind>.txt``. Links point at ``BASE_URL``, the deployment's public
address, whether the message leaves during a request or from the command-line sender: a link is
never built from a request's Host header, which an attacker could choose for someone else's reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale, format_time
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.auth.services import INVITATION_TTL, issue_password_token
from academy.cohorts.models import Cohort, CohortSession, Enrolment
from academy.cohorts.services import waitlist_position
from academy.db import in_locale
from academy.notifications.models import Notification, NotificationKind

# News of grades: their e-mails link to the student's own results.
GRADE_NEWS = frozenset(
    {NotificationKind.GRADES_RELEASED, NotificationKind.GRADE_GIVEN, NotificationKind.GRADE_UPDATED}
)


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


def public_url(endpoint: str, **values: Any) -> str:
    """The address of ``endpoint`` on the deployment's public address; needs no request."""
    path = current_app.url_map.bind("").build(endpoint, values)
    return str(current_app.config["BASE_URL"]).rstrip("/") + path


def place_of(cohort: Cohort, locale: str) -> str:
    """Where a cohort meets, for a sentence: its venue and region, or "online"."""
    if cohort.region is None:
        return _("Online")
    return ", ".join(part for part in (cohort.venue.strip(), cohort.region.name(locale)) if part)


def compose(session: Session, notification: Notification, now: datetime) -> Letter:
    """Subject and body of ``notification`` in its recipient's language.

    For an invitation or a password reset this issues the single-use secret of the link (only its
    hash is stored): the caller keeps it only if the message is really handed over.
    """
    user = notification.user
    locale = user.locale if user.locale in current_app.config["LANGUAGES"] else "uz"
    with force_locale(locale):
        context: dict[str, Any] = {"user": user}
        kind = notification.kind
        if kind in (NotificationKind.INVITATION, NotificationKind.PASSWORD_RESET):
            invitation = kind is NotificationKind.INVITATION
            ttl = INVITATION_TTL if invitation else current_app.config["PASSWORD_RESET_TTL"]
            raw = issue_password_token(session, user, ttl, now)
            context["link"] = public_url("auth.reset_password", token=raw)
            subject = _("Your academy account") if invitation else _("Reset your academy password")
        else:
            cohort = notification.cohort
            if cohort is None:
                raise ValueError(f"notification {notification.id} ({kind.value}) names no cohort")
            course = in_locale(cohort.course, "title", locale)
            context.update(
                cohort=cohort,
                course=course,
                place=place_of(cohort, locale),
                link=public_url("catalogue.cohort", code=cohort.code),
            )
            if kind is NotificationKind.WAITLISTED:
                context["position"] = _current_position(session, notification)
                subject = _("You are on the waitlist: %(course)s", course=course)
            elif kind is NotificationKind.PROMOTED:
                subject = _("A seat is yours: %(course)s", course=course)
            elif kind in GRADE_NEWS:
                assessment = notification.assessment
                title = assessment.title if assessment else ""
                context.update(assessment=title, link=public_url("work.cohort", code=cohort.code))
                if kind is NotificationKind.GRADE_GIVEN:
                    subject = _("New grade: %(assessment)s", assessment=title)
                elif kind is NotificationKind.GRADE_UPDATED:
                    subject = _("Grade updated: %(assessment)s", assessment=title)
                else:
                    subject = _("Grades released: %(assessment)s", assessment=title)
            elif kind is NotificationKind.STARTING_TOMORROW:
                first = session.scalar(
                    select(CohortSession)
                    .where(CohortSession.cohort_id == cohort.id)
                    .order_by(CohortSession.starts_at)
                    .limit(1)
                )
                context["first_session"] = first
                context["first_session_time"] = format_time(first.starts_at, "short") if first else ""
                subject = _("Starts tomorrow: %(course)s", course=course)
            else:
                subject = _("You are enrolled: %(course)s", course=course)
        body = render_template(f"email/{kind.value}.txt", **context)
    return Letter(subject=str(subject), body=body)


def _current_position(session: Session, notification: Notification) -> int | None:
    """The recipient's place in the waitlist now (None once they have left it)."""
    enrolment = session.scalar(
        select(Enrolment).where(
            Enrolment.cohort_id == notification.cohort_id, Enrolment.student_id == notification.user_id
        )
    )
    return None if enrolment is None else waitlist_position(session, enrolment)
