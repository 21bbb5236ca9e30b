"""Credentials in the config, which show themselves masked: secret fields, and URLs that may hold a password.

A secret is a pydantic SecretStr: str(), repr() and a JSON dump (`warta config
show`, anything logged) never hold its value, so no code masks it field by
field. Only `reveal` gives the value, in the places that hand it to what uses
it (the database engine, a crawl's config, the webhook and Scrapyd clients).
`mask_url` and `mask_text` are for text that did not come from the config,
such as a database driver's error message.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, overload
from urllib.parse import urlsplit, urlunsplit

from pydantic import GetCoreSchemaHandler, PlainSerializer, SecretStr
from pydantic_core import CoreSchema, core_schema

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


class SecretUrl(SecretStr):
    """A URL that may hold a password: str(), repr() and a JSON dump show it with the password as ***.

    Unlike a plain SecretStr it is shown whole otherwise, so messages and `config show` still name the server.
    """

    def _display(self) -> str:
        return mask_url(self.get_secret_value())

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[Any], handler: GetCoreSchemaHandler) -> CoreSchema:
        from_text = core_schema.no_info_after_validator_function(cls, core_schema.str_schema())
        return core_schema.json_or_python_schema(
            json_schema=from_text,
            python_schema=core_schema.union_schema([core_schema.is_instance_schema(cls), from_text]),
            serialization=core_schema.plain_serializer_function_ser_schema(str, when_used="json"),
        )


# A password in the config: str() and repr() show '**********' and a JSON dump writes '***'.
Secret = Annotated[SecretStr, PlainSerializer(lambda _secret: "***", return_type=str, when_used="json")]


@overload
def reveal(secret: SecretStr) -> str: ...
@overload
def reveal(secret: SecretStr | None) -> str | None: ...
def reveal(secret: SecretStr | None) -> str | None:
    """Return the value of a secret config field, for the places that hand it to what uses it."""
    return secret.get_secret_value() if secret is not None else None
