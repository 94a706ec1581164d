"""Instructors run their cohorts: roster, timetable and attendance."""
