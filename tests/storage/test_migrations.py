"""Schema migrations: an empty database upgrades to head, the models match the history, old schemas are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import func, inspect, select, text

from tests.conftest import write_config
from tests.storage.conftest import ARTICLE, insert_story_by_hand, later, page
from warta.cli.root import cli
from warta.storage import migrate
from warta.storage.database import Database
from warta.storage.dedup import band_keys
from warta.storage.errors import DatabaseUnavailableError, SchemaOutdatedError
from warta.storage.memberships import FINGERPRINT_KEY, bring_memberships_up_to_date, catch_up_memberships
from warta.storage.models import Base, Document, DocumentBand, PendingMatch, Revision
from warta.storage.revisions import Outcome, record_page
from warta.storage.search import SearchQuery, search_documents
from warta.storage.search_index import is_modelled
from warta.storage.shingling import shingles
from warta.storage.state import get_state
from warta.storage.topics import TopicMatcher, TopicRule

# the mark of matched revision ids that the match queue (migration 0006) replaced
OLD_MARK_KEY = "topics.matched_through_revision"


def test_upgrade_from_empty_creates_every_table(db_url: str) -> None:
    database = Database(db_url)
    before, after = database.upgrade()
    with database.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
    database.dispose()
    assert before is None
    assert after == migrate.head_revision()
    assert set(Base.metadata.tables) <= tables


def test_models_and_migration_history_agree(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": is_modelled})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_twice_changes_nothing(db: Database) -> None:
    before, after = db.upgrade()
    assert before == after == migrate.head_revision()


def test_outdated_schema_is_refused_with_the_fix(db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaOutdatedError, match="run `warta db upgrade`"):
        db.ensure_schema()


def test_db_upgrade_command_reports_revisions(tmp_path) -> None:
    config = write_config(tmp_path, "")
    runner = CliRunner()
    first = runner.invoke(cli, ["--config", str(config), "db", "upgrade"], env={"WARTA_STORAGE_URL": ""})
    second = runner.invoke(cli, ["--config", str(config), "db", "upgrade"], env={"WARTA_STORAGE_URL": ""})
    assert first.exit_code == 0, first.output
    assert f"upgraded from revision empty to {migrate.head_revision()}" in first.output
    assert "already at schema revision" in second.output


def test_unreachable_database_names_the_setting_without_the_password() -> None:
    database = Database("postgresql+psycopg://warta:hunter2@127.0.0.1:1/warta?connect_timeout=2")
    with pytest.raises(DatabaseUnavailableError) as caught:
        database.ensure_schema()
    message = str(caught.value)
    assert "[storage] url" in message
    assert "hunter2" not in message
    assert "warta:***@127.0.0.1:1" in message


def test_the_head_revision_checked_at_every_start_is_the_newest_migration_script() -> None:
    assert migrate.head_revision() == migrate.scripts_head_revision()


def test_current_revision_read_without_alembic_agrees_with_alembic(db_url: str) -> None:
    database = Database(db_url)
    try:
        with database.engine.connect() as connection:
            assert migrate.current_revision(connection) is None
        database.upgrade()
        with database.engine.connect() as connection:
            expected = MigrationContext.configure(connection).get_current_revision()
            assert migrate.current_revision(connection) == expected == migrate.HEAD_REVISION
    finally:
        database.dispose()


def test_db_upgrade_builds_the_search_index_of_an_existing_archive(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url)
    with database.engine.begin() as connection:
        migrate.upgrade(connection, "0002")
        insert_story_by_hand(connection, 1, "Pentas keroncong")
    database.dispose()
    config = write_config(tmp_path, "")
    result = CliRunner().invoke(cli, ["--config", str(config), "db", "upgrade"], env={"WARTA_STORAGE_URL": url})
    assert result.exit_code == 0, result.output
    assert f"upgraded from revision 0002 to {migrate.head_revision()}" in result.output
    assert "building the search index" in result.output
    database = Database(url)
    with database.reading() as session:
        hits = search_documents(session, SearchQuery("keroncong")).hits
    database.dispose()
    assert [hit.document_id for hit in hits] == [1]


def test_upgrade_to_the_match_queue_queues_nothing_and_the_next_build_matches_the_archive_once(db_url: str) -> None:
    database = Database(db_url)
    matcher = TopicMatcher([TopicRule("music", any=("keroncong",))])
    try:
        with database.engine.begin() as connection:
            migrate.upgrade(connection, "0005")
            insert_story_by_hand(connection, 1, "Pentas keroncong")
            connection.execute(
                text("INSERT INTO state (key, value, updated_at) VALUES (:key, :value, '2026-01-01 00:00:00.000000')"),
                [{"key": FINGERPRINT_KEY, "value": matcher.fingerprint}, {"key": OLD_MARK_KEY, "value": "1"}],
            )
        database.upgrade()
        with database.reading() as session:
            assert session.scalar(select(func.count()).select_from(PendingMatch)) == 0
            assert get_state(session, FINGERPRINT_KEY) is get_state(session, OLD_MARK_KEY) is None
        report = bring_memberships_up_to_date(database, matcher)
        assert report is not None and (report.documents, report.memberships) == (1, 1)
        assert bring_memberships_up_to_date(database, matcher) is None
        assert catch_up_memberships(database, matcher) == 0
    finally:
        database.dispose()


def test_upgrade_to_revision_times_dates_revisions_by_their_capture_and_keeps_the_recording_time(db_url: str) -> None:
    database = Database(db_url)
    try:
        with database.engine.begin() as connection:
            migrate.upgrade(connection, "0006")
            insert_story_by_hand(connection, 1, "Pentas keroncong")  # recorded 2026-01-01 00:00:00
            insert_story_by_hand(connection, 2, "Pentas gambang")  # no capture
            connection.execute(
                text(
                    "INSERT INTO captures (id, url, method, status, reason, http_version, request_headers, "
                    "response_headers, fetched_at, body_size) VALUES (1, 'https://disbud.jakarta.go.id/berita/1', "
                    "'GET', 200, 'OK', 'HTTP/1.1', '[]', '[]', '2025-12-31 23:59:57.250000', 0)"
                )
            )
            connection.execute(text("UPDATE revisions SET capture_id = 1 WHERE id = 1"))
        database.upgrade()
        with database.reading() as session:
            times = {
                revision.id: (revision.fetched_at, revision.recorded_at)
                for revision in session.scalars(select(Revision).order_by(Revision.id))
            }
    finally:
        database.dispose()
    recorded = datetime(2026, 1, 1, tzinfo=UTC)
    assert times == {
        1: (datetime(2025, 12, 31, 23, 59, 57, 250000, tzinfo=UTC), recorded),
        2: (recorded, recorded),
    }


def test_upgrade_to_document_bands_stores_the_keys_of_existing_documents(db_url: str) -> None:
    # an original recorded before the upgrade must be found by a copy recorded after it
    database = Database(db_url)
    body = "\n".join(
        [
            "Dinas Kebudayaan menggelar pentas keroncong di Taman Ismail Marzuki pada Sabtu malam bersama "
            "orkes keroncong Tugu dan penyanyi muda dari berbagai sanggar di Jakarta.",
            "Pentas ini terbuka untuk umum tanpa biaya dan menjadi bagian dari rangkaian menuju 500 tahun "
            "Jakarta, dengan tempat duduk yang dibagikan sesuai urutan kedatangan penonton.",
        ]
    )
    try:
        with database.engine.begin() as connection:
            migrate.upgrade(connection, "0006")
            # a high id: on PostgreSQL the id sequence does not know of rows inserted by hand
            insert_story_by_hand(connection, 1000, body)
        database.upgrade()
        with database.reading() as session:
            keys = session.execute(select(DocumentBand.band, DocumentBand.key).where(DocumentBand.document_id == 1000))
            assert sorted((band, key) for band, key in keys) == sorted(band_keys(shingles(body)))
        with database.transaction() as session:
            url = "https://www.antaranews.com/berita/pentas-keroncong"
            copy = record_page(session, page(url, text="JAKARTA (ANTARA) - " + body, fetched_at=later(1)))
        assert copy.cluster_id == 1000
    finally:
        database.dispose()


# what migration 0011 drops: documents' SimHash, its four bands and their indexes, and revisions' SimHash
SIMHASH_SCHEMA = {
    "documents.simhash",
    *(f"documents.simhash_band{band}" for band in range(4)),
    *(f"documents.ix_documents_simhash_band{band}" for band in range(4)),
    "revisions.simhash",
}


def _simhash_schema(database: Database) -> set[str]:
    """Return the SimHash columns of documents and revisions, and the band indexes, as table.name."""
    with database.engine.connect() as connection:
        schema = inspect(connection)
        names = {f"documents.{index['name']}" for index in schema.get_indexes("documents")}
        for table in ("documents", "revisions"):
            names |= {f"{table}.{column['name']}" for column in schema.get_columns(table)}
    return {name for name in names if "simhash" in name}


def test_upgrade_dropping_the_simhash_keeps_the_archive(db_url: str) -> None:
    database = Database(db_url)
    try:
        with database.engine.begin() as connection:
            migrate.upgrade(connection, "0010")
            insert_story_by_hand(connection, 1000, ARTICLE)
            connection.execute(text("UPDATE documents SET simhash = -5, simhash_band0 = 7 WHERE id = 1000"))
            connection.execute(text("INSERT INTO document_bands (document_id, band, key) VALUES (1000, 0, 42)"))
        assert _simhash_schema(database) == SIMHASH_SCHEMA  # negative control: they were there before
        database.upgrade()
        assert _simhash_schema(database) == set()
        with database.reading() as session:
            document = session.get(Document, 1000)
            revision = session.scalars(select(Revision).where(Revision.document_id == 1000)).one()
            keys = session.execute(select(DocumentBand.band, DocumentBand.key)).all()
            assert document is not None and document.url == "https://disbud.jakarta.go.id/berita/1000"
            assert (revision.number, revision.text) == (1, ARTICLE)
            assert [tuple(key) for key in keys] == [(0, 42)]
        with database.transaction() as session:
            changed = record_page(session, page("https://disbud.jakarta.go.id/berita/1000", fetched_at=later(1)))
        assert (changed.outcome, changed.revision_number) == (Outcome.CHANGED, 2)
    finally:
        database.dispose()


def test_downgrade_from_dropping_the_simhash_brings_the_columns_back_empty(archive: Database) -> None:
    with archive.transaction() as session:
        record_page(session, page())
    with archive.engine.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), "0010")
    assert _simhash_schema(archive) == SIMHASH_SCHEMA
    with archive.engine.connect() as connection:
        assert connection.execute(text("SELECT simhash FROM revisions")).scalars().all() == [None]
    assert archive.upgrade() == ("0010", migrate.head_revision())
