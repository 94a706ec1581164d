"""Bulk enrolment from CSV files: checked as a whole, then written in one transaction or not at all."""
