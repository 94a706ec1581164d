"""Dashboards, the language switcher and the health check."""
