"""Tests of the public catalogue, the course and cohort pages, and enrolling through them."""
