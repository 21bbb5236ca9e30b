"""Masking of credentials inside URLs, so that no password reaches output or logs."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_USERINFO_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<password>[^@/\s]*)@")


def mask_url(url: str) -> str:
    """Return `url` with any password replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO_PASSWORD.sub(r"\g<scheme>\g<user>:***@", url)
    if parts.password is None:
        return _USERINFO_PASSWORD.sub(r"\g<scheme>\g<user>:***@", url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def mask_text(text: str) -> str:
    """Return `text` with the password of every URL inside it replaced by ***."""
    return _USERINFO_PASSWORD.sub(r"\g<scheme>\g<user>:***@", text)
