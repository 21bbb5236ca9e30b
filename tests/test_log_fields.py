"""Log lines keep their structured fields: JSON keys in --log-format json, key=value pairs in the text format."""

from __future__ import annotations

import json
import logging

import pytest

from warta.cli.logs import JsonLineFormatter, MaskingFormatter

FIELDS = {"event": "crawl.finished", "source": "kabar", "run_id": 12, "duration_seconds": 4.2, "error": "HTTP 500 x"}


def record(**extra: object) -> logging.LogRecord:
    made = logging.LogRecord(
        "warta.daemon.crawl_job", logging.INFO, __file__, 1, "crawl of %s finished", ("kabar",), None
    )
    made.__dict__.update(extra)
    return made


def test_json_lines_carry_the_extra_fields_as_keys() -> None:
    entry = json.loads(JsonLineFormatter().format(record(**FIELDS)))
    assert entry["message"] == "crawl of kabar finished"
    assert {key: entry[key] for key in FIELDS} == FIELDS


def test_text_lines_carry_the_fields_as_key_value_pairs_after_the_message() -> None:
    line = MaskingFormatter("%(levelname)s %(name)s: %(message)s").format(record(**FIELDS))
    assert line == (
        "INFO warta.daemon.crawl_job: crawl of kabar finished "
        'event=crawl.finished source=kabar run_id=12 duration_seconds=4.2 error="HTTP 500 x"'
    )


@pytest.mark.parametrize("formatter", [JsonLineFormatter(), MaskingFormatter()], ids=["json", "text"])
def test_a_line_without_fields_is_unchanged_and_fields_never_show_a_password(formatter: logging.Formatter) -> None:
    plain = formatter.format(record())
    assert "event" not in plain and "run_id" not in plain
    leaky = formatter.format(record(url="postgresql://warta:hunter2@db/warta"))
    assert "hunter2" not in leaky and "warta:***@db" in leaky
