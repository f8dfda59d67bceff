"""The SQL that reads real-world billing text: timestamps, money and key-value JSON."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import duckdb
import pytest

from ingest import billing_sql


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("set TimeZone = 'America/Los_Angeles'")  # results must not depend on the session's zone
    yield c
    c.close()


def one(con, sql: str, value):
    return con.execute(f"select {sql} from (select ?::VARCHAR as x)", [value]).fetchone()[0]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-10-01T00:00:00Z", datetime(2026, 10, 1)),
        ("2026-10-01T00:00:00.000Z", datetime(2026, 10, 1)),
        ("2026-10-01 13:45:00", datetime(2026, 10, 1, 13, 45)),
        ("2026-10-01", datetime(2026, 10, 1)),
        ("2026-10-01T01:00:00+01:00", datetime(2026, 10, 1)),
        ("2026-09-30T19:00:00-0500", datetime(2026, 10, 1)),
        ("2026-10-01 02:00:00+02", datetime(2026, 10, 1)),
        ("2026-10-05 04:00:00.123 UTC", datetime(2026, 10, 5, 4, 0, 0, 123000)),
        ("10/01/2026", datetime(2026, 10, 1)),
        ("1/2/2026", datetime(2026, 1, 2)),
        ("10/01/2026 1:30:00 PM", datetime(2026, 10, 1, 13, 30)),
        ("yesterday", None),
        ("2026-13-01", None),
    ],
)
def test_timestamps_in_every_style_become_utc(con, text, expected):
    assert one(con, billing_sql.timestamp_from_text("x"), text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12.3456789012", Decimal("12.3456789012")),
        ("-25.00", Decimal("-25")),
        ("1.5E-7", Decimal("0.00000015")),
        ("0.0000000000004", Decimal("0")),  # below DECIMAL(38,12): rounded
        ("12345678901234567890.123456789012", Decimal("12345678901234567890.123456789012")),
        ("12,50", None),
        ("$5", None),
    ],
)
def test_money_is_cast_from_the_exact_text(con, text, expected):
    assert one(con, billing_sql.typed("money", "x", "VARCHAR"), text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"team":"ml"}', '{"team":"ml"}'),  # valid JSON passes through untouched
        ('{"team": "ml", "env": "prod"}', '{"team": "ml", "env": "prod"}'),
        ('"team": "search","env": "prod"', '{"team": "search","env": "prod"}'),  # Azure: no braces
        ('{""user:team"":""ml""}', '{"user:team":"ml"}'),  # CSV-doubled quotes left in the value
        ('""team"": ""ml""', '{"team": "ml"}'),  # both
        (
            '{" user:team ": "ml", "user:env ":"prod"}',
            '{"user:team":"ml","user:env":"prod"}',
        ),  # stray whitespace
        ('{"team": "a", " team": "b"}', '{"team":"a"}'),  # keys that trim alike: the first wins
        ('"team": "search" ,  " env ": "prod"', '{"team":"search","env":"prod"}'),
        (
            '{"a": " spaced value "}',
            '{"a":" spaced value "}',
        ),  # values keep their spaces (object re-serialised)
        ("{}", "{}"),
        ("not json at all", None),
    ],
)
def test_key_value_json_is_repaired(con, text, expected):
    assert one(con, billing_sql.typed("json", "x", "VARCHAR"), text) == expected


def test_identifiers_from_headers_are_quoted_and_control_characters_refused():
    assert billing_sql.ident('we"ird col') == '"we""ird col"'
    with pytest.raises(ValueError):
        billing_sql.ident("bad\ncolumn")


@pytest.mark.parametrize(
    "value, source_type",
    [
        ("TIMESTAMPTZ '2026-10-01 02:00:00+02'", "TIMESTAMP WITH TIME ZONE"),
        ("TIMESTAMP '2026-10-01 00:00:00'", "TIMESTAMP"),
        ("DATE '2026-10-01'", "DATE"),
        ("'\"2026-09-30T19:00:00-05:00\"'::JSON", "JSON"),
    ],
)
def test_typed_sources_become_utc_timestamps_too(con, value, source_type):
    sql = billing_sql.typed("timestamp", "x", source_type)
    assert con.execute(f"select {sql} from (select {value} as x)").fetchone()[0] == datetime(2026, 10, 1)
