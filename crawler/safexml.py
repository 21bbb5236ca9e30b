"""Parsing untrusted XML (feeds, sitemaps) safely, and bounded decompression of gzipped bodies.

The parser never resolves entities, never reaches the network and refuses huge
trees, so a billion-laughs or XXE document cannot expand or leak files. A gzipped
body is decompressed in chunks and refused once it passes the size limit, so a
small "zip bomb" cannot exhaust memory.
"""

from __future__ import annotations

import zlib

from lxml import etree

from warta.crawler.errors import CrawlerError


class UnsafeXmlError(CrawlerError, ValueError):
    """Raised when XML cannot be parsed safely: malformed, too large, or too large once decompressed."""


def parse_xml(body: bytes, max_bytes: int) -> etree._Element:
    """Return the root element of `body`, parsed without entity resolution or network access."""
    if len(body) > max_bytes:
        raise UnsafeXmlError(f"XML body of {len(body)} bytes is larger than the limit of {max_bytes} bytes")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, recover=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXmlError(f"not well-formed XML: {exc}") from exc
    if root is None:
        raise UnsafeXmlError("empty XML document")
    return root


def is_gzipped(body: bytes) -> bool:
    """Return True when the body starts with the gzip magic bytes."""
    return body[:2] == b"\x1f\x8b"


def gunzip_bounded(body: bytes, max_bytes: int) -> bytes:
    """Return the decompressed gzip `body`, refusing output larger than `max_bytes`."""
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    chunks: list[bytes] = []
    size = 0
    data = body
    try:
        while data:
            chunk = decompressor.decompress(data, 64 * 1024)
            size += len(chunk)
            if size > max_bytes:
                raise UnsafeXmlError(f"gzipped body expands past the limit of {max_bytes} bytes")
            chunks.append(chunk)
            data = decompressor.unconsumed_tail
        chunks.append(decompressor.flush())
    except zlib.error as exc:
        raise UnsafeXmlError(f"broken gzip data: {exc}") from exc
    return b"".join(chunks)


def local_name(element: etree._Element) -> str:
    """Return the tag of `element` without its namespace."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""
