"""Watching the sources: health evaluation, alerts (database, alerts.atom, webhook) and metrics."""
