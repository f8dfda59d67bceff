"""Landing one billing file in its raw table: one typed `INSERT … SELECT`, then the quarantine.

A format module (focus, aws_cur, gcp_billing, azure_costs) describes its table once (`Layout`) and, per file,
how the file's columns map onto it (`Source`: the relation reading the file, and for every target column the
SQL reading it). This module does the rest the same way for all of them:

* the raw table is created on first use; columns the file has and the table lacks (provider `x_` columns,
  legacy CUR columns that come and go month to month, anything unknown) are added as they appear, under the
  file's own names, so an analyst can `select x_UsageType` without knowing about a JSON bag;
* the whole file is cast and inserted in one statement (DuckDB reads, casts and writes in parallel; a CSV's
  money is parsed by the reader itself, see `billing_read.relation`; rows are numbered by the order they
  were inserted in, see `_number_rows`). A row that cannot be loaded (a
  number or date that does not parse, a mandatory value missing) is written with a negative `_line`, then
  deleted in the same transaction and quarantined with the file, line, field and a reason naming the value.
  Only a file that had such rows is read a second time, for their text;
* `_original` keeps the source text of JSON values that had to be repaired to parse (see `billing_sql`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import duckdb

from burnrate.errors import InputError
from ingest import landing
from ingest.billing_read import Relation
from ingest.billing_sql import (
    bind,
    ident,
    json_cast,
    json_repaired,
    literal,
    sql_type,
    trim_json_keys,
    typed,
    unreadable,
)

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
    """One file, ready to load: its relations (see `billing_read.Relation`), columns and marker values."""

    relation: str  # SQL of the file's rows in file order; the query names it `s`
    numbered: str  # the same rows with `_line`, to re-read rejected rows by line
    params: dict
    first_line: int | None  # `relation` has no `_line`: rows are numbered from this in insertion order
    columns: dict[str, Column]
    markers: dict[str, str] = dataclasses.field(default_factory=dict)
    checks: list[Check] = dataclasses.field(default_factory=list)
    row_text: str = "to_json(s)::VARCHAR"  # the whole source row as text, for the quarantine
    mandatory: tuple[str, ...] | None = None  # this file's mandatory columns, when not the layout's

    @classmethod
    def of(cls, rel: Relation, columns: dict[str, Column], **kwargs) -> Source:
        """A Source reading the file through `rel` as it is (no wrapping query)."""
        return cls(rel.sql, rel.numbered, rel.params, rel.first_line, columns, **kwargs)


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
    changed_after_insert: bool = False  # rows were numbered (UPDATE) or rejected (DELETE) after the INSERT


class FileLoad:
    """The SQL for one `Source` into one `Layout`, and running it inside an open batch.

    Every value is computed once, in a subquery (`staged`): `v<i>` the typed value of column i, `r<i>` its
    source value where a rule needs it, `c<k>` the format's own checks. The INSERT and the quarantine read
    those, so a check or `_original` never casts a value a second time.
    """

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
        self.columns = list(src.columns)
        self.kinds = {c: _kind(layout, c, declared) for c in self.columns}
        self.repaired = [  # JSON read from text: `_original` keeps the text when it had to be repaired
            i
            for i, c in enumerate(self.columns)
            if self.kinds[c] == "json" and src.columns[c].type.upper() == "VARCHAR"
        ]

    def _may_be_unreadable(self, i: int) -> bool:
        """True when column i's value can fail to read as its kind: not when the file's reader already typed
        it so (a CSV's money, see `billing_read.relation`: a value it cannot parse fails the whole read)."""
        kind, col = self.kinds[self.columns[i]], self.src.columns[self.columns[i]]
        typed_already = col.raw is None and col.type.upper() == sql_type(kind).upper()
        return bool(unreadable(kind)) and not typed_already

    def _needs_raw(self, i: int) -> bool:
        c = self.columns[i]
        return self._may_be_unreadable(i) or c in self.mandatory or i in self.repaired

    def staged(self, relation: str, *, for_quarantine: bool = False) -> str:
        """The file's rows with v<i>, r<i>, c<k> (and `_line`, the row text and check reasons when asked).

        Three nested selects, each value computed in one of them: (1) casts, and JSON parsed as is;
        (2) JSON that did not parse, repaired; (3) JSON keys trimmed. Everything else passes through."""
        read, repair, trim = [], [], []  # select lists of levels 1, 2, 3

        def carry(expr: str, name: str) -> None:
            read.append(f"{expr} as {name}")
            repair.append(name)
            trim.append(name)

        for i, c in enumerate(self.columns):
            col, kind = self.src.columns[c], self.kinds[c]
            if self._needs_raw(i):
                carry(col.raw or col.expr, f"r{i}")
            if kind == "json":
                read.append(f"{json_cast(col.expr, col.type)} as p{i}")
                text = col.type.upper() == "VARCHAR"
                repair.append(f"{json_repaired(f'p{i}', f'r{i}') if text else f'p{i}'} as x{i}")
                trim.append(f"{trim_json_keys(f'x{i}')} as v{i}")
            else:
                carry(typed(kind, col.expr, col.type), f"v{i}")
        for k, check in enumerate(self.src.checks):
            carry(f"({check.bad})", f"c{k}")
            if for_quarantine:
                carry(f"({check.reason})", f"why{k}")
        if for_quarantine or self.src.first_line is None:
            carry("s._line", "_line")
        if for_quarantine:
            carry(self.src.row_text, "_row")
        level1 = f"select {', '.join(read)} from ({relation}) s"
        level2 = f"select {', '.join(repair)} from ({level1}) l1"
        return f"select {', '.join(trim)} from ({level2}) l2"

    def _problems(self) -> list[tuple[str, str, str]]:
        """(field, condition, reason SQL) over `staged` for every way a row of this file can be rejected."""
        out = []
        for i, c in enumerate(self.columns):
            what = unreadable(self.kinds[c])
            if what and self._may_be_unreadable(i):
                quoted = f"'''' || r{i}::VARCHAR || ''''"  # the value between single quotes
                reason = f"{literal(f'{c} {what}: ')} || {quoted}"
                out.append((c, f"(v{i} is null and r{i} is not null)", reason))
        for c in self.mandatory:
            out.append(
                (c, f"(r{self.columns.index(c)} is null)", literal(f"{c} is missing (a mandatory value)"))
            )
        out += [(check.field, f"c{k}", f"why{k}") for k, check in enumerate(self.src.checks)]
        return out

    def _original(self) -> str:
        """MAP of column -> source text for JSON values whose text had to be repaired (NULL when none)."""
        if not self.repaired:
            return "null::MAP(VARCHAR, VARCHAR)"
        changed = {i: f"(r{i}::VARCHAR is distinct from v{i}::VARCHAR)" for i in self.repaired}
        entries = ", ".join(
            f"{{'key': {literal(self.columns[i])}, 'value': case when {cond} then r{i} end}}"
            for i, cond in changed.items()
        )
        kept = f"list_filter([{entries}], lambda e: e.value is not null)"
        # the map is only built for the rare row whose text changed: a per-row list costs more than the test
        return f"(case when {' or '.join(changed.values())} then map_from_entries({kept}) end)"

    def insert(self, ingested_at) -> Loaded:
        """Insert every row; reject (delete + quarantine) the ones that break a rule. Returns the counts."""
        problems = self._problems()
        bad = " or ".join(cond for _, cond, _ in problems) or "false"
        targets = [
            *self.columns,
            *self.src.markers,
            "_batch_id",
            "_location",
            "_line",
            "_ingested_at",
            "_original",
        ]
        numbered_later = self.src.first_line is not None  # see _number_rows: 0 now, -1 when rejected
        values = [
            *(f"v{i}" for i in range(len(self.columns))),
            *(literal(v) for v in self.src.markers.values()),
            "$batch_id",
            "$location",
            f"case when {bad} then -1 else 0 end"
            if numbered_later
            else f"case when {bad} then -_line else _line end",
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
                f"select {', '.join(values)} from ({self.staged(self.src.relation)}) q",
                params,
            )
        ).fetchone()[0]
        if numbered_later:
            self._number_rows(self.src.first_line)
        rejected = [
            r[0]
            for r in self.con.execute(
                # only this batch can hold negative lines: committed rows are numbered from 1
                f"delete from {self.layout.qualified} where _line < 0 returning -_line",
            ).fetchall()
        ]
        if rejected:
            self._quarantine(problems, rejected)
        return Loaded(
            rows=inserted - len(rejected),
            quarantined=len(rejected),
            changed_after_insert=numbered_later or bool(rejected),
        )

    def _number_rows(self, first: int) -> None:
        """`_line` from the order rows were inserted in: one INSERT from one file keeps file order
        (`preserve_insertion_order`), and the rows a transaction appends get consecutive row ids in that
        order. Only this batch's rows have `_line` 0 or -1 (committed rows are numbered from 1), which lets
        DuckDB skip every committed row group by its min/max. The update touches rows a large INSERT already
        wrote to the file: such a batch commits with a checkpoint (`warehouse.checkpoint_on_commit`, see
        `billing._load`) so they are not written into the log a second time."""
        table = self.layout.qualified
        base = self.con.execute(f"select min(rowid) from {table} where _line <= 0").fetchone()[0]
        self.con.execute(
            f"update {table} set _line = (rowid - ? + ?) * (case when _line = 0 then 1 else -1 end) where _line <= 0",
            [base, first],
        )

    def _quarantine(self, problems: list[tuple[str, str, str]], lines: list[int]) -> None:
        """Read the rejected rows again and quarantine each once: the first failing field, every reason."""
        fields = ", ".join(f"case when {cond} then {literal(field)} end" for field, cond, _ in problems)
        reasons = ", ".join(f"case when {cond} then {reason} end" for _, cond, reason in problems)
        staged = self.staged(self.src.numbered, for_quarantine=True)
        self.batch.quarantine_query(
            *bind(
                f"""
                select _line as line,
                       list_filter([{fields}], lambda f: f is not null)[1] as field,
                       array_to_string(list_filter([{reasons}], lambda r: r is not null), '; ') as reason,
                       _row as raw
                from ({staged}) q
                where _line in (select unnest($lines))
                order by _line
                """,
                {**self.src.params, "lines": lines},
            )
        )
