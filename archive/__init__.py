"""Exports of the archive (JSONL, CSV, WARC, WACZ, BagIt) and imports back."""
