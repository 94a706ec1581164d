"""Courses: what is taught, in which language, to which level, after which other courses."""
