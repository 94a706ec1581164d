"""Browser tests (marker ``e2e``): Debian's chromium driven by Playwright against a live server."""
