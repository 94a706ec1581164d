"""Partner companies and their members."""
