"""iCalendar feeds of the timetable: a cohort's public feed and each person's own."""
