"""Administrators plan cohorts and manage their enrolments."""
