"""The public catalogue: courses and their cohorts, and the student's enrol and withdraw buttons."""
