"""Staging source records into typed rows, and merging them into a raw table (latest version per id).

Staging happens outside the batch's transaction (a failed strict read must not abort the batch), into
connection-local temp tables: `_stage` (typed rows + `_line`) and `_bad` (line, field, reason, raw). Then,
inside the batch, `load_staged` quarantines `_bad` and `merge`s `_stage`.

Two paths, one result:

* **fast**: DuckDB's `read_json` with the schema declared, so the file is parsed once, in parallel, by C++
  code. Any error (a bad line, a value of the wrong type, a missing required field) abandons it for
* **slow**: every record is taken apart as text (`records.TableSpec.text_select`) so a bad record is
  named by line and field and quarantined, and the rest still loads. CSV and Parquet always take this path
  (their cells are text or foreign types anyway); DuckDB still does the work, set-based.

`merge` keeps exactly one row per id, the latest version: a staged row replaces the stored one when its
version (`updated_at`) is newer, or equal with different content (the later batch wins a tie); otherwise
the stored row stays. Counts: new (id not seen), updated (replaced), unchanged (same or older version).
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from burnrate.errors import InputError
from ingest import landing
from ingest.records import TableSpec, json_cells, lit, q, stripped_json

BLANK = frozenset(b" \t\r\n")
OBJECT = "case when json_valid(text) then json_type(text) = 'OBJECT' end"  # CASE: never parses invalid text


@dataclass(frozen=True)
class Plan:
    """How to read one file or page: which table, which field spelling, which container format."""

    spec: TableSpec
    naming: str  # "api" (camelCase) or "export" (snake_case)
    fmt: str  # ndjson | array | envelope | csv | parquet
    tag: str  # the `_source` value of the rows: which API or export shape they came from


def _open(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")  # noqa: SIM115


def json_container(path: Path) -> str:
    """ndjson, array (a top-level JSON array) or envelope (an API page `{"data": [...], ...}`)."""
    with _open(path) as fh:
        head = fh.read(1 << 20)
    text = head.lstrip(bytes(BLANK))
    if text.startswith(b"["):
        return "array"
    first, newline, _ = text.partition(b"\n")
    try:
        obj = json.loads(first)
    except ValueError:
        # a pretty-printed or very long single document
        return "envelope" if not newline or b'"data"' in text[:65536] else "ndjson"
    return "envelope" if isinstance(obj, dict) and isinstance(obj.get("data"), list) else "ndjson"


def _records_sql(path: Path, fmt: str) -> str:
    """(_line, rec JSON) for every record of a JSON array or envelope file (the slow path)."""
    p = lit(str(path))
    if fmt == "array":
        return f"select ordinality as _line, json as rec from read_json_objects({p}, format='array') with ordinality"
    return (
        f"select u.n as _line, u.rec from read_json({p}, columns={{data: 'JSON[]'}}) r, "
        "unnest(r.data) with ordinality as u(rec, n)"
    )


def peek_keys(con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> list[str] | None:
    """The field names of a file's first record (CSV header, Parquet schema); None when it has none."""
    p = lit(str(path))
    if fmt == "csv":
        return [
            r[0]
            for r in con.execute(
                f"describe select * from read_csv({p}, all_varchar=true, header=true)"
            ).fetchall()
        ]
    if fmt == "parquet":
        return [r[0] for r in con.execute(f"describe select * from read_parquet({p})").fetchall()]
    if fmt == "ndjson":
        with _open(path) as fh:
            for raw in fh:
                if raw.strip():
                    try:
                        obj = json.loads(raw)
                    except ValueError:
                        continue
                    if isinstance(obj, dict):
                        return list(obj)
        return None
    row = con.execute(
        f"select json_keys(rec) from ({_records_sql(path, fmt)}) where json_type(rec) = 'OBJECT' limit 1"
    ).fetchone()
    return list(row[0]) if row else None


# staging ---------------------------------------------------------------------------------------------
def stage_file(con: duckdb.DuckDBPyConnection, plan: Plan, path: Path) -> str:
    """Fill `_stage` and `_bad` from one file; returns which path did it ("fast" or "slow")."""
    if plan.fmt in ("ndjson", "array", "envelope"):
        try:
            _stage_fast(con, plan, path)
            if not con.execute(
                f"select count(*) from _stage where {plan.spec.missing_required()}"
            ).fetchone()[0]:
                con.execute(
                    "create or replace temp table _bad (line bigint, field varchar, reason varchar, raw varchar)"
                )
                return "fast"
        except duckdb.Error:
            pass  # the slow path names what is wrong, or fails on a file that cannot be read at all
    _stage_slow(con, plan, path)
    return "slow"


def _stage_fast(con: duckdb.DuckDBPyConnection, plan: Plan, path: Path) -> None:
    spec, p = plan.spec, lit(str(path))
    if plan.fmt == "envelope":
        src = (
            f"(select u.n as _line, u.rec from read_json({p}, columns={{data: {lit(spec.read_struct(plan.naming) + '[]')}}}) r, "
            "unnest(r.data) with ordinality as u(rec, n))"
        )
        select = spec.typed_select(plan.naming, prefix="rec.")
    else:
        fmt = "newline_delimited" if plan.fmt == "ndjson" else "array"
        src = f"(select ordinality as _line, * from read_json({p}, format={lit(fmt)}, columns={spec.read_columns(plan.naming)}) with ordinality)"
        select = spec.typed_select(plan.naming)
    con.execute(f"create or replace temp table _stage as select {select}, _line from {src}")


def _json_lines(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """`_lines(_line, text)`: every non-blank physical line of a JSON-lines file, decoded or NULL."""
    with _open(path) as fh:
        data = fh.read()
    lines = data.split(b"\n")
    table = pa.table(
        {"_line": pa.array(range(1, len(lines) + 1), pa.int64()), "bytes": pa.array(lines, pa.binary())}
    )
    con.register("_lines_arrow", table)
    try:
        con.execute(
            "create or replace temp table _lines as select _line, try(decode(bytes)) as text, bytes "
            "from _lines_arrow where trim(bytes::varchar) <> ''"  # bytes::varchar escapes, never fails
        )
    finally:
        con.unregister("_lines_arrow")


def _stage_slow(con: duckdb.DuckDBPyConnection, plan: Plan, path: Path) -> None:
    spec, p = plan.spec, lit(str(path))
    bad_parse = "select null::bigint as line, null as field, null as reason, null as raw where false"
    if plan.fmt == "ndjson":
        _json_lines(con, path)
        con.execute(
            f"create or replace temp table _recs as select _line, text::JSON as rec from _lines where {OBJECT}"
        )
        bad_parse = (
            "select _line as line, null as field, case when text is null then 'line is not valid UTF-8' "
            "when json_valid(text) then 'line is JSON but not an object' else 'line is not valid JSON' end "
            f"as reason, null as raw from _lines where not coalesce({OBJECT}, false)"
        )
        cells, raw = json_cells(spec, plan.naming, "rec"), stripped_json("rec")
        source = "_recs"
    elif plan.fmt in ("array", "envelope"):
        con.execute(f"create or replace temp table _recs as {_records_sql(path, plan.fmt)}")
        bad_parse = (
            "select _line as line, null as field, 'record is not a JSON object' as reason, null as raw "
            "from _recs where json_type(rec) <> 'OBJECT'"
        )
        cells, raw = json_cells(spec, plan.naming, "rec"), stripped_json("rec")
        source = "(select * from _recs where json_type(rec) = 'OBJECT')"
    else:
        keys = set(peek_keys(con, path, plan.fmt) or [])
        if plan.fmt == "csv":
            con.execute(
                f"create or replace temp table _recs as select ordinality as _line, * from "
                f"read_csv({p}, all_varchar=true, header=true, store_rejects=true, "
                "rejects_table='_csv_rejects', rejects_scan='_csv_scans') with ordinality"
            )
            bad_parse = (
                "select line, null as field, 'CSV row does not parse: ' || error_message as reason, null as raw "
                "from _csv_rejects"
            )
        else:
            con.execute(
                f"create or replace temp table _recs as select file_row_number + 1 as _line, * "
                f"from read_parquet({p}, file_row_number=true)"
            )
        types = dict(con.execute("select column_name, column_type from (describe _recs)").fetchall())
        cells = {f.name: _cell(f, plan.naming, keys, types) for f in spec.fields}
        kept = [k for k in keys if k not in landing.TEXT_FIELDS]
        raw = "json_object(" + ", ".join(f"{lit(k)}, {q(k)}" for k in kept) + ")::varchar" if kept else "null"
        source = "_recs"
    con.execute(
        f"create or replace temp table _typed as select _line, {spec.text_select(cells)}, {raw} as _raw from {source}"
    )
    con.execute(
        f"create or replace temp table _bad as {bad_parse} union all "
        "select _line, _error_field, _error_reason, _raw from _typed where _error_field is not null"
    )
    names = ", ".join(q(f.name) for f in spec.fields)
    con.execute(
        f"create or replace temp table _stage as select {names}, _line from _typed where _error_field is null"
    )
    con.execute("drop table _typed")


def _cell(f, naming: str, keys: set[str], types: dict[str, str]) -> str:
    """The text of a CSV/Parquet column: nested Parquet values as JSON, empty CSV cells as NULL. JSON
    in a CSV cell that only parses once its doubled quotes are undone (@helicone/export quotes objects
    twice) is undone."""
    exprs = []
    for col in (c for c in f.source_names(naming) if c in keys):
        if any(t in types[col] for t in ("MAP", "STRUCT", "[]")):
            exprs.append(f"to_json({q(col)})::varchar")
            continue
        text = f"nullif({q(col)}::varchar, '')"
        if f.kind in ("json", "tags"):
            text = f"case when not json_valid({text}) and json_valid(replace({text}, '\"\"', '\"')) then replace({text}, '\"\"', '\"') else {text} end"
        exprs.append(text)
    if not exprs:
        return "null::varchar"
    return exprs[0] if len(exprs) == 1 else f"coalesce({', '.join(exprs)})"


def stage_records(con: duckdb.DuckDBPyConnection, plan: Plan, records: list) -> str:
    """Stage records already parsed from an API page, through the same readers as files."""
    fd, name = tempfile.mkstemp(prefix="burnrate-page-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(records, fh)
        return stage_file(con, Plan(plan.spec, plan.naming, "array", plan.tag), Path(name))
    finally:
        os.unlink(name)


# merging ---------------------------------------------------------------------------------------------
def merge(
    con: duckdb.DuckDBPyConnection,
    b: landing.Batch,
    spec: TableSpec,
    *,
    tag: str,
    location: str,
    keep_line: bool,
) -> landing.Counts:
    """Merge `_stage` into the raw table: one row per id, the latest version. Returns the counts.

    Only the staged ids already in the table are compared column by column (`_matched`, narrow); the rest
    are inserted straight from `_stage`, so a load of new rows costs one anti-join and one insert."""
    idc = q(spec.id)
    staged, distinct = con.execute(f"select count(*), count(distinct {idc}) from _stage").fetchone()
    source = "_stage"
    if staged != distinct:  # the same id more than once in one file or page: keep its latest version
        order = f"{q(spec.version)} desc nulls last, " if spec.version else ""
        con.execute(
            "create or replace temp table _win as select * from _stage "
            f"qualify row_number() over (partition by {idc} order by {order}_line desc nulls last) = 1"
        )
        source = "_win"
    cols = [q(f.name) for f in spec.fields]
    differs = (
        f"row({', '.join('s.' + c for c in cols)}) is distinct from row({', '.join('t.' + c for c in cols)})"
    )
    replace = differs
    if spec.version:
        v = q(spec.version)
        newer = f"coalesce(s.{v}, '-infinity'::timestamp) > coalesce(t.{v}, '-infinity'::timestamp)"
        replace = f"{newer} or (s.{v} is not distinct from t.{v} and {differs})"
    con.execute(
        f"create or replace temp table _matched as select s.{idc} as id, ({replace}) as replace "
        f"from {source} s join {spec.table} t on t.{idc} = s.{idc}"
    )
    updated, unchanged = con.execute(
        "select count(*) filter (where replace), count(*) filter (where not replace) from _matched"
    ).fetchone()
    if updated:
        con.execute(f"delete from {spec.table} where {idc} in (select id from _matched where replace)")
    line = "_line" if keep_line else "null"
    con.execute(
        f"insert into {spec.table} select {', '.join(cols)}, ?, ?, ?, {line}, ? from {source} "
        f"where {idc} not in (select id from _matched where not replace)",
        [tag, b.batch_id, location, landing.now().replace(tzinfo=None)],
    )
    con.execute("drop table _matched")
    if source == "_win":
        con.execute("drop table _win")
    return landing.Counts(
        new=distinct - updated - unchanged, updated=updated, unchanged=unchanged + staged - distinct
    )


def load_staged(
    con: duckdb.DuckDBPyConnection,
    b: landing.Batch,
    plan: Plan,
    *,
    location: str,
    quarantine_location: str | None = None,
    keep_line: bool = True,
) -> landing.Counts:
    """Inside a batch: quarantine `_bad`, merge `_stage`, add the counts to the batch."""
    con.execute(plan.spec.ddl())
    b.quarantine_query(
        "select line, field, reason, raw, ?::varchar as location from _bad", [quarantine_location or location]
    )
    counts = merge(con, b, plan.spec, tag=plan.tag, location=location, keep_line=keep_line)
    b.counts += counts
    return counts


def unreadable(exc: BaseException) -> str:
    """One line saying why a whole file could not be read."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, EOFError):
        text = "truncated gzip: the file ends before the end of the compressed stream"
    return text


__all__ = [
    "Plan",
    "InputError",
    "json_container",
    "peek_keys",
    "stage_file",
    "stage_records",
    "merge",
    "load_staged",
]
