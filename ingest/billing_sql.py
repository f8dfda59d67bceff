"""SQL building blocks shared by the billing formats: text to money, timestamps and JSON, the way real exports
write them.

Every function returns a DuckDB SQL expression over another expression, so a whole file is cast in one
`INSERT … SELECT` inside DuckDB (no Python loop over rows). What they accept, because real bills do it:

* nulls written as the literal `NULL` on some rows and as empty strings on others (`NULL_STRINGS`, handed to
  the CSV reader);
* timestamps as ISO `…T…Z`, as `YYYY-MM-DD HH:MM:SS`, with an explicit offset (converted to UTC), as
  BigQuery's `… UTC`, and US `MM/DD/YYYY` dates (Azure EA), all stored as a naive `TIMESTAMP` holding UTC;
  a value with no offset is UTC (FOCUS says so), never the session's time zone;
* money cast from the exact text to `DECIMAL(38,12)` (never through DOUBLE); typed sources (Parquet doubles)
  are cast directly;
* key-value JSON (`Tags`) as valid JSON, without braces (Azure), with CSV-doubled quotes left in, and with
  stray whitespace around keys (trimmed; the first of two keys that trim to the same name wins).
"""

from __future__ import annotations

import re

MONEY = "DECIMAL(38,12)"
NULL_STRINGS = ("", "NULL")
# Column kinds a layout declares; anything else in a layout is a DuckDB type used as is (GCP's nested fields).
KINDS = {"money": MONEY, "timestamp": "TIMESTAMP", "json": "JSON", "varchar": "VARCHAR"}
NESTED = ("STRUCT", "MAP", "LIST", "[]", "UNION")
TEXT_TYPES = ("VARCHAR", "JSON")

_IDENT_OK = re.compile(r"^[^\x00-\x1f\x7f]{1,255}$")
_US_DATES = "['%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %I:%M %p']"


def ident(name: str) -> str:
    """`name` as a quoted DuckDB identifier. Column names come from file headers, so this is the one place
    they are turned into SQL: control characters are refused, double quotes doubled."""
    if not _IDENT_OK.match(name):
        raise ValueError(f"unusable column name {name!r}")
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal of text from our own code (layout names, markers)."""
    return "'" + text.replace("'", "''") + "'"


def bind(sql: str, params: dict) -> tuple[str, dict]:
    """(sql, the params it names): DuckDB refuses named parameters a statement does not use."""
    return sql, {k: v for k, v in params.items() if f"${k}" in sql}


def sql_type(kind: str) -> str:
    return KINDS.get(kind, kind)


def is_nested(duck_type: str) -> bool:
    return any(marker in duck_type.upper() for marker in NESTED)


def timestamp_from_text(x: str) -> str:
    """Text → TIMESTAMP (UTC). An explicit offset is converted; no offset means UTC; then US dates."""
    time_part = f"substr({x}, 12)"  # after the date: an offset is the only + or - there
    offset = f"(length({x}) > 21 and (contains({time_part}, '+') or contains({time_part}, '-')))"
    return (
        f"(case when {offset} then timezone('UTC', try_cast({x} as TIMESTAMPTZ)) "
        f"else coalesce(try_cast({x} as TIMESTAMP), try_strptime({x}, {_US_DATES})) end)"
    )


def json_from_text(x: str) -> str:
    """Text → JSON, repairing what exports do to key-value columns; NULL when nothing makes it JSON."""
    return trim_json_keys(json_repaired(json_cast(x, "VARCHAR"), x))


def json_cast(x: str, source_type: str) -> str:
    """Step 1 of reading a JSON column: valid JSON text, or a map/struct, as JSON (NULL if text is not JSON)."""
    source_type = source_type.upper()
    if source_type == "JSON":
        return x
    return f"try_cast({x} as JSON)" if source_type == "VARCHAR" else f"to_json({x})"


def json_repaired(parsed: str, text: str) -> str:
    """Step 2: where the text did not parse, try it with braces (Azure) and with CSV-doubled quotes undone.
    A CASE, so the repairs run only on the rows that need them. Step 3 is `trim_json_keys`."""
    undoubled = f"replace({text}, '\"\"', '\"')"
    repairs = (
        f"coalesce(try_cast('{{' || {text} || '}}' as JSON), try_cast({undoubled} as JSON), "
        f"try_cast('{{' || {undoubled} || '}}' as JSON))"
    )
    return f"(case when {parsed} is not null or {text} is null then {parsed} else {repairs} end)"


def trim_json_keys(j: str) -> str:
    """A JSON object with whitespace trimmed from its keys. Only values whose text shows a key with stray
    whitespace take the slow path (rebuild the object); the rest pass through untouched."""
    text = f"{j}::VARCHAR"
    # a key with stray whitespace shows as a quote next to a blank: plain substring tests, cheaper than a regex,
    # and only on the values with a blank at all (most tag maps have none)
    blanks = ("'\" '", "' \":'")
    suspicious = (
        f"(contains({text}, ' ') and (" + " or ".join(f"contains({text}, {b})" for b in blanks) + "))"
    )
    entries = f"map_entries(try_cast({j} as MAP(VARCHAR, JSON)))"
    trimmed = f"list_transform({entries}, lambda e: {{'key': trim(e.key), 'value': e.value}})"
    first_of_each = f"list_filter({trimmed}, lambda e, i: list_position(list_transform({trimmed}, lambda f: f.key), e.key) = i)"
    rebuilt = f"coalesce(to_json(map_from_entries({first_of_each})), {j})"
    return f"(case when {suspicious} then {rebuilt} else {j} end)"


def typed(kind: str, x: str, source_type: str) -> str:
    """`x` (of DuckDB type `source_type`) as the layout's `kind`, NULL where it cannot be read."""
    source_type = source_type.upper()
    text = source_type in TEXT_TYPES
    if kind == "money":
        return f"try_cast({x} as {MONEY})"
    if kind == "timestamp":
        if text:
            return timestamp_from_text(x if source_type == "VARCHAR" else f"({x} ->> '$')")
        if "WITH TIME ZONE" in source_type or source_type == "TIMESTAMPTZ":
            return f"timezone('UTC', {x})"
        return f"try_cast({x} as TIMESTAMP)"
    if kind == "json":
        cast = json_cast(x, source_type)
        return trim_json_keys(json_repaired(cast, x) if source_type.upper() == "VARCHAR" else cast)
    if kind == "varchar":
        if is_nested(source_type):
            return f"to_json({x})::VARCHAR"
        return x if source_type == "VARCHAR" else f"{x}::VARCHAR"
    return f"try_cast({x} as {kind})"


def unreadable(kind: str) -> str | None:
    """What the quarantine says when a value of this kind cannot be read (None: kinds never quarantined)."""
    return {"money": "is not a number", "timestamp": "is not a date/time"}.get(kind)
