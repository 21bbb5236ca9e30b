"""Scheduled fixity checks in a real daemon process: they run on their schedule and alert on a mismatch."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from tests.archive.conftest import seed_first_round
from tests.conftest import free_port, wait_for, write_config
from tests.daemon.conftest import DaemonProcess, daemon_config, metric_samples, sqlite_url, start_daemon
from warta.config import WartaConfig
from warta.daemon.schedule_plan import plan_jobs
from warta.storage.database import Database
from warta.storage.models import Blob, Capture


def test_a_fixity_interval_counts_from_now_so_a_restart_checks_nothing_at_once() -> None:
    cfg = WartaConfig.model_validate({"fixity": [{"id": "weekly", "schedule": "every 7d"}]})
    now = datetime(2026, 11, 26, tzinfo=UTC)
    [job] = plan_jobs(cfg, [], [], {}, {}, now, cfg.fixity)
    assert (job.job_id, job.first_run - now) == ("fixity:weekly", timedelta(days=7))


def healthz(daemon: DaemonProcess) -> dict[str, object]:
    status, _headers, body = daemon.get("/healthz")
    assert status == 200
    loaded: dict[str, object] = json.loads(body)
    return loaded


def fixity_problems(daemon: DaemonProcess) -> float | None:
    samples = metric_samples(daemon.get("/metrics")[2].decode())
    return samples.get(("warta_fixity_problems", (("check", "often"),)))


def test_scheduled_fixity_check_alerts_when_a_stored_body_changes(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    url = sqlite_url(tmp_path)
    database = Database(url)
    database.ensure_schema()
    seeded = seed_first_round(database)
    port = free_port()
    fixity = '[[fixity]]\nid = "often"\nschedule = "every 2s"\n'
    config = write_config(tmp_path, daemon_config(url, port, fixity))
    daemons.append(daemon := start_daemon(config, port))
    try:
        # the clean archive first: the negative control for the alert below
        wait_for(lambda: "fixity check often finished" in daemon.log(), timeout=60)
        assert fixity_problems(daemon) == 0
        assert healthz(daemon)["status"] == "ok"
        with database.transaction() as session:
            capture_id, digest = session.execute(
                select(Capture.id, Capture.body_sha256).where(Capture.url == seeded.urls["pameran"])
            ).one()
            session.execute(update(Blob).where(Blob.sha256 == digest).values(data=zlib.compress(b"tampered")))
        wait_for(lambda: "fixity check often FAILED" in daemon.log(), timeout=60)
        wait_for(lambda: fixity_problems(daemon) == 1, timeout=30)
        report = healthz(daemon)
        assert report["status"] == "degraded"
        fixity = report["fixity"]
        assert isinstance(fixity, dict) and fixity["often"]["ok"] is False
        assert f"capture {capture_id} {seeded.urls['pameran']}" in fixity["often"]["first_problems"][0]
        assert f"capture {capture_id} {seeded.urls['pameran']}" in daemon.log()
        assert "fixity:often scheduled (every 2s)" in daemon.log()
    finally:
        database.dispose()
    assert daemon.stop() == 0
