"""Imports every feature's models so that ``Base.metadata`` knows every table (Alembic, tests)."""

from academy.auth.models import PasswordResetToken, User
from academy.cohorts.models import Attendance, Cohort, CohortSession, Enrolment, EnrolmentEvent
from academy.courses.models import Course, CourseModule, CourseSkill, Lesson, LessonProgress
from academy.employers.models import Company
from academy.jobs.models import Job
from academy.notifications.models import Notification
from academy.regions.models import Region
from academy.skills.models import Skill

__all__ = [
    "Attendance",
    "Cohort",
    "CohortSession",
    "Company",
    "Course",
    "CourseModule",
    "CourseSkill",
    "Enrolment",
    "EnrolmentEvent",
    "Job",
    "Lesson",
    "LessonProgress",
    "Notification",
    "PasswordResetToken",
    "Region",
    "Skill",
    "User",
]
