"""The metric names a PromQL expression reads, found by a small tokenizer (no PromQL parser ships for Python).

It knows enough of the grammar for the rules and the dashboard: strings, label
matchers in braces, ranges in brackets, Grafana variables, function calls, and
the label lists after by/without/on/ignoring/group_left/group_right. Every other
name is a metric.
"""

from __future__ import annotations

import re

TOKEN = re.compile(
    r"""
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
    |(?P<variable>\$\{[^}]*\}|\$\w+)
    |(?P<matchers>\{(?:"(?:[^"\\]|\\.)*"|[^}"])*\})
    |(?P<range>\[[^\]]*\])
    |(?P<number>\d[\w.]*)
    |(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)
    |(?P<space>\s+)
    |(?P<other>.)
    """,
    re.VERBOSE,
)
# Names followed by a parenthesised list of label names, not by an expression.
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
OPERATOR_KEYWORDS = {"and", "or", "unless", "bool", "offset", "atan2", "group_left", "group_right"}
# Aggregations may come before their by/without clause: `sum by (source) (...)`.
AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio",
}  # fmt: skip


def tokens(expression: str) -> list[tuple[str, str]]:
    """Return the (kind, text) tokens of an expression, without white space."""
    found = [(match.lastgroup or "other", match.group()) for match in TOKEN.finditer(expression)]
    return [(kind, text) for kind, text in found if kind != "space"]


def metric_names(expression: str) -> set[str]:
    """Return the metric names an expression selects."""
    parts = tokens(expression)
    names: set[str] = set()
    position = 0
    while position < len(parts):
        kind, text = parts[position]
        following = parts[position + 1][1] if position + 1 < len(parts) else ""
        if kind == "name" and text in LABEL_LIST_KEYWORDS and following == "(":
            position = parts.index(("other", ")"), position) + 1
            continue
        if kind == "name" and following != "(" and text not in OPERATOR_KEYWORDS | AGGREGATIONS:
            names.add(text)
        position += 1
    return names
