"""Provenance of an export: who made it, how the archive was crawled, and which snapshot it is.

One `Provenance` value is built per export from the config and the snapshot
row reserved for it, and every writer reads it: the WARC's warcinfo record
(operator, user agent, robots policy, isPartOf, crawl configuration), the
bag's bag-info (External-Identifier, Contact-Email, Bag-Group-Identifier) and
the bag's crawl-log.jsonl. Field names follow the WARC 1.1 specification's
warcinfo annex and RFC 8493. Secrets never leave the config: URLs are masked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from warta.config import VERSION, WartaConfig
from warta.config.secrets import mask_text, mask_url
from warta.storage.exports import RunLogRow

WARC_CONFORMS_TO = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"


def snapshot_identifier(snapshot_id: int) -> str:
    """Return the name an export carries for its snapshot (a WARC's isPartOf, a bag's External-Identifier)."""
    return f"warta-snapshot-{snapshot_id}"


@dataclass(frozen=True)
class Provenance:
    """What an export says about where it comes from."""

    organization: str
    description: str
    contact: str | None = None
    user_agent: str = ""
    obey_robots: bool = True
    snapshot_id: int | None = None
    series: tuple[int, ...] = ()
    crawl_config: dict[str, Any] = field(default_factory=dict)

    @property
    def operator(self) -> str:
        """Return the operator as a warcinfo names it: the organization and, when configured, its address."""
        return f"{self.organization} <{self.contact}>" if self.contact else self.organization

    @property
    def identifier(self) -> str | None:
        """Return the snapshot's identifier, or None outside a recorded export."""
        return snapshot_identifier(self.snapshot_id) if self.snapshot_id is not None else None

    @property
    def group_identifier(self) -> str | None:
        """Return the identifier of the incremental series this export continues (its full export), or None."""
        return snapshot_identifier(self.series[0]) if len(self.series) > 1 else None

    def warcinfo_fields(self) -> dict[str, str]:
        """Return the fields of the warcinfo record, in order, each on one line."""
        fields = {
            "software": f"warta/{VERSION} (warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": WARC_CONFORMS_TO,
            "operator": self.operator,
            "organization": self.organization,
            "http-header-user-agent": self.user_agent,
            "robots": "obey" if self.obey_robots else "ignore",
            "isPartOf": self.identifier or "",
            "description": self.description,
        }
        if self.crawl_config:
            fields["warta-crawl-config"] = json.dumps(self.crawl_config, sort_keys=True)
        # a warc-fields value is one line: a stray line break in a config value must not start a new field
        return {name: " ".join(value.split()) for name, value in fields.items() if value}

    def bag_info(self) -> dict[str, str]:
        """Return the bag-info fields this provenance adds (RFC 8493 reserved names)."""
        info: dict[str, str] = {}
        if self.identifier:
            info["External-Identifier"] = self.identifier
        if self.contact:
            info["Contact-Email"] = self.contact
        if self.group_identifier:
            info["Bag-Group-Identifier"] = self.group_identifier
            # the series is open-ended, so its size is unknown: RFC 8493 writes that as '?'
            info["Bag-Count"] = f"{len(self.series)} of ?"
        return info


def build_provenance(
    cfg: WartaConfig,
    description: str,
    source_ids: Sequence[str] = (),
    snapshot_id: int | None = None,
    series: Sequence[int] = (),
) -> Provenance:
    """Return the provenance of an export of `source_ids` (all configured sources when empty)."""
    return Provenance(
        organization=cfg.archive.organization,
        description=description,
        contact=cfg.archive.contact,
        user_agent=cfg.crawler.user_agent,
        obey_robots=cfg.crawler.obey_robots,
        snapshot_id=snapshot_id,
        series=tuple(series),
        crawl_config=crawl_configuration(cfg, source_ids),
    )


def crawl_configuration(cfg: WartaConfig, source_ids: Sequence[str] = ()) -> dict[str, Any]:
    """Return the [crawler] settings and the configured sources among `source_ids` (all when empty), masked."""
    wanted = set(source_ids)
    sources = [source for source in cfg.sources if not wanted or source.id in wanted]
    dumped = []
    for source in sources:
        values = source.model_dump(mode="json")
        values["urls"] = [mask_url(url) for url in values["urls"]]
        dumped.append(values)
    configuration = {"crawler": cfg.crawler.model_dump(mode="json"), "sources": dumped}
    # a URL with a password may also sit in a free-text value; the dump goes out masked as a whole
    masked: dict[str, Any] = json.loads(mask_text(json.dumps(configuration)))
    return masked


def write_crawl_log(runs: Iterable[RunLogRow], out: IO[str]) -> int:
    """Write one JSON line per crawl run to `out`; return how many runs were written."""
    written = 0
    for run in runs:
        line = {
            "run": run.id,
            "source": run.source_id,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "status": run.status,
            "error": mask_text(run.error),
            "counts": run.counts,
            "failed_pages": [{"url": mask_url(url), "reason": mask_text(reason)} for url, reason in run.failed_pages],
        }
        out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        written += 1
    return written
