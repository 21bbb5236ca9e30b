"""The CDXJ index written beside a standalone WARC export, by cdxj-indexer (the indexer py-wacz uses).

One sorted line per response, revisit or resource record: SURT key, 14-digit
timestamp, and JSON with url, mime, status, digest, length, offset and the
WARC's file name, the format pywb reads from a collection's indexes folder.
Sorting spills to temporary files every 4 MB of lines, so memory stays flat
whatever the size of the WARC.
"""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)

# named, not cdxj-indexer's default list: py-wacz appends "warcinfo" to that list when it is imported
INDEXED_RECORDS = "response,revisit,resource"
# cdxj-indexer sorts 32 MB of lines in memory by default; exports keep their memory flat (bench: export)
SORT_BUFFER_BYTES = 4 * 1024 * 1024


def write_cdxj(warc: Path, index: Path, warc_name: str) -> None:
    """Index the WARC at `warc` into the new file `index`, naming the WARC `warc_name` in every line."""
    # imported here: cdxj-indexer imports pyamf, which imports pkg_resources (0.15 s), and every process
    # that imports the archive package (the daemon, `warta status`) would pay that without indexing anything
    from cdxj_indexer.main import CDXJIndexer

    indexer = CDXJIndexer(
        str(index),
        [str(warc)],
        sort=True,
        max_sort_buff_size=SORT_BUFFER_BYTES,
        filename=warc_name,
        records=INDEXED_RECORDS,
    )
    indexer.process_all()
    logger.debug("indexed %s into %s", warc_name, index)
