"""Declared raw-table schemas and the SQL that turns source records into typed rows.

A raw table is declared once as a `TableSpec`: its fields (our snake_case name, the vendor's API name, a
`kind`), its id and version (`updated_at`) columns, and which fields must be present. From that one
declaration come the DDL, the typed column list handed to DuckDB's `read_json` (the fast path), and the
per-field conversions with error detection used on text (CSV cells, Parquet columns, JSON records read
one by one on the slow path), so the fast and the slow path produce the same rows.

Kinds and their DuckDB types: `str` VARCHAR, `int` BIGINT, `float` DOUBLE, `bool` BOOLEAN, `ts` TIMESTAMP
(UTC; offsets converted on read), `money` DECIMAL(38,12) (cast from the source's text, never through
DOUBLE on the fast path), `json` JSON (maps such as usage and cost details, kept as the source wrote them),
`tags` VARCHAR[].
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.landing import TEXT_FIELDS

TYPES = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "ts": "TIMESTAMP",
    "money": "DECIMAL(38,12)",
    "json": "JSON",
    "tags": "VARCHAR[]",
}
# What DuckDB's JSON reader is asked to produce; timestamps are read with their offset, then made UTC.
READ_TYPES = dict(TYPES, ts="TIMESTAMPTZ")
KIND_WORDS = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean",
    "ts": "an ISO 8601 timestamp",
    "money": "a decimal number",
    "json": "valid JSON",
    "tags": "a list of strings",
}
LINEAGE_DDL = """
    _source      VARCHAR NOT NULL,
    _batch_id    VARCHAR NOT NULL,
    _location    VARCHAR NOT NULL,
    _line        BIGINT,
    _ingested_at TIMESTAMP NOT NULL"""
LINEAGE = ("_source", "_batch_id", "_location", "_line", "_ingested_at")
# Every prompt/completion field name, in both spellings, removed from a record before it is quarantined.
STRIP_PATCH = "{" + ",".join(f'"{name}":null' for name in sorted(TEXT_FIELDS)) + "}"


def q(name: str) -> str:
    """A quoted SQL identifier (names come from our specs, never from input)."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """A SQL string literal for text from our own specs (JSON paths, field names)."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Field:
    name: str  # raw column name: the vendor's snake_case export name
    kind: str
    api: str | None = None  # the camelCase API name when it differs
    alt: tuple[str, ...] = ()  # other names the same value goes by in some shapes (v1 API, old exports)

    @property
    def api_name(self) -> str:
        return self.api or self.name

    def source_name(self, naming: str) -> str:
        return self.api_name if naming == "api" else self.name

    def source_names(self, naming: str) -> tuple[str, ...]:
        """Every name the value may be found under, preferred first."""
        return (self.source_name(naming), *self.alt)


@dataclass(frozen=True)
class TableSpec:
    table: str  # raw.<source>_<entity>
    fields: tuple[Field, ...]
    id: str
    version: str | None  # the column that orders versions of one id (updated_at); None: later batch wins
    required: tuple[str, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def ddl(self) -> str:
        cols = ",\n".join(f"    {q(f.name)} {TYPES[f.kind]}" for f in self.fields)
        return f"create table if not exists {self.table} (\n{cols},{LINEAGE_DDL}\n)"

    def _read(self, naming: str) -> list[tuple[str, str]]:
        return [(n, READ_TYPES[f.kind]) for f in self.fields for n in f.source_names(naming)]

    def read_columns(self, naming: str) -> str:
        """DuckDB `columns=` struct for read_json (the vendor's spelling, read types)."""
        return "{" + ", ".join(f"{lit(n)}: {lit(t)}" for n, t in self._read(naming)) + "}"

    def read_struct(self, naming: str) -> str:
        """The record type inside an API envelope `{"data": [record…]}`."""
        return "STRUCT(" + ", ".join(f"{q(n)} {t}" for n, t in self._read(naming)) + ")"

    def typed_select(self, naming: str, prefix: str = "") -> str:
        """Select list turning fast-path read columns into raw columns (UTC timestamps, renamed)."""
        out = []
        for f in self.fields:
            names = [prefix + q(n) for n in f.source_names(naming)]
            src = names[0] if len(names) == 1 else f"coalesce({', '.join(names)})"
            expr = f"timezone('UTC', {src})" if f.kind == "ts" else src
            out.append(f"{expr} as {q(f.name)}")
        return ", ".join(out)

    def missing_required(self) -> str:
        """SQL condition true for a staged row that lacks a required field."""
        return " or ".join(f"{q(n)} is null" for n in self.required)

    # the slow path: text cells -> typed values, naming the first bad field ------------------------
    def text_select(self, cells: dict[str, str]) -> str:
        """Select list over text cells (`cells[field] = SQL text expression`) giving typed columns plus
        `_error_field` and `_error_reason` for the first field that is missing or does not convert."""
        typed = {f.name: _convert(f.kind, cells[f.name]) for f in self.fields}
        checks = [(n, f"{cells[n]} is null", f"{n} is missing") for n in self.required]
        checks += [
            (f.name, f"{cells[f.name]} is not null and {typed[f.name]} is null", None)
            for f in self.fields
            if f.kind != "str"
        ]
        field_case = "case " + " ".join(f"when {cond} then {lit(n)}" for n, cond, _ in checks) + " end"
        reason_parts = []
        for n, cond, fixed in checks:
            if fixed:
                reason_parts.append(f"when {cond} then {lit(fixed)}")
            else:
                word = KIND_WORDS[self.field(n).kind]
                reason_parts.append(
                    f"when {cond} then {lit(n + ' is not ' + word + ': ')} || left({cells[n]}::varchar, 60)"
                )
        reason_case = "case " + " ".join(reason_parts) + " end"
        cols = ", ".join(f"{typed[f.name]} as {q(f.name)}" for f in self.fields)
        return f"{cols}, {field_case} as _error_field, {reason_case} as _error_reason"


def _convert(kind: str, cell: str) -> str:
    if kind == "str":
        return cell
    if kind == "ts":
        return f"timezone('UTC', try_cast({cell} as TIMESTAMPTZ))"
    if kind == "json":
        return f"case when json_valid({cell}) then ({cell})::JSON end"
    return f"try_cast({cell} as {TYPES[kind]})"


def json_cells(spec: TableSpec, naming: str, rec: str) -> dict[str, str]:
    """Text cells of a JSON record column `rec`: scalars as their string value, maps/lists as JSON text."""
    cells = {}
    for f in spec.fields:
        exprs = []
        for name in f.source_names(naming):
            path = lit("$." + q(name))
            if f.kind in ("json", "tags"):
                exprs.append(f"nullif(json_extract({rec}, {path})::varchar, 'null')")
            else:
                exprs.append(f"json_extract_string({rec}, {path})")
        cells[f.name] = exprs[0] if len(exprs) == 1 else f"coalesce({', '.join(exprs)})"
    return cells


def stripped_json(rec: str) -> str:
    """The record as JSON text without prompt/completion fields (for the quarantine)."""
    return f"json_merge_patch({rec}, {lit(STRIP_PATCH)})::varchar"
