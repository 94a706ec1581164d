"""Translated names of the academy's enumerations, for templates."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

ROLE_NAMES = {
    "student": _l("Student"),
    "instructor": _l("Instructor"),
    "employer": _l("Employer"),
    "admin": _l("Administrator"),
}
COMPANY_STATUS_NAMES = {
    "pending": _l("Awaiting approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}

ENROLMENT_STATUS_NAMES = {
    "waitlisted": _l("Waitlisted"),
    "enrolled": _l("Enrolled"),
    "withdrawn": _l("Withdrawn"),
    "completed": _l("Completed"),
    "failed": _l("Failed"),
}
# Badge style of each enrolment status (classes of app.css).
ENROLMENT_BADGES = {
    "enrolled": "ok",
    "completed": "ok",
    "waitlisted": "wait",
    "failed": "bad",
    "withdrawn": "",
}
ATTENDANCE_NAMES = {
    "present": _l("Present"),
    "late": _l("Late"),
    "absent": _l("Absent"),
    "excused": _l("Excused"),
}
PHASE_NAMES = {"upcoming": _l("Upcoming"), "running": _l("Running"), "past": _l("Past")}
TRACK_NAMES = {"bpo": _l("BPO: business processes"), "kpo": _l("KPO: knowledge processes")}
ASSESSMENT_KIND_NAMES = {
    "assignment": _l("Assignment"),
    "quiz": _l("Quiz"),
    "exam": _l("Practical exam"),
    "attendance": _l("Attendance"),
}
# A student's result in a course (academy.grading.results.ResultState), and its badge style.
RESULT_NAMES = {"in_progress": _l("In progress"), "passed": _l("Passed"), "failed": _l("Failed")}
RESULT_BADGES = {"in_progress": "wait", "passed": "ok", "failed": "bad"}
# Where a change of a grade came from (academy.grading.models.GradeSource).
GRADE_SOURCE_NAMES = {"manual": _l("By hand"), "import": _l("CSV import"), "quiz": _l("Quiz, automatic")}


def register_labels(app: Flask) -> None:
    app.jinja_env.globals.update(
        role_names=ROLE_NAMES,
        status_names=COMPANY_STATUS_NAMES,
        enrolment_status_names=ENROLMENT_STATUS_NAMES,
        enrolment_badges=ENROLMENT_BADGES,
        attendance_names=ATTENDANCE_NAMES,
        phase_names=PHASE_NAMES,
        track_names=TRACK_NAMES,
        assessment_kind_names=ASSESSMENT_KIND_NAMES,
        result_names=RESULT_NAMES,
        result_badges=RESULT_BADGES,
        grade_source_names=GRADE_SOURCE_NAMES,
    )
