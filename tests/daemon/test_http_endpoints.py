"""/healthz, /metrics, the feeds and the archive browser over real HTTP, from a daemon built in this process."""

from __future__ import annotations

import base64
import json
import platform
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import free_port, write_config
from tests.daemon.conftest import add_run, metric_samples, promtool_check_metrics
from warta.cli.root import cli
from warta.config import VERSION, load_config
from warta.config.secrets import reveal
from warta.daemon.service import Daemon
from warta.storage.database import Database
from warta.storage.sources import ensure_source
from warta.storage.types import utcnow
from warta.web.security import hash_password

SOURCE = """
[[sources]]
id = "site"
kind = "listing"
urls = ["http://127.0.0.1:9/berita/"]
schedule = "every 1h"
"""


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers["Content-Type"], exc.read()


def make_daemon(tmp_path: Path, database_url: str, extra: str = "") -> Daemon:
    port = free_port()
    body = f'[storage]\nurl = "{database_url}"\n[daemon]\nlisten = "127.0.0.1:{port}"\n{extra}' + SOURCE
    cfg = load_config(write_config(tmp_path, body), environ={})
    return Daemon.from_config(cfg, Database(reveal(cfg.storage.url)))


@pytest.fixture
def daemon(tmp_path: Path, db_url: str) -> Iterator[Daemon]:
    """A daemon with its HTTP server up, its database ready, its scheduler not started."""
    database = Database(db_url)
    database.ensure_schema()
    database.dispose()
    built = make_daemon(tmp_path, db_url)
    built.http.start()
    yield built
    built.http.stop()
    if built.scheduler.running:
        built.scheduler.shutdown(wait=False)
    built.database.dispose()


def url(daemon: Daemon, path: str) -> str:
    host, port = daemon.http.address
    return f"http://{host}:{port}{path}"


def test_healthz_is_503_until_the_scheduler_runs_then_200(daemon: Daemon) -> None:
    status, content_type, body = get(url(daemon, "/healthz"))
    assert (status, json.loads(body)["scheduler"]) == (503, "stopped")
    daemon.scheduler.start()
    status, content_type, body = get(url(daemon, "/healthz"))
    report = json.loads(body)
    assert status == 200 and content_type == "application/json"
    assert (report["status"], report["scheduler"], report["database"]) == ("ok", "running", "ok")


def test_healthz_is_503_when_the_database_does_not_answer(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "warta.db"
    daemon = make_daemon(tmp_path, f"sqlite:///{missing}")
    daemon.http.start()
    daemon.scheduler.start()
    try:
        status, _, body = get(url(daemon, "/healthz"))
    finally:
        daemon.scheduler.shutdown(wait=False)
        daemon.http.stop()
    report = json.loads(body)
    assert status == 503
    assert report["scheduler"] == "running"
    assert report["database"].startswith("error: ")


def test_metrics_parse_with_the_prometheus_parser(daemon: Daemon) -> None:
    daemon.metrics.observe_run("site", "ok", 3.5, new=4, changed=1, pages_by_status={200: 7, 304: 2})
    daemon.metrics.set_health("site", "failing")
    status, content_type, body = get(url(daemon, "/metrics"))
    assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
    families = {family.name: family for family in text_string_to_metric_families(body.decode())}
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}
    assert samples[("warta_crawl_runs_total", (("result", "ok"), ("source", "site")))] == 1
    assert samples[("warta_pages_fetched_total", (("source", "site"), ("status", "304")))] == 2
    assert samples[("warta_documents_changed_total", (("source", "site"),))] == 1
    assert samples[("warta_source_health", (("health", "failing"), ("source", "site")))] == 1
    assert samples[("warta_source_health", (("health", "ok"), ("source", "site")))] == 0
    assert families["warta_crawl_duration_seconds"].type == "histogram"
    assert "warta_feed_build_duration_seconds" in families


def test_metrics_carry_build_info_process_metrics_and_no_created_series(daemon: Daemon) -> None:
    daemon.metrics.observe_run("site", "ok", 3.5, new=4, changed=1, pages_by_status={200: 7})
    body = get(url(daemon, "/metrics"))[2].decode()
    samples = metric_samples(body)
    assert samples[("warta_build_info", (("python", platform.python_version()), ("version", VERSION)))] == 1
    assert samples[("process_resident_memory_bytes", ())] > 0
    assert samples[("process_open_fds", ())] > 0
    assert samples[("warta_crawls_in_progress", ())] == 0
    # every outcome is there before the first alert, so that increase() sees the first failure
    outcomes = {labels: value for (name, labels), value in samples.items() if name == "warta_webhook_deliveries_total"}
    assert outcomes == {(("outcome", o),): 0 for o in ("delivered", "failed", "retried")}
    assert "_created" not in body
    # a dedicated registry still: nothing from prometheus-client's Python platform and GC collectors
    assert "python_info" not in body and "python_gc_" not in body


def test_metrics_give_the_next_run_of_each_source_while_the_daemon_schedules(tmp_path: Path, db_url: str) -> None:
    database = Database(db_url)
    database.ensure_schema()
    with database.transaction() as session:
        ensure_source(session, "site", "site", "listing")
    # crawled a minute ago: the hourly source is next due in 59 minutes, and nothing crawls during the test
    add_run(database, "site", utcnow() - timedelta(minutes=1))
    database.dispose()
    daemon = make_daemon(tmp_path, db_url)
    before = metric_samples(daemon.metrics.render().decode())
    daemon.start()
    try:
        samples = metric_samples(get(url(daemon, "/metrics"))[2].decode())
        job = daemon.scheduler.get_job("source:site")
        next_run = samples[("warta_next_run_timestamp_seconds", (("source", "site"),))]
        assert next_run == job.next_run_time.timestamp()
        assert utcnow().timestamp() + 50 * 60 < next_run < utcnow().timestamp() + 70 * 60
        assert samples[("warta_source_documents", (("source", "site"),))] == 0
    finally:
        daemon.shutdown()
    # before the scheduler runs (and on a standby daemon) there is no next run to tell
    assert ("warta_next_run_timestamp_seconds", (("source", "site"),)) not in before


def test_metrics_pass_promtool_check_metrics(daemon: Daemon) -> None:
    daemon.metrics.observe_run("site", "failed", 12.0, new=0, changed=0, pages_by_status={500: 2})
    daemon.metrics.set_health("site", "failing")
    daemon.metrics.alerts.labels("failing").inc()
    daemon.metrics.count_webhook_outcome("retried")
    daemon.metrics.feed_build_seconds.observe(0.3)
    status, _, body = get(url(daemon, "/metrics"))
    assert status == 200
    assert promtool_check_metrics(body) == (0, "")
    # the negative control: promtool does complain about a counter named against the conventions
    bad = b"# HELP warta_runs Runs.\n# TYPE warta_runs counter\nwarta_runs 1\n"
    assert promtool_check_metrics(bad)[0] != 0


def test_feed_directory_is_served_and_other_paths_are_404(daemon: Daemon) -> None:
    feed_dir = daemon.cfg.feeds.dir
    feed_dir.mkdir(parents=True, exist_ok=True)
    (feed_dir / "all.atom").write_text('<feed xmlns="http://www.w3.org/2005/Atom"/>', encoding="utf-8")
    status, content_type, _ = get(url(daemon, "/all.atom"))
    assert (status, content_type.split(";")[0]) == (200, "application/atom+xml")
    assert get(url(daemon, "/missing.atom"))[0] == 404
    assert get(url(daemon, "/%2e%2e/warta.toml"))[0] == 404


def test_daemon_command_on_a_busy_port_exits_1_saying_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        body = f'[storage]\nurl = "sqlite:///{tmp_path / "w.db"}"\n[daemon]\nlisten = "127.0.0.1:{port}"\n'
        result = CliRunner().invoke(cli, ["--config", str(write_config(tmp_path, body)), "daemon"])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "[daemon] listen" in result.output


def test_the_archive_browser_is_served_beside_the_feeds_and_health(daemon: Daemon) -> None:
    feed_dir = daemon.cfg.feeds.dir
    feed_dir.mkdir(parents=True, exist_ok=True)
    (feed_dir / "index.html").write_text("<!DOCTYPE html><title>feeds</title>", encoding="utf-8")
    status, content_type, body = get(url(daemon, "/"))
    assert (status, content_type.split(";")[0]) == (200, "text/html")
    assert b"<h1>warta archive</h1>" in body, "/ is the browser's home page, not the feed folder's index"
    assert get(url(daemon, "/changes"))[0] == 200
    assert get(url(daemon, "/static/style.css"))[0] == 200
    assert get(url(daemon, "/index.html"))[2] == b"<!DOCTYPE html><title>feeds</title>"
    assert get(url(daemon, "/stories/999999"))[0] == 404
    assert get(url(daemon, "/healthz"))[1] == "application/json"


def test_basic_auth_guards_the_pages_but_not_the_feeds_or_health(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARTA_WEB_PASSWORD_HASH", hash_password("sesame"))
    database = Database(db_url)
    database.ensure_schema()
    database.dispose()
    daemon = make_daemon(tmp_path, db_url, '[web]\nauth_username = "editor"\n')
    daemon.cfg.feeds.dir.mkdir(parents=True, exist_ok=True)
    (daemon.cfg.feeds.dir / "all.atom").write_text('<feed xmlns="http://www.w3.org/2005/Atom"/>', encoding="utf-8")
    daemon.http.start()
    try:
        assert get(url(daemon, "/"))[0] == 401
        request = urllib.request.Request(url(daemon, "/"))
        request.add_header("Authorization", "Basic " + base64.b64encode(b"editor:sesame").decode())
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        assert get(url(daemon, "/all.atom"))[0] == 200
        assert get(url(daemon, "/healthz"))[0] == 503  # answered (the scheduler is not started), not 401
    finally:
        daemon.http.stop()
        daemon.database.dispose()


def test_daemon_with_basic_auth_but_no_password_hash_exits_1_saying_what_to_do(tmp_path: Path) -> None:
    body = (
        f'[storage]\nurl = "sqlite:///{tmp_path / "w.db"}"\n[daemon]\nlisten = "127.0.0.1:{free_port()}"\n'
        '[web]\nauth_username = "editor"\n'
    )
    result = CliRunner().invoke(
        cli, ["--config", str(write_config(tmp_path, body)), "daemon"], env={"WARTA_WEB_PASSWORD_HASH": ""}
    )
    assert result.exit_code == 1, result.output
    assert "$WARTA_WEB_PASSWORD_HASH is empty" in result.output and "warta serve --hash-password" in result.output
