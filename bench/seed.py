"""Seeding large archives quickly: bulk inserts of synthetic documents through the storage models."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from storage.database import Database
from storage.fingerprints import content_hash, simhash_bands, to_signed64
from storage.models import Document, Revision
from storage.sources import ensure_source

BATCH = 5_000
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
WORDS = (
    "jakarta budaya festival museum betawi kota global seni pertunjukan warga pameran sejarah kampung "
    "gedung kesenian ondel tari musik teater film galeri warisan cagar pusat taman ismail marzuki"
).split()


def synthetic_text(rng: random.Random, words: int = 60) -> str:
    """Return a pseudo-Indonesian paragraph of `words` words."""
    return " ".join(rng.choice(WORDS) for _ in range(words)) + "."


def seed_documents(database: Database, count: int, source_id: str = "seed", seed: int = 7) -> None:
    """Insert `count` documents with one revision each, in batches, as fast as the database allows."""
    rng = random.Random(seed)
    with database.transaction() as session:
        ensure_source(session, source_id, "Seeded source", "listing")
    next_id = 1
    while next_id <= count:
        size = min(BATCH, count - next_id + 1)
        documents, revisions = [], []
        for number in range(next_id, next_id + size):
            title = f"Berita budaya nomor {number}"
            text = synthetic_text(rng)
            fingerprint = to_signed64(rng.getrandbits(64))
            band0, band1, band2, band3 = simhash_bands(fingerprint)
            at = EPOCH + timedelta(minutes=number)
            digest = content_hash(title, text)
            documents.append(
                {
                    "id": number,
                    "uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "canonical_url": f"https://seed.example/berita/{number}",
                    "url": f"https://seed.example/berita/{number}",
                    "source_id": source_id,
                    "status": "active",
                    "first_seen": at,
                    "last_seen": at,
                    "updated_at": at,
                    "changed_at": at,
                    "current_revision": 1,
                    "content_hash": digest,
                    "simhash": fingerprint,
                    "simhash_band0": band0,
                    "simhash_band1": band1,
                    "simhash_band2": band2,
                    "simhash_band3": band3,
                    "cluster_id": number,
                }
            )
            revisions.append(
                {
                    "id": number,
                    "document_id": number,
                    "number": 1,
                    "fetched_at": at,
                    "url": f"https://seed.example/berita/{number}",
                    "title": title,
                    "published": at,
                    "language": "id",
                    "text": text,
                    "html": f"<p>{text}</p>",
                    "content_hash": digest,
                    "simhash": fingerprint,
                    "meta": {},
                }
            )
        with database.transaction() as session:
            session.execute(insert(Document), documents)
            session.execute(insert(Revision), revisions)
        next_id += size
    _reset_sequences(database)


def _reset_sequences(database: Database) -> None:
    """Move PostgreSQL's id sequences past the explicitly inserted ids."""
    if database.is_sqlite:
        return
    with database.transaction() as session:
        for table in ("documents", "revisions"):
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
