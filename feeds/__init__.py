"""Curated feeds (Atom, RSS, JSON Feed) built from the archive, and serving them."""
