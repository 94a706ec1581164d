"""WSGI entry point: ``flask --app wsgi run`` or ``gunicorn wsgi:app``."""

from academy import create_app

app = create_app()
