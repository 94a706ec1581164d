"""Background jobs: work that takes seconds runs outside the request, with progress to show."""
