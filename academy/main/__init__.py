"""The home page, dashboards, the language switcher and the health check."""
