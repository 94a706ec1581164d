"""Translated names of the cohort enumerations, for the pages that show them."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

ENROLMENT_STATUS_NAMES = {
    "waitlisted": _l("Waitlisted"),
    "enrolled": _l("Enrolled"),
    "withdrawn": _l("Withdrawn"),
    "completed": _l("Completed"),
    "failed": _l("Failed"),
}
ATTENDANCE_NAMES = {
    "present": _l("Present"),
    "late": _l("Late"),
    "absent": _l("Absent"),
    "excused": _l("Excused"),
}
PHASE_NAMES = {"upcoming": _l("Upcoming"), "running": _l("Running"), "past": _l("Past")}
# Badge style of each enrolment status (classes of app.css).
ENROLMENT_BADGES = {
    "enrolled": "ok",
    "completed": "ok",
    "waitlisted": "wait",
    "failed": "bad",
    "withdrawn": "",
}


def cohort_names() -> dict[str, Any]:
    """A context processor for the blueprints whose pages show cohorts."""
    return {
        "enrolment_status_names": ENROLMENT_STATUS_NAMES,
        "attendance_names": ATTENDANCE_NAMES,
        "phase_names": PHASE_NAMES,
        "enrolment_badges": ENROLMENT_BADGES,
    }
