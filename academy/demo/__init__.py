"""Demo data: a realistic academy to look at, to try and to benchmark."""
