"""Which captures repeat an earlier one, and which capture each refers to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from warta.storage.capture_revisits import (
    IDENTICAL_PAYLOAD_DIGEST,
    SERVER_NOT_MODIFIED,
    CaptureHead,
    revisit_references,
)
from warta.storage.captures import RENDER_METHOD, HttpExchange, save_capture
from warta.storage.database import Database
from warta.storage.models import Capture

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
URL = "https://disbud.jakarta.go.id/berita/festival"


def test_repeats_refer_to_the_first_capture_of_their_run_of_identical_bodies(db: Database) -> None:
    answers = [(200, b"one"), (200, b"one"), (304, b""), (200, b"two"), (200, b"two"), (304, b"")]
    with db.transaction() as session:
        ids = [
            save_capture(session, HttpExchange(URL, status, [], body, T0 + timedelta(hours=hour)))
            for hour, (status, body) in enumerate(answers)
        ]
        save_capture(session, HttpExchange(URL + "-lain", 200, [], b"one", T0))  # same body, another URL
    with db.reading() as session:
        heads = [
            CaptureHead(c.id, c.url, c.status, c.body_sha256)
            for c in session.scalars(select(Capture).order_by(Capture.id))
        ]
        references = revisit_references(session, heads)
    found = {
        ids.index(cid): (ref.profile, ids.index(ref.capture_id), ref.fetched_at) for cid, ref in references.items()
    }
    assert found == {
        1: (IDENTICAL_PAYLOAD_DIGEST, 0, T0),
        2: (SERVER_NOT_MODIFIED, 0, T0),
        4: (IDENTICAL_PAYLOAD_DIGEST, 3, T0 + timedelta(hours=3)),
        5: (SERVER_NOT_MODIFIED, 3, T0 + timedelta(hours=3)),
    }


def test_a_browsers_rendered_dom_is_never_the_body_a_repeat_refers_to(db: Database) -> None:
    # a rendered page: the server's shell (GET), the DOM the browser built from it (RENDER), twice
    answers = [
        ("GET", 200, b"shell"),
        (RENDER_METHOD, 200, b"dom"),
        ("GET", 200, b"shell"),
        (RENDER_METHOD, 200, b"dom"),
    ]
    with db.transaction() as session:
        ids = [
            save_capture(session, HttpExchange(URL, status, [], body, T0 + timedelta(hours=hour), method=method))
            for hour, (method, status, body) in enumerate(answers)
        ]
        ids.append(save_capture(session, HttpExchange(URL, 304, [], b"", T0 + timedelta(hours=4))))
    with db.reading() as session:
        heads = [
            CaptureHead(c.id, c.url, c.status, c.body_sha256)
            for c in session.scalars(select(Capture).order_by(Capture.id))
        ]
        references = revisit_references(session, heads)
    # the second shell and the 304 repeat the first shell; no repeat refers to a DOM
    assert {ids.index(cid): ids.index(ref.capture_id) for cid, ref in references.items() if cid != ids[3]} == {
        2: 0,
        4: 0,
    }
    assert all(ref.capture_id not in (ids[1], ids[3]) for ref in references.values())
