"""Imports every feature's models so that ``Base.metadata`` knows every table (Alembic, tests)."""

from academy.auth.models import PasswordResetToken, User
from academy.certificates.models import Certificate, CertificateEvent, CertificateSerial, CertificateSkill
from academy.cohorts.models import Attendance, Cohort, CohortSession, Enrolment, EnrolmentEvent
from academy.courses.models import Course, CourseModule, CourseSkill, Lesson, LessonProgress
from academy.employers.models import Company
from academy.grading.models import (
    Assessment,
    CohortAssessment,
    Grade,
    GradeChange,
    GradeCriterion,
    QuizAnswer,
    QuizAttempt,
    QuizOption,
    QuizQuestion,
    RubricCriterion,
    RubricLevel,
    Submission,
)
from academy.jobs.models import Job
from academy.notifications.models import Notification
from academy.regions.models import Region
from academy.skills.models import Skill

__all__ = [
    "Assessment",
    "Attendance",
    "Certificate",
    "CertificateEvent",
    "CertificateSerial",
    "CertificateSkill",
    "Cohort",
    "CohortAssessment",
    "CohortSession",
    "Company",
    "Course",
    "CourseModule",
    "CourseSkill",
    "Enrolment",
    "EnrolmentEvent",
    "Grade",
    "GradeChange",
    "GradeCriterion",
    "Job",
    "Lesson",
    "LessonProgress",
    "Notification",
    "PasswordResetToken",
    "QuizAnswer",
    "QuizAttempt",
    "QuizOption",
    "QuizQuestion",
    "Region",
    "RubricCriterion",
    "RubricLevel",
    "Skill",
    "Submission",
    "User",
]
