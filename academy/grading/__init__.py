"""Assessment, submissions, grades and results."""
