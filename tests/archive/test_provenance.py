"""Provenance: the warcinfo says who, with what and under which policy; records and bags name their snapshot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import bagit
import pytest
from pydantic import ValidationError
from warcio.archiveiterator import ArchiveIterator

from tests.archive.conftest import DISBUD, KOMPAS, ORGANIZATION, T0, SeededArchive, html_page, response_headers
from warta.archive import Selection, export
from warta.archive.bagit_export import CRAWL_LOG_NAME, validate_bag
from warta.config import WartaConfig
from warta.storage.captures import HttpExchange, save_capture
from warta.storage.runs import RunCounts, add_run_error, finish_run, start_run

CONTACT = "arsip@budaya.example.org"
USER_AGENT = "ArsipBudayaBot/1.0 (+https://budaya.example.org/bot)"
WARCIO = "import sys; from warcio.cli import main; sys.exit(main())"


def provenance_config(**crawler: object) -> WartaConfig:
    """Return a config with an operator, a user agent and two sources, one URL holding a password."""
    return WartaConfig.model_validate(
        {
            "archive": {"organization": ORGANIZATION, "contact": CONTACT},
            "crawler": {"user_agent": USER_AGENT, **crawler},
            "sources": [
                {"id": "disbud", "kind": "listing", "urls": [f"https://arsip:rahasia-123@{DISBUD[8:]}/berita"]},
                {"id": "kompas", "kind": "feed", "urls": [f"{KOMPAS}/feed"]},
            ],
        }
    )


def warc_records(path: Path) -> list[tuple[str, dict[str, str], bytes]]:
    """Return (type, WARC headers, content) of every record."""
    with path.open("rb") as stream:
        return [
            (record.rec_type, dict(record.rec_headers.headers), record.content_stream().read())
            for record in ArchiveIterator(stream)
        ]


def warcinfo_fields(path: Path) -> dict[str, str]:
    kind, _, body = warc_records(path)[0]
    assert kind == "warcinfo"
    return dict(line.split(": ", 1) for line in body.decode("utf-8").splitlines())


def test_warcinfo_names_operator_agent_robots_snapshot_and_crawl_config(seeded: SeededArchive, tmp_path):
    output = tmp_path / "disbud.warc.gz"
    info = export(provenance_config(), seeded.database, "warc", output, Selection(sources=("disbud",)))
    fields = warcinfo_fields(output)
    assert fields["operator"] == f"{ORGANIZATION} <{CONTACT}>"
    assert fields["http-header-user-agent"] == USER_AGENT
    assert fields["robots"] == "obey"
    assert fields["isPartOf"] == f"warta-snapshot-{info.id}"
    crawl = json.loads(fields["warta-crawl-config"])
    assert crawl["crawler"]["user_agent"] == USER_AGENT and crawl["crawler"]["download_delay"] == "1s"
    # only the exported source, its seed list with the password masked
    assert [source["id"] for source in crawl["sources"]] == ["disbud"]
    assert crawl["sources"][0]["urls"] == [f"https://arsip:***@{DISBUD[8:]}/berita"]
    assert b"rahasia-123" not in output.read_bytes() + output.with_name("disbud.cdxj").read_bytes()


def test_warcinfo_says_robots_ignored_when_the_crawler_ignores_them(seeded: SeededArchive, tmp_path):
    # the negative control of the robots field above
    output = tmp_path / "archive.warc.gz"
    export(provenance_config(obey_robots=False), seeded.database, "warc", output)
    fields = warcinfo_fields(output)
    assert fields["robots"] == "ignore"
    assert [source["id"] for source in json.loads(fields["warta-crawl-config"])["sources"]] == ["disbud", "kompas"]


def test_every_record_names_the_warcinfo_and_the_warc_still_checks(seeded: SeededArchive, tmp_path):
    output = tmp_path / "archive.warc.gz"
    export(provenance_config(), seeded.database, "warc", output)
    records = warc_records(output)
    warcinfo_id = records[0][1]["WARC-Record-ID"]
    others = records[1:]
    assert {kind for kind, _, _ in others} == {"response", "request", "conversion"}
    assert all(headers.get("WARC-Warcinfo-ID") == warcinfo_id for _, headers, _ in others)
    check = subprocess.run([sys.executable, "-c", WARCIO, "check", "-v", str(output)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_bag_info_names_the_snapshot_and_the_contact(seeded: SeededArchive, tmp_path):
    output = tmp_path / "bag"
    info = export(provenance_config(), seeded.database, "bagit", output)
    bag = validate_bag(output)
    assert bag.info["External-Identifier"] == f"warta-snapshot-{info.id}"
    assert bag.info["Contact-Email"] == CONTACT
    assert "Bag-Group-Identifier" not in bag.info  # a full export starts no series of its own


def test_bag_without_a_configured_contact_has_no_contact_email(seeded: SeededArchive, cfg, tmp_path):
    export(cfg, seeded.database, "bagit", tmp_path / "bag")
    assert "Contact-Email" not in validate_bag(tmp_path / "bag").info


def test_incremental_bags_share_the_group_of_their_full_export(seeded: SeededArchive, tmp_path):
    cfg = provenance_config()
    full = export(cfg, seeded.database, "bagit", tmp_path / "full")
    second = export(cfg, seeded.database, "bagit", tmp_path / "second", Selection(since_snapshot=full.id))
    export(cfg, seeded.database, "jsonl", tmp_path / "unrelated.jsonl")
    third = export(cfg, seeded.database, "bagit", tmp_path / "third", Selection(since_snapshot=second.id))
    infos = [validate_bag(tmp_path / name).info for name in ("second", "third")]
    assert [info["Bag-Group-Identifier"] for info in infos] == [f"warta-snapshot-{full.id}"] * 2
    assert [info["Bag-Count"] for info in infos] == ["2 of ?", "3 of ?"]
    assert infos[1]["External-Identifier"] == f"warta-snapshot-{third.id}"


def record_run(seeded: SeededArchive, source_id: str, url: str, failed_url: str | None = None) -> int:
    """Record a finished crawl run of `source_id` that fetched `url` (and failed on `failed_url`)."""
    body = html_page("Berita", "daftar berita terbaru")
    with seeded.database.transaction() as session:
        run_id = start_run(session, source_id, T0)
        exchange = HttpExchange(url, 200, response_headers(body), body, T0, reason="OK")
        save_capture(session, exchange, source_id=source_id, run_id=run_id)
        if failed_url:
            add_run_error(session, run_id, failed_url, "HTTP 503 after 3 retries", T0)
        finish_run(session, run_id, "ok", RunCounts(requests=2, errors=int(bool(failed_url))))
    return run_id


def test_bag_crawl_log_lists_the_runs_of_its_captures(seeded: SeededArchive, tmp_path):
    disbud_run = record_run(seeded, "disbud", f"{DISBUD}/agenda", failed_url=f"{DISBUD}/agenda?page=2")
    record_run(seeded, "kompas", f"{KOMPAS}/baca")
    output = tmp_path / "bag"
    export(provenance_config(), seeded.database, "bagit", output, Selection(sources=("disbud",)))
    lines = [json.loads(line) for line in (output / CRAWL_LOG_NAME).read_text(encoding="utf-8").splitlines()]
    assert [(line["run"], line["source"], line["status"]) for line in lines] == [(disbud_run, "disbud", "ok")]
    assert lines[0]["counts"]["requests"] == 2 and lines[0]["started_at"] == T0.isoformat()
    assert lines[0]["failed_pages"] == [{"url": f"{DISBUD}/agenda?page=2", "reason": "HTTP 503 after 3 retries"}]
    # a tag file: covered by the tag manifests, outside the payload that `warta import` reads
    assert CRAWL_LOG_NAME in (output / "tagmanifest-sha256.txt").read_text(encoding="utf-8")
    assert sorted(validate_bag(output).payload_files()) == ["data/archive.warc.gz", "data/documents.jsonl"]


def test_altered_crawl_log_fails_bag_validation(seeded: SeededArchive, tmp_path):
    record_run(seeded, "disbud", f"{DISBUD}/agenda")
    output = tmp_path / "bag"
    export(provenance_config(), seeded.database, "bagit", output)
    log = output / CRAWL_LOG_NAME
    log.write_text(log.read_text(encoding="utf-8").replace('"ok"', '"failed"'), encoding="utf-8")
    with pytest.raises(bagit.BagValidationError, match="crawl-log"):
        validate_bag(output)


def test_contact_must_be_an_email_address():
    with pytest.raises(ValidationError, match=r"'arsip budaya' is not an e-mail address; write e\.g\. 'arsip@"):
        WartaConfig.model_validate({"archive": {"contact": "arsip budaya"}})
