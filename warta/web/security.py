"""What every response of the archive browser carries, and the optional HTTP basic auth in front of it.

Pages get a strict Content-Security-Policy: no scripts at all, styles and images
from the app itself, frames only of the app's own sandboxed capture views. A
captured page is served with `sandbox` (no scripts, an opaque origin), so
nothing it holds runs or reaches the app's origin. Passwords are kept as a
scrypt hash in an environment variable; the hash is never logged or shown.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warta.config.errors import WartaError

PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# sandbox without allow-scripts or allow-same-origin: no script runs, and the page gets an opaque origin
CAPTURE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


class AuthConfigError(WartaError):
    """Raised when basic auth is configured but its password hash is missing or malformed."""


def hash_password(password: str) -> str:
    """Return a salted scrypt hash of `password` for the [web] auth_password_hash_env variable."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Return True when `password` matches the stored scrypt hash."""
    scheme, n, r, p, salt, digest = stored.split("$")
    computed = hashlib.scrypt(
        password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2
    )
    return scheme == "scrypt" and hmac.compare_digest(computed.hex(), digest)


def check_password_hash(stored: str, variable: str) -> str:
    """Return the stored hash if it has the form hash_password writes; raise AuthConfigError naming the variable."""
    parts = stored.strip().split("$")
    try:
        valid = len(parts) == 6 and parts[0] == "scrypt" and all(part.isdigit() for part in parts[1:4])
        valid = valid and bool(bytes.fromhex(parts[4])) and bool(bytes.fromhex(parts[5]))
    except ValueError:
        valid = False
    if not valid:
        raise AuthConfigError(
            f"${variable} does not hold a password hash; set it to the output of `warta serve --hash-password`"
        )
    return stored.strip()


def password_hash_from_environment(variable: str, environ: Mapping[str, str] | None = None) -> str:
    """Return the password hash held by the environment variable; raise AuthConfigError when it is unset."""
    value = (os.environ if environ is None else environ).get(variable, "")
    if not value:
        raise AuthConfigError(
            f"[web] auth_username is set but ${variable} is empty; set it to the output of "
            "`warta serve --hash-password` (or remove auth_username to serve a public archive)"
        )
    return check_password_hash(value, variable)


class SecurityHeaders:
    """ASGI middleware: adds the page CSP (unless the response set its own) and the common headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", PAGE_POLICY.encode()))
                headers += [header for header in COMMON_HEADERS if header[0] not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BasicAuth:
    """ASGI middleware: answers 401 unless the request carries the configured user name and password."""

    def __init__(self, app: ASGIApp, username: str, password_hash: str) -> None:
        self.app = app
        self.username = username
        self.password_hash = password_hash

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._authorized(dict(scope.get("headers", [])).get(b"authorization", b"")):
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"www-authenticate", b'Basic realm="warta archive", charset="UTF-8"'),
                        (b"content-type", b"text/plain; charset=utf-8"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b"this archive needs a user name and password\n"})
            return
        await self.app(scope, receive, send)

    def _authorized(self, header: bytes) -> bool:
        scheme, _, encoded = header.partition(b" ")
        if scheme.lower() != b"basic":
            return False
        try:
            username, _, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        # both are compared whatever the user name, so a wrong name takes as long as a wrong password
        name_ok = hmac.compare_digest(username.encode(), self.username.encode())
        return verify_password(password, self.password_hash) and name_ok
