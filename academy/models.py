"""Imports every feature's models so that ``Base.metadata`` knows every table (Alembic, tests)."""

from academy.auth.models import PasswordResetToken, User
from academy.employers.models import Company
from academy.regions.models import Region

__all__ = ["Company", "PasswordResetToken", "Region", "User"]
