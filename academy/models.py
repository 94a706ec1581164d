"""Imports every feature's models so that ``Base.metadata`` knows every table (Alembic, tests)."""

from academy.auth.models import PasswordResetToken, User
from academy.cohorts.models import Cohort, Enrolment, EnrolmentEvent
from academy.courses.models import Course, CourseSkill
from academy.employers.models import Company
from academy.regions.models import Region
from academy.skills.models import Skill

__all__ = [
    "Cohort",
    "Company",
    "Course",
    "CourseSkill",
    "Enrolment",
    "EnrolmentEvent",
    "PasswordResetToken",
    "Region",
    "Skill",
    "User",
]
