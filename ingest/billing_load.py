"""Landing one billing file in its raw table: one typed `INSERT … SELECT`, then the quarantine.

A format module (focus, aws_cur, gcp_billing, azure_costs) describes its table once (`Layout`) and, per file,
how the file's columns map onto it (`Source`: a relation with a `_line` column, and for every target column
the SQL reading it). This module does the rest the same way for all of them:

* the raw table is created on first use; columns the file has and the table lacks (provider `x_` columns,
  legacy CUR columns that come and go month to month, anything unknown) are added as they appear, under the
  file's own names, so an analyst can `select x_UsageType` without knowing about a JSON bag;
* the whole file is cast and inserted in one statement (DuckDB reads, casts and writes in parallel). A row
  that cannot be loaded (a number or date that does not parse, a mandatory value missing) is written with a
  negative `_line`, then deleted in the same transaction and quarantined with the file, line, field and a
  reason naming the value. Only a file that had such rows is read a second time, for their text;
* `_original` keeps the source text of JSON values that had to be repaired to parse (see `billing_sql`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import duckdb

from burnrate.errors import InputError
from ingest import landing
from ingest.billing_sql import ident, literal, sql_type, typed, unreadable

LINEAGE = {
    "_batch_id": "VARCHAR",
    "_location": "VARCHAR",
    "_line": "BIGINT",
    "_ingested_at": "TIMESTAMP",
    "_original": "MAP(VARCHAR, VARCHAR)",
}


@dataclass(frozen=True)
class Layout:
    """A billing format's raw table: declared columns, mandatory values, and what one export covers."""

    source: str  # the source name in meta.* (batches, files, quarantine, state)
    table: str  # raw.<table>
    columns: dict[str, str]  # declared columns, in order -> kind (money, timestamp, json, varchar) or a type
    mandatory: tuple[str, ...]  # a row without a readable value here is quarantined
    key: tuple[str, ...]  # SQL over the raw table: (billing account, billing period[, view]) of a row
    markers: tuple[str, ...] = ()  # VARCHAR columns saying which variant of the format a row came from
    export_time: str | None = None  # SQL aggregate: the export's own timestamp, when the format carries one

    @property
    def qualified(self) -> str:
        return f"raw.{self.table}"


@dataclass(frozen=True)
class Column:
    """How to read one target column from a file's relation `s`."""

    expr: str  # SQL over `s`
    type: str  # the DuckDB type of `expr`
    raw: str | None = None  # SQL giving the source value as text (presence checks, quarantine); default expr


@dataclass
class Check:
    """A format's own rule for rejecting a row: when `bad` holds, the row is quarantined with `reason`."""

    field: str
    bad: str
    reason: str


@dataclass
class Source:
    """One file, ready to load: a relation (with `_line`), its columns, and the file's marker values."""

    relation: str  # SQL of a relation; the query names it `s`
    params: dict
    columns: dict[str, Column]
    markers: dict[str, str] = dataclasses.field(default_factory=dict)
    checks: list[Check] = dataclasses.field(default_factory=list)
    row_text: str = "to_json(s)::VARCHAR"  # the whole source row as text, for the quarantine
    mandatory: tuple[str, ...] | None = None  # this file's mandatory columns, when not the layout's


def bind(sql: str, params: dict) -> tuple[str, dict]:
    """(sql, the params it names): DuckDB refuses named parameters a statement does not use."""
    return sql, {k: v for k, v in params.items() if f"${k}" in sql}


def ensure_table(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    landing.ensure_meta(con)
    cols = {**{c: sql_type(k) for c, k in layout.columns.items()}, **dict.fromkeys(layout.markers, "VARCHAR")}
    cols |= LINEAGE
    body = ", ".join(f"{ident(c)} {t}" for c, t in cols.items())
    con.execute(f"create table if not exists {layout.qualified} ({body})")


def table_columns(con: duckdb.DuckDBPyConnection, layout: Layout) -> dict[str, str]:
    """The raw table's columns, lower-cased name -> name as created (DuckDB names are case-insensitive)."""
    rows = con.execute(
        "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = ? "
        "and database_name = current_database()",
        [layout.table],
    ).fetchall()
    return {r[0].lower(): r[0] for r in rows}


def _kind(layout: Layout, column: str, declared: dict[str, str]) -> str:
    name = declared.get(column.lower(), column)
    return layout.columns.get(name, "varchar")


@dataclass
class Loaded:
    rows: int = 0
    quarantined: int = 0


class FileLoad:
    """The SQL for one `Source` into one `Layout`, and running it inside an open batch."""

    def __init__(self, con: duckdb.DuckDBPyConnection, batch: landing.Batch, layout: Layout, src: Source):
        self.con, self.batch, self.layout, self.src = con, batch, layout, src
        self.mandatory = layout.mandatory if src.mandatory is None else src.mandatory
        missing = [c for c in self.mandatory if c not in src.columns]
        if missing:
            raise InputError(f"not a complete {layout.source} export: no {', '.join(missing)} column")
        ensure_table(con, layout)
        existing = table_columns(con, layout)
        for column in src.columns:
            if column.lower() not in existing:
                con.execute(f"alter table {layout.qualified} add column {ident(column)} VARCHAR")
        declared = {c.lower(): c for c in layout.columns}
        self.kinds = {c: _kind(layout, c, declared) for c in src.columns}
        self.values = {c: typed(self.kinds[c], col.expr, col.type) for c, col in src.columns.items()}

    def _raw(self, column: str) -> str:
        col = self.src.columns[column]
        return col.raw or col.expr

    def _problems(self) -> list[tuple[str, str, str]]:
        """(field, condition, reason SQL) for every way a row of this file can be rejected."""
        out = []
        for column in self.src.columns:
            what = unreadable(self.kinds[column])
            if what:
                raw = self._raw(column)
                cond = f"({self.values[column]} is null and {raw} is not null)"
                reason = f"{literal(f'{column} {what}: ')} || '''' || {raw}::VARCHAR || ''''"
                out.append((column, cond, reason))
        for column in self.mandatory:
            reason = literal(f"{column} is missing (a mandatory value)")
            out.append((column, f"({self._raw(column)} is null)", reason))
        out += [(c.field, f"({c.bad})", c.reason) for c in self.src.checks]
        return out

    def _original(self) -> str:
        """MAP of column -> source text for JSON values whose text had to be repaired (NULL when none)."""
        entries = []
        for column, col in self.src.columns.items():
            if self.kinds[column] == "json" and col.type.upper() == "VARCHAR":
                changed = f"case when {col.expr}::VARCHAR is distinct from ({self.values[column]})::VARCHAR then {col.expr} end"
                entries.append(f"{{'key': {literal(column)}, 'value': {changed}}}")
        if not entries:
            return "null::MAP(VARCHAR, VARCHAR)"
        kept = f"list_filter([{', '.join(entries)}], lambda e: e.value is not null)"
        return f"(case when len({kept}) > 0 then map_from_entries({kept}) end)"

    def insert(self, ingested_at) -> Loaded:
        """Insert every row; reject (delete + quarantine) the ones that break a rule. Returns the counts."""
        problems = self._problems()
        bad = " or ".join(cond for _, cond, _ in problems) or "false"
        targets = [
            *self.src.columns,
            *self.src.markers,
            "_batch_id",
            "_location",
            "_line",
            "_ingested_at",
            "_original",
        ]
        values = [
            *(self.values[c] for c in self.src.columns),
            *(literal(v) for v in self.src.markers.values()),
            "$batch_id",
            "$location",
            f"case when {bad} then -s._line else s._line end",
            "$ingested_at",
            self._original(),
        ]
        params = {
            **self.src.params,
            "batch_id": self.batch.batch_id,
            "location": self.batch.location,
            "ingested_at": ingested_at,
        }
        inserted = self.con.execute(
            *bind(
                f"insert into {self.layout.qualified} ({', '.join(ident(t) for t in targets)}) "
                f"select {', '.join(values)} from ({self.src.relation}) s",
                params,
            )
        ).fetchone()[0]
        rejected = [
            r[0]
            for r in self.con.execute(
                f"delete from {self.layout.qualified} where _batch_id = ? and _line < 0 returning -_line",
                [self.batch.batch_id],
            ).fetchall()
        ]
        if rejected:
            self._quarantine(problems, rejected)
        return Loaded(rows=inserted - len(rejected), quarantined=len(rejected))

    def _quarantine(self, problems: list[tuple[str, str, str]], lines: list[int]) -> None:
        """Read the rejected rows again and quarantine each once: the first failing field, every reason."""
        fields = ", ".join(f"case when {cond} then {literal(field)} end" for field, cond, _ in problems)
        reasons = ", ".join(f"case when {cond} then {reason} end" for _, cond, reason in problems)
        self.batch.quarantine_query(
            *bind(
                f"""
            select s._line as line,
                   list_filter([{fields}], lambda f: f is not null)[1] as field,
                   array_to_string(list_filter([{reasons}], lambda r: r is not null), '; ') as reason,
                   {self.src.row_text} as raw
            from ({self.src.relation}) s
            where list_contains($lines, s._line)
            order by s._line
            """,
                {**self.src.params, "lines": lines},
            )
        )
