"""Finding, reading and validating warta.toml.

The file is the first of: the --config option, $WARTA_CONFIG, ./warta.toml.
$WARTA_STORAGE_URL and $WARTA_WEBHOOK_URL override the file, so that secrets
need not be written into it. Relative paths are resolved against the file's
folder. Every problem is collected and raised together as one ConfigError.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from warta.config.duplicates import find_duplicate
from warta.config.errors import ConfigError
from warta.config.executors import executor_problems
from warta.config.schema import SnapshotConfig, WartaConfig
from warta.config.secrets import SecretUrl, reveal

DEFAULT_CONFIG_NAME = "warta.toml"
# the tables of entries with an id, which messages name by index and id: sources[1] (kabar)
ENTRY_TABLES = ("sources", "topics", "snapshots")
ENV_CONFIG = "WARTA_CONFIG"
ENV_OVERRIDES = {
    "WARTA_STORAGE_URL": ("storage", "url"),
    "WARTA_WEBHOOK_URL": ("daemon", "webhook_url"),
    "WARTA_SCRAPYD_PASSWORD": ("daemon", "scrapyd_password"),
}


def locate_config(explicit: Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """Return the config file to read: `explicit`, else $WARTA_CONFIG, else ./warta.toml."""
    environ = os.environ if environ is None else environ
    if explicit is not None:
        return explicit
    if environ.get(ENV_CONFIG):
        return Path(environ[ENV_CONFIG])
    return Path(DEFAULT_CONFIG_NAME)


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> WartaConfig:
    """Read, validate and return the config; raise ConfigError listing every problem."""
    environ = os.environ if environ is None else environ
    path = locate_config(path, environ)
    if not path.is_file():
        raise ConfigError(
            [
                f"no config file at {path}; create one with `warta init` (it writes warta.toml into the "
                "current folder, or `warta init DIR` into DIR), or pass --config PATH or set $WARTA_CONFIG"
            ]
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"cannot read the file: {exc}"], str(path)) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_syntax_problem(text, exc)], str(path)) from exc
    return parse_config(raw, base_dir=path.resolve().parent, environ=environ, path=path)


def _syntax_problem(text: str, exc: tomllib.TOMLDecodeError) -> str:
    """Return the TOML syntax problem, naming the table and key when a key is set twice."""
    duplicate = find_duplicate(text) if str(exc).startswith(("Cannot overwrite", "Cannot declare")) else None
    if duplicate is not None:
        return f"not valid TOML: {duplicate.describe()}"
    return f"not valid TOML: {exc}; fix the syntax there (quote strings, close brackets; see https://toml.io)"


def no_source_warning(cfg: WartaConfig) -> str | None:
    """Return a warning when the config defines no source (nothing would be crawled), else None."""
    if cfg.sources:
        return None
    return "no source is defined, so nothing will be crawled; add a [[sources]] table (see `warta discover URL`)"


def parse_config(
    raw: dict[str, Any],
    base_dir: Path,
    environ: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> WartaConfig:
    """Validate a parsed TOML document and return the config with paths resolved against `base_dir`."""
    environ = os.environ if environ is None else environ
    raw = _apply_env_overrides(raw, environ)
    problems = _cross_reference_problems(raw)
    try:
        cfg = WartaConfig.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe(error, raw) for error in exc.errors()] + problems
        raise ConfigError(problems, str(path) if path else None) from None
    problems += executor_problems(cfg)
    if problems:
        raise ConfigError(problems, str(path) if path else None)
    return _resolve_paths(cfg, base_dir, path)


def _apply_env_overrides(raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    merged = dict(raw)
    for variable, (section, key) in ENV_OVERRIDES.items():
        value = environ.get(variable)
        if value:
            table = merged.get(section)
            merged[section] = {**(table if isinstance(table, dict) else {}), key: value}
    return merged


def _cross_reference_problems(raw: dict[str, Any]) -> list[str]:
    """Return problems that span several entries: duplicate ids and unknown source references."""
    problems: list[str] = []
    known_sources: set[str] = set()
    for table in ENTRY_TABLES:
        entries = raw.get(table)
        if not isinstance(entries, list):
            continue
        first_index: dict[str, int] = {}
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            entry_id = entry["id"]
            if entry_id in first_index:
                problems.append(
                    f"{entry_label(raw, table, index)}.id: duplicate id {entry_id!r} "
                    f"(already used by {table}[{first_index[entry_id]}]); give each entry its own id"
                )
            else:
                first_index[entry_id] = index
        if table == "sources":
            known_sources = set(first_index)
    topics = raw.get("topics")
    if isinstance(topics, list):
        for index, topic in enumerate(topics):
            if not isinstance(topic, dict):
                continue
            if not topic.get("any") and not topic.get("all"):
                problems.append(
                    f"{entry_label(raw, 'topics', index)}: the topic has no terms; give it 'any' or 'all' terms, "
                    'e.g. any = ["Jakarta kota global"]'
                )
            for ref_index, source_id in enumerate(topic.get("sources") or []):
                if isinstance(source_id, str) and source_id not in known_sources:
                    choices = ", ".join(sorted(known_sources)) or "none are configured"
                    problems.append(
                        f"{entry_label(raw, 'topics', index)}.sources[{ref_index}]: unknown source {source_id!r}; "
                        f"known sources: {choices}"
                    )
    return problems


def entry_label(raw: Mapping[str, Any], table: str, index: int) -> str:
    """Return `sources[1] (kabar)`: the entry's index in its table, with its id when it has one."""
    entries = raw.get(table)
    entry = entries[index] if isinstance(entries, list) and 0 <= index < len(entries) else None
    entry_id = entry.get("id") if isinstance(entry, dict) else None
    return f"{table}[{index}] ({entry_id})" if isinstance(entry_id, str) and entry_id else f"{table}[{index}]"


def _describe(error: Any, raw: Mapping[str, Any]) -> str:
    """Return one readable line for a pydantic error: key path, what was wrong, how to fix it."""
    location = _key_path(error["loc"], raw)
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        return f"{location}: unknown key{_suggestion(error['loc'])}; remove it or fix its spelling"
    if kind == "missing":
        return f"{location}: required key is missing; add it"
    message = error["msg"]
    if message.startswith("Value error, "):
        return f"{location}: {message.removeprefix('Value error, ')}"
    return f"{location} = {_short(value)}: {message[0].lower()}{message[1:]}"


def _key_path(location: tuple[Any, ...], raw: Mapping[str, Any]) -> str:
    parts: list[str] = []
    for item in location:
        if isinstance(item, int) and len(parts) == 1 and parts[0] in ENTRY_TABLES:
            parts[0] = entry_label(raw, parts[0], item)
        elif isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in ("function-after", "function-before", "function-plain") or str(item).startswith("function-"):
            continue
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _suggestion(location: tuple[Any, ...]) -> str:
    """Return ", did you mean 'x'?" for a misspelt key, or nothing."""
    model: type[BaseModel] | None = WartaConfig
    for item in location[:-1]:
        if model is None or isinstance(item, int):
            continue
        field = _fields_by_key(model).get(str(item))
        model = _model_of(field.annotation) if field else None
    if model is None:
        return ""
    close = difflib.get_close_matches(str(location[-1]), list(_fields_by_key(model)), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _fields_by_key(model: type[BaseModel]) -> dict[str, Any]:
    """Return a table's fields by the key written in TOML (the alias, when a field has one)."""
    return {field.alias or name: field for name, field in model.model_fields.items()}


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found:
            return found
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _resolve_paths(cfg: WartaConfig, base_dir: Path, path: Path | None) -> WartaConfig:
    storage = cfg.storage.model_copy(update={"url": SecretUrl(resolve_sqlite_url(reveal(cfg.storage.url), base_dir))})
    feeds = cfg.feeds.model_copy(update={"dir": _resolve(cfg.feeds.dir, base_dir)})
    snapshots: list[SnapshotConfig] = [
        snapshot.model_copy(update={"dir": _resolve(snapshot.dir, base_dir)}) for snapshot in cfg.snapshots
    ]
    return cfg.model_copy(
        update={
            "storage": storage,
            "feeds": feeds,
            "snapshots": snapshots,
            "config_path": path.resolve() if path else None,
        }
    )


def _resolve(path: Path, base_dir: Path) -> Path:
    return path if path.is_absolute() else base_dir / path


def resolve_sqlite_url(url: str, base_dir: Path) -> str:
    """Return a SQLite URL whose relative file path is made absolute against `base_dir`."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    rest = url[len(prefix) :]
    if not rest or rest.startswith("/") or rest.startswith(":memory:") or rest.startswith("file:"):
        return url
    return prefix + str(base_dir / rest)


def check_writable_paths(cfg: WartaConfig) -> list[str]:
    """Return problems with folders warta must write to (feeds, snapshots), each with its key path."""
    problems: list[str] = []
    candidates = [("feeds.dir", cfg.feeds.dir)] + [
        (f"snapshots[{index}] ({snapshot.id}).dir", snapshot.dir) for index, snapshot in enumerate(cfg.snapshots)
    ]
    for key, folder in candidates:
        existing = folder
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
        if not existing.is_dir():
            problems.append(f"{key}: {existing} is not a folder; point {key} at a folder")
        elif not os.access(existing, os.W_OK | os.X_OK):
            problems.append(
                f"{key}: {folder} is not writable by this user; fix its permissions or choose another folder"
            )
    return problems
