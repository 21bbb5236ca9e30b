"""The near-duplicate evaluation: storage.dedup scored on labeled pairs of stories.

Positives are syndicated copies made by code from real stories, one kind per
transformation a syndicating site applies (an attribution line, "Baca juga:"
links, a wire dateline, the last paragraphs cut down to 60%, a reworded headline
with a photo caption) and their combinations. Negatives are pairs that must stay
apart: every pair of different stories (the same site template among them), and
the hard ones of bench/data/dedup_negatives.jsonl, written by hand: announcements
of one series differing in date, venue and performers, a festival's day-two
report, an English and an Indonesian version of one release, short notices.

The small set runs in `make test` (tests/bench/test_dedup_eval.py): the stories
of bench/data/dedup_stories.jsonl, taken from pages of ../shared/corpus
(`python -m bench.dedup_eval --write-sample` rewrote it). `make bench` runs the
same on every page of ../shared/corpus and prints recall, precision and every
false merge.

A pair counts as merged when the two share an LSH band key and pass the exact
check, as recording decides it (storage.clusters).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from bench.harness import BenchResult
from warta.storage.dedup import (
    DEFAULT_THRESHOLDS,
    DedupThresholds,
    band_keys,
    is_near_duplicate,
)
from warta.storage.shingling import Shingles, shingles, word_count

DATA = Path(__file__).resolve().parent / "data"
STORIES_PATH = DATA / "dedup_stories.jsonl"
NEGATIVES_PATH = DATA / "dedup_negatives.jsonl"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
GOALS = {"recall": 0.97, "precision": 0.995}
# a base story for positives has this many words at least: cut to 60% it stays above [dedup] min_words
MIN_BASE_WORDS = 80
SAMPLE_SITES = 12

ATTRIBUTIONS = (
    "Sumber: Dinas Kebudayaan DKI Jakarta",
    "Pewarta: Aprillio Akbar\nEditor: Riza Harahap",
    "Artikel ini telah tayang di Kompas.com dengan judul yang sama.",
    "(ANTARA) Editor: Heru Dwi Suryatmojo",
)
CAPTIONS = (
    "Sejumlah pengunjung menyaksikan pertunjukan di lokasi acara. (ANTARA FOTO/Aprillio Akbar)",
    "Suasana di lokasi acara pada Sabtu sore. (KOMPAS.com/Nabilla Ramadhian)",
)
DATELINES = ("JAKARTA (ANTARA) - ", "Jakarta, Kompas.com - ", "JAKARTA, KOMPAS.com - ", "Jakarta (ANTARA News) - ")


@dataclass(frozen=True)
class Story:
    """A real story: its id, the site it comes from, and its text, one paragraph a line."""

    id: str
    site: str
    text: str


@dataclass(frozen=True)
class Pair:
    """Two texts, whether they are one story, and the kind of pair (a transformation, or a kind of negative)."""

    id: str
    kind: str
    first: str
    second: str
    is_duplicate: bool


@dataclass
class Score:
    """Counts over the pairs, per kind, with the pairs decided wrongly."""

    positives: int = 0
    found: int = 0
    negatives: int = 0
    false_merges: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[str] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Return the share of positive pairs merged."""
        return self.found / self.positives if self.positives else 1.0

    @property
    def precision(self) -> float:
        """Return the share of merged pairs that are positives."""
        merged = self.found + self.false_merges
        return self.found / merged if merged else 1.0

    def kind_table(self) -> str:
        """Return 'kind: right/total' for every kind of pair."""
        return ", ".join(f"{kind} {right}/{total}" for kind, (right, total) in sorted(self.by_kind.items()))


# transformations: (paragraphs, rng, other titles) -> paragraphs of the copy
Transform = Callable[[list[str], random.Random], list[str]]


def add_attribution(paragraphs: list[str], rng: random.Random) -> list[str]:
    """Return the story with an attribution line at its end."""
    return [*paragraphs, rng.choice(ATTRIBUTIONS)]


def add_related_links(paragraphs: list[str], rng: random.Random) -> list[str]:
    """Return the story with "Baca juga:" links between its paragraphs."""
    copy: list[str] = []
    for position, paragraph in enumerate(paragraphs):
        copy.append(paragraph)
        if position % 2 == 1 and position < len(paragraphs) - 1:
            copy.append(f"Baca juga: {rng.choice(RELATED_TITLES)}")
    return copy


def add_dateline(paragraphs: list[str], rng: random.Random) -> list[str]:
    """Return the story with a wire dateline before its first paragraph."""
    return [rng.choice(DATELINES) + paragraphs[0], *paragraphs[1:]]


def truncate(paragraphs: list[str], rng: random.Random) -> list[str]:
    """Return the first 60% of the story's paragraphs (at least one)."""
    return paragraphs[: max(1, round(len(paragraphs) * 0.6))]


def add_caption(paragraphs: list[str], rng: random.Random) -> list[str]:
    """Return the story under a photo caption (its headline, not compared, is reworded too)."""
    return [rng.choice(CAPTIONS), *paragraphs]


RELATED_TITLES = (
    "Festival Film Jakarta Putar 120 Film dari 30 Negara",
    "Museum Fatahillah Buka hingga Malam Selama Libur Akhir Tahun",
    "Lenong Betawi Tampil di Panggung Kota Tua",
)
TRANSFORMS: dict[str, tuple[Transform, ...]] = {
    "attribution": (add_attribution,),
    "baca_juga": (add_related_links,),
    "dateline": (add_dateline,),
    "truncate_60": (truncate,),
    "headline_caption": (add_caption,),
    "attribution+dateline": (add_dateline, add_attribution),
    "truncate+attribution": (truncate, add_attribution),
    "truncate+baca_juga+caption": (truncate, add_related_links, add_caption),
    "all": (add_dateline, add_related_links, truncate, add_caption, add_attribution),
}


def load_stories(path: Path = STORIES_PATH) -> list[Story]:
    """Return the stories of the committed sample."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Story(row["id"], row["site"], row["text"]) for row in rows]


def load_hard_negatives(path: Path = NEGATIVES_PATH) -> list[Pair]:
    """Return the hand-written hard negative pairs."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Pair(row["id"], row["kind"], row["first"], row["second"], False) for row in rows]


def positive_pairs(stories: Iterable[Story]) -> list[Pair]:
    """Return each long enough story against each of its syndicated copies."""
    pairs = []
    for story in stories:
        paragraphs = [line for line in story.text.splitlines() if line.strip()]
        if word_count(story.text) < MIN_BASE_WORDS:
            continue
        for kind, steps in TRANSFORMS.items():
            rng = random.Random(f"{story.id}/{kind}")
            copy = paragraphs
            for step in steps:
                copy = step(copy, rng)
            pairs.append(Pair(f"{story.id}/{kind}", kind, story.text, "\n".join(copy), True))
    return pairs


def pair_sets(stories: list[Story], hard_negatives: list[Pair]) -> tuple[list[Pair], list[Pair]]:
    """Return (positives, hard negatives): the hand-written stories are also bases for positives."""
    bases = stories + [
        Story(pair.id, "hand-written", pair.first) for pair in hard_negatives if pair.kind != "short_notice"
    ]
    return positive_pairs(bases), hard_negatives


def score(stories: list[Story], hard_negatives: list[Pair], thresholds: DedupThresholds) -> Score:
    """Return how storage.dedup decides the positives, the hard negatives and every pair of different stories."""
    positives, negatives = pair_sets(stories, hard_negatives)
    result = Score()
    for pair in positives + negatives:
        merged = _is_merged(shingles(pair.first), shingles(pair.second), thresholds, pair)
        _count(result, pair.kind, pair.id, pair.is_duplicate, merged)
    _score_different_stories(stories, thresholds, result)
    return result


def _is_merged(first: Shingles, second: Shingles, thresholds: DedupThresholds, pair: Pair | None = None) -> bool:
    if pair is not None and min(_words(pair.first), _words(pair.second)) < thresholds.min_words:
        return False
    shares_a_band = bool(set(band_keys(first)) & set(band_keys(second)))
    return shares_a_band and is_near_duplicate(first, second, thresholds)


def _words(text: str) -> int:
    return word_count(text)


def _score_different_stories(stories: list[Story], thresholds: DedupThresholds, result: Score) -> None:
    """Count every pair of different stories as a negative; only pairs sharing a band key are checked."""
    # a page saved twice (the corpus holds one) is one story, not a pair of different ones
    distinct = {story.text: story for story in stories}.values()
    eligible = [story for story in distinct if word_count(story.text) >= thresholds.min_words]
    story_shingles = {story.id: shingles(story.text) for story in eligible}
    buckets: dict[tuple[int, int], list[str]] = defaultdict(list)
    for story_id, story in story_shingles.items():
        for band_key in band_keys(story):
            buckets[band_key].append(story_id)
    candidates = {tuple(sorted(pair)) for ids in buckets.values() for pair in combinations(ids, 2)}
    sites = {story.id: story.site for story in eligible}
    total = len(eligible) * (len(eligible) - 1) // 2
    same_site = sum(1 for first, second in combinations(eligible, 2) if first.site == second.site)
    merged_pairs = [
        (first, second)
        for first, second in sorted(candidates)
        if is_near_duplicate(story_shingles[first], story_shingles[second], thresholds)
    ]
    result.negatives += total
    result.false_merges += len(merged_pairs)
    for kind, count in (("same_site", same_site), ("different_site", total - same_site)):
        merged = sum(1 for first, second in merged_pairs if (sites[first] == sites[second]) == (kind == "same_site"))
        result.by_kind[kind][0] += count - merged
        result.by_kind[kind][1] += count
    result.merges += [f"{first} + {second}" for first, second in merged_pairs]


def _count(result: Score, kind: str, pair_id: str, is_duplicate: bool, merged: bool) -> None:
    result.by_kind[kind][1] += 1
    result.by_kind[kind][0] += merged == is_duplicate
    if is_duplicate:
        result.positives += 1
        result.found += merged
        if not merged:
            result.misses.append(pair_id)
    else:
        result.negatives += 1
        result.false_merges += merged
        if merged:
            result.merges.append(pair_id)


def corpus_stories(root: Path = CORPUS) -> list[Story]:
    """Return the main text of every page of ../shared/corpus, extracted as the crawler does."""
    from warta.crawler.extraction import extract_article

    stories = []
    for corpus in ("indonesian", "extraction"):
        folder = root / corpus
        for line in (folder / "expect.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            stem = Path(row["file"]).stem
            url = row.get("url") or f"http://{stem}/"
            extracted = extract_article((folder / row["file"]).read_bytes(), url)
            if extracted is not None and extracted.text.strip():
                stories.append(Story(f"{corpus}/{stem}", _site(row.get("url"), stem), extracted.text))
    return stories


def _site(url: str | None, stem: str) -> str:
    """Return the site of a corpus page: its host without sections (kompas.com's share one template)."""
    if not url:
        return stem.rsplit(".", 1)[0]  # pages saved without their URL are named site.topic
    parts = url.split("/")[2].removeprefix("www.").split(".")
    return ".".join(parts[-3:] if len(parts) > 2 and parts[-2] in ("co", "go", "ac", "or", "com") else parts[-2:])


def results(result: Score, label: str) -> list[BenchResult]:
    """Return the evaluation's figures held to the goals, the misses and false merges in the detail."""
    counts = f"{result.positives} positive pairs, {result.negatives:,} negative pairs; {result.kind_table()}"
    return [
        BenchResult(f"near-duplicates ({label}): recall", result.recall, GOALS["recall"], True, counts),
        BenchResult(
            f"near-duplicates ({label}): precision",
            result.precision,
            GOALS["precision"],
            True,
            f"false merges: {'; '.join(result.merges) or 'none'}; misses: {'; '.join(result.misses[:20]) or 'none'}",
        ),
    ]


def run(thresholds: DedupThresholds | None = None) -> list[BenchResult]:
    """Score the committed sample, and the whole corpus when ../shared is present."""
    thresholds = thresholds or DEFAULT_THRESHOLDS
    hard = load_hard_negatives()
    figures = results(score(load_stories(), hard, thresholds), "sample")
    if (CORPUS / "extraction" / "expect.jsonl").exists():
        figures += results(score(corpus_stories(), hard, thresholds), "../shared/corpus")
    return figures


def write_sample(path: Path = STORIES_PATH) -> int:
    """Write the committed sample: the Indonesian pages and the extraction pages of sites with two pages."""
    stories = corpus_stories()
    by_site: dict[str, list[Story]] = defaultdict(list)
    for story in stories:
        by_site[story.site].append(story)
    chosen = [story for story in stories if story.id.startswith("indonesian/")]
    for site_stories in by_site.values():
        # two stories of a site for same-template negatives, at most SAMPLE_SITES sites of the extraction corpus
        fitting = [story for story in site_stories if 150 <= word_count(story.text) <= 800]
        if len(fitting) >= 2 and not fitting[0].id.startswith("indonesian/") and len(chosen) < 17 + 2 * SAMPLE_SITES:
            chosen += fitting[:2]
    with path.open("w", encoding="utf-8") as output:
        for story in chosen:
            row = {"id": story.id, "site": story.site, "text": story.text}
            output.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(chosen)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the near-duplicate evaluation")
    parser.add_argument("--write-sample", action="store_true", help=f"rewrite {STORIES_PATH.name} from ../shared")
    arguments = parser.parse_args()
    if arguments.write_sample:
        print(f"{write_sample()} stories -> {STORIES_PATH}")
    else:
        for figure in run():
            print(f"{figure.name}: {figure.ratio:.4f} (goal {figure.goal_text()}) {figure.detail}")
