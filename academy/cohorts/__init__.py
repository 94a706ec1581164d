"""Cohorts (one run of a course in a region or online) and enrolment in them."""
