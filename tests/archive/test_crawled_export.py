"""Every export format from a crawled site: the demo site crawled on day one, exported, crawled on day two.

The archive here is made by the real crawler (Scrapy in a child process), so the WARC
holds real captures: every archived URL must have its response record.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import bagit
import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from tests.archive.test_restore import warc_records
from tests.child_crawl import crawl_in_child
from tests.conftest import BACKENDS, postgres_schema_url
from warta import archive
from warta.archive.selection import Selection
from warta.config import WartaConfig, load_config
from warta.demo.config import DEMO_SITE, demo_config_text
from warta.demo.siteserver import SiteServer
from warta.storage.database import Database
from warta.storage.models import Document


@dataclass
class CrawledArchive:
    """The demo site crawled on day one (snapshot taken) and then on day two."""

    cfg: WartaConfig
    database: Database
    first_snapshot: int
    folder: Path
    first_bag: archive.SnapshotInfo  # a bag of day one, taken beside the JSONL


@pytest.fixture(scope="module", params=BACKENDS)
def crawled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrawledArchive]:
    folder = tmp_path_factory.mktemp("crawled")
    urls = postgres_schema_url() if request.param == "postgresql" else iter([f"sqlite:///{folder / 'warta.db'}"])
    url = next(urls)
    with SiteServer(DEMO_SITE) as site:
        config_path = folder / "warta.toml"
        # the demo's browser-rendered source stays out: this archive is about the three plain ones
        text = demo_config_text(site.url, folder, has_browser=False)
        config_path.write_text(text.replace(f"sqlite:///{folder / 'warta.db'}", url))
        cfg = load_config(config_path, environ={})
        assert crawl_in_child(config_path, timeout_seconds=120).all_ran
        database = Database.from_config(cfg)
        first = archive.export(cfg, database, "jsonl", folder / "day1.jsonl")
        first_bag = archive.export(cfg, database, "bagit", folder / "day1-bag")
        site.switch("day2")
        assert crawl_in_child(config_path, timeout_seconds=120).all_ran
    yield CrawledArchive(cfg, database, first.id, folder, first_bag)
    database.dispose()
    for _ in urls:  # drops the PostgreSQL schema
        pass


def archived_urls(database: Database) -> set[str]:
    with database.reading() as session:
        return set(session.execute(select(Document.url)).scalars())


def test_warc_of_a_crawl_passes_warcio_check_with_a_response_per_archived_url(crawled: CrawledArchive) -> None:
    output = crawled.folder / "archive.warc.gz"
    archive.export(crawled.cfg, crawled.database, "warc", output)
    warcio = Path(sys.executable).with_name("warcio")
    check = subprocess.run([str(warcio), "check", str(output)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with output.open("rb") as stream:
        responses = {
            record.rec_headers.get_header("WARC-Target-URI")
            for record in ArchiveIterator(stream)
            if record.rec_type == "response"
        }
    assert archived_urls(crawled.database) <= responses
    assert len(archived_urls(crawled.database)) == 20


def test_jsonl_csv_and_bag_of_a_crawl_hold_every_document(crawled: CrawledArchive) -> None:
    jsonl = crawled.folder / "all.jsonl"
    archive.export(crawled.cfg, crawled.database, "jsonl", jsonl)
    lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 20
    edited = [line for line in lines if len(line["revisions"]) == 2]
    assert len(edited) == 2
    assert sum(line["status"] == "gone" for line in lines) == 1

    csv_path = crawled.folder / "all.csv"
    archive.export(crawled.cfg, crawled.database, "csv", csv_path)
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert sorted(row["url"] for row in rows) == sorted(line["url"] for line in lines)

    bag_path = crawled.folder / "bag"
    archive.export(crawled.cfg, crawled.database, "bagit", bag_path)
    assert bagit.Bag(str(bag_path)).is_valid()


def test_wacz_of_a_crawl_validates(crawled: CrawledArchive) -> None:
    output = crawled.folder / "archive.wacz"
    archive.export(crawled.cfg, crawled.database, "wacz", output)
    wacz = Path(sys.executable).with_name("wacz")
    result = subprocess.run([str(wacz), "validate", "-f", str(output)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_incremental_export_after_the_second_crawl_holds_exactly_the_new_changed_gone_and_moved(
    crawled: CrawledArchive,
) -> None:
    output = crawled.folder / "since-day1.jsonl"
    archive.export(crawled.cfg, crawled.database, "jsonl", output, Selection(since_snapshot=crawled.first_snapshot))
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    paths = sorted(line["canonical_url"].split("/", 3)[3] for line in lines)
    assert paths == sorted(
        [
            "disbud/berita/pameran-batik-betawi-museum-tekstil",  # new
            "kabar/budaya/hitung-mundur-hut-ke-500-jakarta-dimulai",  # new
            "portal/en/news/wccf-delegates-visit-kota-tua-and-setu-babakan",  # new
            "disbud/berita/festival-setu-babakan-2026",  # edited
            "disbud/berita/jakarnaval-2026-rute-jadwal-penutupan-jalan",  # moved (301): it travels with its aliases
            "kabar/budaya/peta-jalan-budaya-jakarta-kota-global",  # edited
            "disbud/berita/pendaftaran-lomba-ondel-ondel-pelajar-2026",  # gone (410)
        ]
    )


def test_jsonl_fetched_at_is_the_warc_date_of_the_capture_of_each_revision(crawled: CrawledArchive) -> None:
    jsonl = crawled.folder / "times.jsonl"
    warc = crawled.folder / "times.warc.gz"
    archive.export(crawled.cfg, crawled.database, "jsonl", jsonl)
    archive.export(crawled.cfg, crawled.database, "warc", warc)
    with warc.open("rb") as stream:
        warc_dates = {
            (
                record.rec_headers.get_header("WARC-Warta-Document"),
                int(record.rec_headers.get_header("WARC-Warta-Revision")),
            ): (datetime.fromisoformat(record.rec_headers.get_header("WARC-Date")))
            for record in ArchiveIterator(stream)
            if record.rec_type == "conversion"
        }
    revisions = {
        (line["id"], revision["number"]): revision
        for line in map(json.loads, jsonl.read_text(encoding="utf-8").splitlines())
        for revision in line["revisions"]
    }
    assert len(revisions) == 22 and warc_dates.keys() == revisions.keys()
    for key, revision in revisions.items():
        assert datetime.fromisoformat(revision["fetched_at"]) == warc_dates[key], key
        # recording follows the exchange (extraction runs in between)
        assert datetime.fromisoformat(revision["recorded_at"]) >= warc_dates[key], key


def test_day_one_bag_and_the_incremental_bag_restore_what_one_full_export_holds(
    crawled: CrawledArchive, tmp_path: Path
) -> None:
    incremental = tmp_path / "since-day1-bag"
    archive.export(crawled.cfg, crawled.database, "bagit", incremental, Selection(since_snapshot=crawled.first_bag.id))
    restored = Database(f"sqlite:///{tmp_path / 'restored.db'}")
    restored.ensure_schema()
    try:
        first = archive.import_archive(crawled.cfg, restored, crawled.first_bag.path)
        second = archive.import_archive(crawled.cfg, restored, incremental)
        assert (first.new, first.conflicts, second.new, second.conflicts) == (17, [], 3, [])
        assert second.updated == 4  # the two edited, the gone and the moved ones
        archive.export(crawled.cfg, crawled.database, "bagit", tmp_path / "full")
        archive.export(crawled.cfg, restored, "bagit", tmp_path / "again")
    finally:
        restored.dispose()
    full_jsonl = (tmp_path / "full" / "data" / "documents.jsonl").read_bytes()
    assert (tmp_path / "again" / "data" / "documents.jsonl").read_bytes() == full_jsonl
    moved = [json.loads(line) for line in full_jsonl.splitlines() if json.loads(line)["aliases"]]
    assert len(moved) == 1 and moved[0]["canonical_url"].endswith("jakarnaval-2026-rute-jadwal-penutupan-jalan")
    assert warc_records(tmp_path / "again" / "data" / "archive.warc.gz") == warc_records(
        tmp_path / "full" / "data" / "archive.warc.gz"
    )
