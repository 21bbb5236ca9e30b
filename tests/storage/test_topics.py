"""Topic matching: whole words and phrases, case- and accent-insensitive, narrowed by sources and languages."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from tests.storage.conftest import ARTICLE, later, page
from warta.storage.database import Database
from warta.storage.memberships import (
    FINGERPRINT_KEY,
    bring_memberships_up_to_date,
    catch_up_memberships,
    rematch_archive,
    rematch_if_needed,
)
from warta.storage.models import Revision, TopicMembership
from warta.storage.revisions import record_page
from warta.storage.state import get_state
from warta.storage.topics import TopicMatcher, TopicRule, normalize_text


def matches(rule: TopicRule, text: str, source_id: str = "disbud", language: str | None = "id") -> bool:
    return TopicMatcher([rule]).match("", text, source_id, language) == [rule.id]


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [
        (TopicRule("t", any=("Jakarta Global City",)), "Menuju jakarta global city 2030", True),
        (TopicRule("t", any=("kota global",)), "menjadi kota\n  global yang", True),
        (TopicRule("t", any=("kota global",)), "kota yang global", False),
        (TopicRule("t", any=("WCCF",)), "Jakarta bergabung dengan wccf.", True),
        (TopicRule("t", any=("WCCF",)), "produk WCCFoo terbaru", False),
        (TopicRule("t", any=("WCCF",)), "the preWCCF meeting", False),
        (TopicRule("t", any=("film",)), "Festival filmnya", False),
        (TopicRule("t", any=("Jakarta",)), "Jakarta's culture office", True),
        (TopicRule("t", any=("ondel-ondel",)), "pawai Ondel-Ondel Betawi", True),
        (TopicRule("t", any=("HUT ke-500",)), "perayaan HUT KE-500 Jakarta", True),
        (TopicRule("t", any=("kafe",)), "Kafé baru di Kemang", True),
        (TopicRule("t", any=("café",)), "kafe CAFE baru", True),
        (TopicRule("t", any=("Pekan Raya",)), "ＰＥＫＡＮ raya Jakarta", True),
        (TopicRule("t", any=("a", "museum"), all=("pameran",)), "museum tanpa acara", False),
        (TopicRule("t", any=("museum",), all=("pameran", "Kota Tua")), "Museum Fatahillah: pameran di Kota Tua", True),
        (TopicRule("t", all=("kota", "kota global")), "Jakarta kota global", True),
        (TopicRule("t", any=("festival",), none=("festival belanja",)), "Festival Belanja Jakarta", False),
        (TopicRule("t", any=("festival",), none=("festival belanja",)), "Festival Budaya Betawi", True),
    ],
    ids=[
        "phrase-case",
        "phrase-across-line-break",
        "phrase-words-apart",
        "word-case",
        "word-inside-longer-word",
        "word-after-prefix",
        "indonesian-suffix-not-a-match",
        "possessive-is-a-boundary",
        "hyphenated-term",
        "hyphenated-number-term",
        "accent-in-text",
        "accent-in-term",
        "fullwidth-letters",
        "all-term-missing",
        "all-terms-present",
        "all-terms-overlap",
        "none-term-excludes",
        "none-term-absent",
    ],
)
def test_topic_terms(rule: TopicRule, text: str, expected: bool) -> None:
    assert matches(rule, text) is expected


@pytest.mark.parametrize(
    ("rule", "source_id", "language", "expected"),
    [
        (TopicRule("t", any=("museum",), sources=("kompas",)), "kompas", "id", True),
        (TopicRule("t", any=("museum",), sources=("kompas",)), "disbud", "id", False),
        (TopicRule("t", any=("museum",), languages=("en",)), "disbud", "en-US", True),
        (TopicRule("t", any=("museum",), languages=("en",)), "disbud", "id", False),
        (TopicRule("t", any=("museum",), languages=("en",)), "disbud", None, False),
    ],
    ids=["source-listed", "source-not-listed", "language-subtag", "language-other", "language-unknown"],
)
def test_topic_sources_and_languages(rule: TopicRule, source_id: str, language: str | None, expected: bool) -> None:
    assert matches(rule, "Museum Nasional", source_id, language) is expected


def test_page_without_language_uses_its_sources_language() -> None:
    matcher = TopicMatcher([TopicRule("t", any=("museum",), languages=("en",))], {"wccf": "en"})
    assert matcher.match("", "museum", "wccf", None) == ["t"]
    assert matcher.match("", "museum", "disbud", None) == []


def test_title_counts_as_well_as_text() -> None:
    matcher = TopicMatcher([TopicRule("t", any=("WCCF",))])
    assert matcher.match("Jakarta di WCCF", "tanpa istilah", "disbud", "id") == ["t"]


def test_normalization_strips_accents_and_case() -> None:
    assert normalize_text("Kafé ÉTUDE") == "kafe etude"


def test_fingerprint_changes_with_terms_but_not_with_order() -> None:
    one = TopicMatcher([TopicRule("a", any=("x", "y")), TopicRule("b", any=("z",))])
    same = TopicMatcher([TopicRule("b", any=("z",)), TopicRule("a", any=("y", "x"))])
    other = TopicMatcher([TopicRule("a", any=("x", "y")), TopicRule("b", any=("z", "w"))])
    assert one.fingerprint == same.fingerprint
    assert one.fingerprint != other.fingerprint


def memberships(db: Database) -> set[tuple[str, str]]:
    with db.reading() as session:
        rows = session.execute(select(TopicMembership.topic_id, TopicMembership.document_id)).all()
    return {(topic_id, str(document_id)) for topic_id, document_id in rows}


def test_bringing_memberships_up_to_date_stores_and_updates_a_recorded_pages_memberships(archive: Database) -> None:
    matcher = TopicMatcher([TopicRule("heritage", any=("Betawi",)), TopicRule("wccf", any=("WCCF",))])
    with archive.transaction() as session:
        record_page(session, page())
    assert memberships(archive) == set()  # recording does not match; the build does
    bring_memberships_up_to_date(archive, matcher)
    assert {topic for topic, _ in memberships(archive)} == {"heritage"}
    edited = ARTICLE.replace("Betawi", "Sunda") + " Jakarta bergabung dengan WCCF."
    with archive.transaction() as session:
        record_page(session, page(text=edited, title="Festival Sunda", fetched_at=later(2)))
    bring_memberships_up_to_date(archive, matcher)
    with archive.reading() as session:
        row = session.scalars(select(TopicMembership)).one()
    assert (row.topic_id, row.matched_at) == ("wccf", later(2))


def test_rematch_walks_the_archive_in_batches_and_drops_removed_topics(archive: Database) -> None:
    old = TopicMatcher([TopicRule("gone-topic", any=("Betawi",))])
    with archive.transaction() as session:
        for number in range(7):
            url = f"https://disbud.jakarta.go.id/berita/{number}"
            text = ARTICLE if number % 2 else "Museum Fatahillah membuka pameran."
            record_page(session, page(url, text=text, fetched_at=later(number)))
    rematch_archive(archive, old)
    new = TopicMatcher([TopicRule("museums", any=("museum",))])
    report = rematch_archive(archive, new, batch_size=2)
    assert (report.documents, report.memberships) == (7, 4)
    assert {topic for topic, _ in memberships(archive)} == {"museums"}
    with archive.reading() as session:
        assert get_state(session, FINGERPRINT_KEY) == new.fingerprint


def test_rematch_is_skipped_while_topics_are_unchanged_and_runs_when_forced(archive: Database) -> None:
    matcher = TopicMatcher([TopicRule("heritage", any=("Betawi",))])
    with archive.transaction() as session:
        record_page(session, page())
    assert memberships(archive) == set()
    assert rematch_if_needed(archive, matcher) is not None
    assert len(memberships(archive)) == 1
    assert rematch_if_needed(archive, matcher) is None
    forced = rematch_if_needed(archive, matcher, force=True)
    assert forced is not None and forced.documents == 1


def test_catch_up_matches_only_revisions_recorded_since_the_last_match(archive: Database) -> None:
    matcher = TopicMatcher([TopicRule("heritage", any=("Betawi",))])
    rematch_if_needed(archive, matcher)
    assert catch_up_memberships(archive, matcher) == 0
    with archive.transaction() as session:
        record_page(session, page())
    assert memberships(archive) == set()
    assert catch_up_memberships(archive, matcher) == 1
    assert {topic for topic, _ in memberships(archive)} == {"heritage"}
    assert catch_up_memberships(archive, matcher) == 0


class CountingMatcher(TopicMatcher):
    """A real matcher that counts how often it matched each title (one title per revision in these tests)."""

    def __init__(self, rules: list[TopicRule]) -> None:
        super().__init__(rules)
        self.matched: Counter[str] = Counter()

    def match(self, title: str, text: str, source_id: str, language: str | None) -> list[str]:
        self.matched[title] += 1
        return super().match(title, text, source_id, language)


def test_each_new_revision_is_matched_once_across_builds(archive: Database) -> None:
    matcher = CountingMatcher([TopicRule("heritage", any=("Betawi",))])
    first, second = "https://disbud.jakarta.go.id/berita/1", "https://disbud.jakarta.go.id/berita/2"
    with archive.transaction() as session:
        record_page(session, page(first, title="first, recorded before the first build"))
        record_page(session, page(second, title="second, never edited"))
    assert bring_memberships_up_to_date(archive, matcher) is not None  # the first build matches the archive
    with archive.transaction() as session:
        record_page(session, page(first, title="first, superseded before a build", fetched_at=later(1)))
    with archive.transaction() as session:
        record_page(session, page(first, title="first, edited", fetched_at=later(2)))
    bring_memberships_up_to_date(archive, matcher)
    with archive.transaction() as session:
        record_page(session, page("https://disbud.jakarta.go.id/berita/3", title="third", fetched_at=later(3)))
    bring_memberships_up_to_date(archive, matcher)
    bring_memberships_up_to_date(archive, matcher)
    assert matcher.matched == {
        "first, recorded before the first build": 1,
        "second, never edited": 1,
        "first, edited": 1,
        "third": 1,
    }
    assert len(memberships(archive)) == 3


def test_a_revision_committed_after_a_higher_one_was_matched_is_matched_once(archive: Database) -> None:
    if archive.is_sqlite:
        pytest.skip("SQLite runs one write transaction at a time, so its revisions commit in id order")
    matcher = CountingMatcher([TopicRule("heritage", any=("Betawi",))])
    bring_memberships_up_to_date(archive, matcher)
    with archive.transaction() as late:
        slow = record_page(late, page("https://disbud.jakarta.go.id/berita/slow", title="slow crawl"))
        with archive.transaction() as session:
            quick = record_page(session, page("https://kompas.com/read/quick", source_id="kompas", title="quick"))
        bring_memberships_up_to_date(archive, matcher)
        assert matcher.matched == {"quick": 1}
    bring_memberships_up_to_date(archive, matcher)
    bring_memberships_up_to_date(archive, matcher)
    with archive.reading() as session:
        ids = {title: revision_id for title, revision_id in session.execute(select(Revision.title, Revision.id))}
    assert ids["slow crawl"] < ids["quick"]
    assert matcher.matched == {"quick": 1, "slow crawl": 1}
    assert memberships(archive) == {("heritage", str(slow.document_id)), ("heritage", str(quick.document_id))}
