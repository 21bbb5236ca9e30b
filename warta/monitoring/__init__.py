"""Watching the sources: health, alerts (database, alerts.atom, webhook), status, metrics and the HTTP endpoints."""
