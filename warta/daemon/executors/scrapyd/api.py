"""A client of one Scrapyd node's HTTP JSON API (daemonstatus, schedule, listjobs, cancel, addversion).

Credentials come from the node URL (http://user:password@host:6800) or from
[daemon] scrapyd_username/scrapyd_password; every message names the node by its
masked URL, so no password reaches a log or an error.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from warta.config.errors import WartaError
from warta.config.schema import VERSION
from warta.config.secrets import mask_text, mask_url
from warta.crawler.http_client import http_client

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
USER_AGENT = f"warta/{VERSION} (scrapyd client)"


class ScrapydError(WartaError):
    """Raised when a node answers but refuses the request (unknown project, bad egg, auth)."""


class NodeUnreachableError(ScrapydError):
    """Raised when a node does not answer at all (refused, timed out, or not Scrapyd)."""


@dataclass(frozen=True)
class NodeLoad:
    """How busy a node is, from daemonstatus.json."""

    running: int
    pending: int

    @property
    def busy(self) -> int:
        """Return the number of jobs the node has taken on."""
        return self.running + self.pending


@dataclass(frozen=True)
class JobStates:
    """The job ids of one project on a node, by state (from listjobs.json)."""

    pending: frozenset[str]
    running: frozenset[str]
    finished: frozenset[str]

    def state_of(self, job_id: str) -> str | None:
        """Return 'pending', 'running' or 'finished', or None when the node does not know the job."""
        for state in ("running", "pending", "finished"):
            if job_id in getattr(self, state):
                return state
        return None


class ScrapydNode:
    """One Scrapyd node, addressed by its base URL."""

    def __init__(
        self,
        url: str,
        username: str | None = None,
        password: str | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        username = urllib.parse.unquote(parts.username) if parts.username else username
        password = urllib.parse.unquote(parts.password) if parts.password is not None else password
        netloc = parts.hostname or ""
        if parts.port is not None:
            netloc = f"{netloc}:{parts.port}"
        self.base_url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        self.label = mask_url(url)
        self.timeout_seconds = timeout_seconds
        self._auth = (username, password or "") if username is not None else None

    def __repr__(self) -> str:
        return f"ScrapydNode({self.label!r})"

    def load(self) -> NodeLoad:
        """Return the node's running and pending job counts."""
        answer = self._call("GET", "daemonstatus.json")
        return NodeLoad(int(answer.get("running", 0)), int(answer.get("pending", 0)))

    def latest_version(self, project: str) -> str:
        """Return the project's newest deployed version; raise ScrapydError when it was never deployed."""
        answer = self._call("GET", "listversions.json", [("project", project)])
        versions = [str(version) for version in answer.get("versions", [])]
        if not versions:
            raise ScrapydError(f"{self.label} has no version of project {project!r}; run `warta deploy` first")
        return versions[-1]

    def schedule(
        self, project: str, spider: str, arguments: Mapping[str, str], job_id: str | None = None, version: str = ""
    ) -> str:
        """Queue a job of `spider` with `arguments` (on `version`, default the newest); return its job id."""
        job_id = job_id or uuid.uuid4().hex
        fields = [("project", project), ("spider", spider), ("jobid", job_id), *arguments.items()]
        if version:
            # Naming the version also spares the node a `scrapy list` run: it knows that version's spiders.
            fields.append(("_version", version))
        answer = self._call("POST", "schedule.json", fields)
        return str(answer.get("jobid", job_id))

    def jobs(self, project: str) -> JobStates:
        """Return the project's job ids on the node by state."""
        answer = self._call("GET", "listjobs.json", [("project", project)])

        def ids(state: str) -> frozenset[str]:
            return frozenset(str(job["id"]) for job in answer.get(state, []))

        return JobStates(ids("pending"), ids("running"), ids("finished"))

    def cancel(self, project: str, job_id: str) -> str | None:
        """Stop a job (SIGINT lets Scrapy close its run); return its state before, None when unknown."""
        answer = self._call("POST", "cancel.json", [("project", project), ("job", job_id)])
        state = answer.get("prevstate")
        return str(state) if state else None

    def add_version(self, project: str, version: str, egg: bytes) -> int:
        """Upload an egg as a version of the project; return how many spiders the node found in it."""
        body, content_type = _multipart([("project", project), ("version", version)], ("egg", "project.egg", egg))
        answer = self._send("POST", "addversion.json", body, content_type)
        return int(answer.get("spiders", 0))

    def _call(self, method: str, endpoint: str, fields: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
        encoded = urllib.parse.urlencode(list(fields))
        if method == "GET":
            return self._send("GET", f"{endpoint}?{encoded}" if encoded else endpoint, None, None)
        return self._send("POST", endpoint, encoded.encode(), "application/x-www-form-urlencoded")

    def _send(self, method: str, endpoint: str, body: bytes | None, content_type: str | None) -> dict[str, Any]:
        headers = {"Content-Type": content_type} if content_type else {}
        name = endpoint.split("?", 1)[0]
        try:
            with http_client(USER_AGENT, self.timeout_seconds, auth=self._auth) as client:
                response = client.request(method, f"{self.base_url}/{endpoint}", content=body, headers=headers)
        except httpx.HTTPError as exc:
            reason = mask_text(str(exc)) or type(exc).__name__  # masked: it may name the URL with its password
            raise NodeUnreachableError(f"{self.label} does not answer ({reason})") from None
        if response.status_code == 401:
            raise ScrapydError(
                f"{self.label} refused {name}: wrong or missing credentials; set them in the node URL "
                "or in [daemon] scrapyd_username/scrapyd_password"
            )
        if response.status_code >= 400:
            raise NodeUnreachableError(f"{self.label} answered {name} with HTTP {response.status_code}")
        raw = response.content
        try:
            answer = json.loads(raw)
        except ValueError:
            raise NodeUnreachableError(f"{self.label} answered {name} with something other than JSON") from None
        if not isinstance(answer, dict) or answer.get("status") != "ok":
            message = answer.get("message", answer) if isinstance(answer, dict) else answer
            raise ScrapydError(f"{self.label} refused {name}: {message}")
        return answer


def _multipart(fields: Sequence[tuple[str, str]], file: tuple[str, str, bytes]) -> tuple[bytes, str]:
    """Return a multipart/form-data body with the fields and one file, and its content type."""
    boundary = uuid.uuid4().hex
    chunks: list[bytes] = []
    for name, value in fields:
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    name, filename, data = file
    chunks.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    chunks.append(data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
