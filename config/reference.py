"""The configuration reference in Markdown, generated from the schema.

docs/configuration.md embeds this text between markers; tests/config/test_reference.py
fails when that page and the schema disagree, and `warta config reference
--write docs/configuration.md` brings the page up to date.
"""

from __future__ import annotations

import re
import types
import typing
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from warta.config.durations import format_duration
from warta.config.schedules import CronSchedule, IntervalSchedule, Schedule
from warta.config.schema import JsonMapping, SnapshotConfig, SourceConfig, TopicConfig, WartaConfig
from warta.config.secrets import SecretUrl

START_MARKER = "<!-- config-reference:start -->"
END_MARKER = "<!-- config-reference:end -->"
TABLES: list[tuple[str, type[BaseModel]]] = [
    ("[[sources]]", SourceConfig),
    ("[sources.json]", JsonMapping),
    ("[[topics]]", TopicConfig),
    ("[[snapshots]]", SnapshotConfig),
]


def reference_markdown() -> str:
    """Return the Markdown reference of every config key: its table, type, default and help."""
    lines: list[str] = []
    sections = [
        (f"[{name}]", _model_of(field))
        for name, field in WartaConfig.model_fields.items()
        if not field.exclude and _model_of(field) is not None and not _is_list(field)
    ]
    for title, model in [*sections, *TABLES]:
        assert model is not None
        lines += [
            f"#### `{title}`",
            "",
            _first_line(model.__doc__),
            "",
            "| key | type | default | meaning |",
            "|---|---|---|---|",
        ]
        for key, field in model.model_fields.items():
            lines.append(
                f"| `{field.alias or key}` | {_type_name(field.annotation)} | {_default(field)} | "
                f"{field.description or ''} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def undocumented_keys() -> list[str]:
    """Return the key paths that have no help text."""
    missing = []
    for title, model in [(f"[{name}]", _model_of(field)) for name, field in WartaConfig.model_fields.items()]:
        if model is None:
            continue
        missing += [f"{title} {key}" for key, field in model.model_fields.items() if not field.description]
    return missing


def replace_in_document(document: str, reference: str) -> str:
    """Return `document` with the text between the reference markers replaced by `reference`."""
    pattern = re.compile(re.escape(START_MARKER) + r".*?" + re.escape(END_MARKER), re.DOTALL)
    if not pattern.search(document):
        raise ValueError(f"the document has no {START_MARKER} ... {END_MARKER} block")
    return pattern.sub(lambda _match: f"{START_MARKER}\n{reference}{END_MARKER}", document)


def write_into(path: Path) -> bool:
    """Update the reference block of the file at `path`; return True when it changed."""
    document = path.read_text(encoding="utf-8")
    updated = replace_in_document(document, reference_markdown())
    if updated != document:
        path.write_text(updated, encoding="utf-8")
    return updated != document


def _model_of(field: FieldInfo) -> type[BaseModel] | None:
    annotation = field.annotation
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _is_list(field: FieldInfo) -> bool:
    return typing.get_origin(field.annotation) is list


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if annotation == Schedule:
        return "string"  # written as text: 'every 6h' or a cron expression
    if origin in (types.UnionType, typing.Union):
        names = [_type_name(arg) for arg in typing.get_args(annotation) if arg is not type(None)]
        return " or ".join(names) + " (optional)"
    if origin is typing.Literal:
        return " \\| ".join(f'"{value}"' for value in typing.get_args(annotation))
    if origin is list:
        return f"list of {_type_name(typing.get_args(annotation)[0])}"
    if annotation is timedelta:
        return "duration"
    return {
        str: "string",
        SecretStr: "string",
        SecretUrl: "string",
        int: "integer",
        float: "number",
        bool: "boolean",
        Path: "path",
    }.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default(field: FieldInfo) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "none"
    if isinstance(value, timedelta):
        return f'`"{format_duration(value)}"`'
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str | Path | IntervalSchedule | CronSchedule | SecretUrl):
        return f'`"{value}"`'
    if isinstance(value, list):
        return "`[]`"
    return f"`{value}`"


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text else ""
