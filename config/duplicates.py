"""Finding the key or table a TOML document sets twice, which tomllib reports without naming it.

tomllib says only "Cannot overwrite a value (at line 9, column 15)" (or "at end of
document"). This module scans the text line by line for the table headers and the
keys set under each, which is enough for a hand-written config file. It does not
parse TOML: it is called only after tomllib has refused the document, and when
its scan finds nothing the caller keeps tomllib's own message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")
_ID = re.compile(r"""^\s*id\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@dataclass(frozen=True)
class Duplicate:
    """A key (or table) set twice: where, and under which table ("" for the top level)."""

    key: str
    table: str
    first_line: int
    line: int
    is_table: bool = False

    def describe(self) -> str:
        """Return the problem as one line that names the table, the key and both lines."""
        if self.is_table:
            return (
                f"table [{self.key}] is declared twice (lines {self.first_line} and {self.line}); "
                "merge the two into one table"
            )
        path = f"{self.table}.{self.key}" if self.table else self.key
        return (
            f"{path} is set twice (lines {self.first_line} and {self.line}); "
            "a key can be set once per table, keep one of them"
        )


def find_duplicate(text: str) -> Duplicate | None:
    """Return the first key or table set twice in `text`, or None when the scan finds none."""
    tables_seen: dict[str, int] = {}
    table, keys, array_counts = "", dict[str, int](), dict[str, int]()
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_multiline = not in_multiline
            continue
        if in_multiline:
            continue
        if header := _HEADER.match(line):
            name = re.sub(r"\s*\.\s*", ".", header.group(2))
            if header.group(1) == "[[":
                array_counts[name] = array_counts.get(name, 0) + 1
                table = f"{name}[{array_counts[name] - 1}]"  # the index the schema's messages use
            else:
                if name in tables_seen:
                    return Duplicate(name, name, tables_seen[name], number, is_table=True)
                tables_seen[name] = number
                table = name
            keys = {}
            continue
        if (entry_id := _ID.match(line)) and table.endswith("]"):
            table = f"{table} ({entry_id.group(1) or entry_id.group(2)})"
        if key := _KEY.match(line):
            name = re.sub(r"\s*\.\s*", ".", key.group(1))
            if name in keys:
                return Duplicate(name, table, keys[name], number)
            keys[name] = number
    return None
