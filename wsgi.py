"""WSGI entry point: `gunicorn wsgi:app` (set FLO_ENV=production in production)."""

from flo_portal import create_app

app = create_app()
