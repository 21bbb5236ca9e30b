"""Masking of credentials, so that no password reaches output or logs: secret fields and URLs with passwords."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit, urlunsplit

from pydantic import PlainSerializer, SecretStr

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


# A password in the config: str() and repr() show '**********' (pydantic's SecretStr), and a JSON dump
# (`warta config show`) writes '***'; only `reveal` gives the value, where it is sent to a server.
Secret = Annotated[SecretStr, PlainSerializer(lambda _secret: "***", return_type=str, when_used="json")]


def reveal(secret: SecretStr | None) -> str | None:
    """Return the value of a secret config field, for the one place that sends it."""
    return secret.get_secret_value() if secret is not None else None


def mask_text(text: str) -> str:
    """Return `text` with the password of every URL inside it replaced by ***."""
    return _USERINFO_PASSWORD.sub(r"\g<scheme>\g<user>:***@", text)
