"""Staging source records into typed rows, and merging them into a raw table (latest version per id).

Staging happens outside the batch's transaction (a failed strict read must not abort the batch), into
connection-local temp tables: `_stage` (typed rows + `_file`, `_line`), `_bad` (`_file`, line, field,
reason, raw) and `_files` (`_file` → location, and the `base` to subtract from `_line`). One stage may hold
one file, one API page, or a batch of many files. Then, inside the batch, `load_staged` quarantines `_bad`
and `merge`s `_stage`.

Two paths, one result:

* **fast**: DuckDB's `read_json` with the schema declared, so the files are parsed once, in parallel, by
  C++ code; many JSON files of one shape in ONE call (`stage_files`). Any error (a bad line, a value of the
  wrong type) abandons it: a batch's files are then read one by one, fast path first, and only a file that
  fails that too goes to
* **slow**: every record is taken apart as text (`records.TableSpec.text_select`) so a bad record is
  named by line and field and quarantined, and the rest still loads. A record lacking a required field
  sends its file here too. CSV and Parquet always take this path (their cells are text or foreign types
  anyway); DuckDB still does the work, set-based.

`merge` keeps exactly one row per id, the latest version: a staged row replaces the stored one when its
version (`updated_at`) is newer, or equal with different content (the later file or batch wins a tie);
otherwise the stored row stays. Counts: new (id not seen), updated (replaced), unchanged (same or older
version), exactly as if a batch's files had been merged one after another.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from burnrate.errors import InputError
from ingest import landing
from ingest.records import TYPES, TableSpec, json_cells, lit, q, stripped_json

log = logging.getLogger(__name__)
BLANK = frozenset(b" \t\r\n")
# Every declared read says its top-level values are records: left to detect that (records='auto'), DuckDB
# reads a file holding one large object (a saved API page) about five times slower, and the answer is the
# same (a value that is not an object fails the read either way).
RECORDS = "records=true"
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
    if _RECORDS_START["envelope"].match(text):
        # `{"data": [` is an API page whichever way its first line would parse (decoding a page's first
        # line, often the whole 1 MB page, only to find its `data` list cost more than reading it)
        return "envelope"
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
        f"select u.n as _line, u.rec from read_json({p}, columns={{data: 'JSON[]'}}, {RECORDS}) r, "
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
    if (keys := _first_record_keys(path, fmt)) is not None:
        return keys
    rows = con.execute(
        f"select json_keys(rec) from ({_records_sql(path, fmt)}) where json_type(rec) = 'OBJECT' "
        "order by _line limit 1"
    ).fetchall()
    return list(rows[0][0]) if rows else None


_RECORDS_START = {
    "array": re.compile(rb"\s*\[\s*"),
    "envelope": re.compile(rb'\s*\{\s*"data"\s*:\s*\[\s*'),  # an API page as saved: `data` first
}


def _first_record_keys(path: Path, fmt: str) -> list[str] | None:
    """The keys of an array's or API page's first record when it is an object in the file's first MB
    (decoding that one record, not the file: detecting a page's shape must not cost a read of it);
    None when that cannot be told from the head (the caller then asks DuckDB)."""
    with _open(path) as fh:
        head = fh.read(1 << 20)
    start = _RECORDS_START[fmt].match(head)
    if start is None:
        return None
    try:
        first, _ = json.JSONDecoder().raw_decode(head[start.end() :].decode("utf-8", errors="replace"))
    except ValueError:
        return None
    return list(first) if isinstance(first, dict) else None


# staging ---------------------------------------------------------------------------------------------
# Container formats that one strict `read_json` call reads many files of at once (saved API pages too:
# thousands of small pages read one by one would cost a statement, a merge and a commit each).
MULTI = ("ndjson", "array", "envelope")
# What makes a whole file unreadable: truncated gzip, not JSON/CSV/Parquet at all, a vanished file.
UNREADABLE = (duckdb.Error, OSError, EOFError, ValueError, InputError)
# A multi-file read that fails falls back to reading file by file. DuckDB's error can quote a file's invalid
# UTF-8 bytes, and Python then fails to decode the message itself: that is a failed read too.
READ_FAILED = (duckdb.Error, UnicodeDecodeError)
BAD_DDL = (
    "create or replace temp table {} (_file integer, line bigint, field varchar, reason varchar, raw varchar)"
)


def stage_files(con: duckdb.DuckDBPyConnection, plan: Plan, paths: list[Path]) -> dict[int, BaseException]:
    """Fill `_stage` (typed rows + `_file`, `_line`), `_bad` (rejected records) and `_files` (`_file` →
    location, and the `base` to subtract from `_line`) from files that share one plan.

    Many JSON files are read by ONE strict `read_json` call (DuckDB reads them in parallel). Only when that
    fails is each file read by itself, fast path first, so a bad file costs a second read of itself and
    its records are named by line only there. Files that cannot be read at all are left out and returned
    (index into `paths` → the error) for the caller to record."""
    drop_stage(con)
    con.execute(
        "create or replace temp table _files as select unnest(range(len(l)))::integer as _file, "
        "unnest(l) as location, 0::bigint as base from (select ?::varchar[] as l)",
        [[str(p) for p in paths]],
    )
    if len(paths) == 1:
        try:
            log.debug(
                "%s read on the %s path", paths[0], _stage_one(con, plan, paths[0], 0, "_stage", "_bad")
            )
        except UNREADABLE as exc:
            _empty_stage(con, plan.spec)
            return {0: exc}
        return {}
    redo = _stage_fast_many(con, plan, paths) if plan.fmt in MULTI else None
    con.execute(BAD_DDL.format("_bad"))
    fast = redo is None  # the multi-file read failed (or cannot be done): each file by itself, fast first
    if fast:
        _empty_stage(con, plan.spec)
        redo = list(range(len(paths)))
    elif redo:  # a record lacks a required field: the slow path names it, the file's other rows load
        con.execute(
            "create or replace temp table _kept as select * from _stage where _file not in (select unnest(?::integer[]))",
            [redo],
        )
        con.execute("drop view _stage")
        con.execute("alter table _kept rename to _stage")
        con.execute("update _files set base = 0 where _file in (select unnest(?::integer[]))", [redo])
    failed: dict[int, BaseException] = {}
    for i in redo:
        failed |= _append_one(con, plan, paths[i], i, fast=fast)
    return failed


STAGE_TABLES = ("_stage", "_rows", "_kept", "_bad", "_files", "_recs", "_lines", "_stage1", "_bad1")


def drop_stage(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the staging tables and views (a batch's rows held in memory)."""
    names = [list(STAGE_TABLES)]
    for kind, name in con.execute(
        "select 'view', view_name from duckdb_views() where temporary and list_contains(?, view_name) union all "
        "select 'table', table_name from duckdb_tables() where temporary and list_contains(?, table_name)",
        names * 2,
    ).fetchall():
        con.execute(f"drop {kind} {name}")


def _empty_stage(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    cols = ", ".join(f"null::{TYPES[f.kind]} as {q(f.name)}" for f in spec.fields)
    con.execute(
        f"create or replace temp table _stage as select {cols}, 0::integer as _file, 0::bigint as _line where false"
    )
    con.execute(BAD_DDL.format("_bad"))


def _append_one(
    con: duckdb.DuckDBPyConnection, plan: Plan, path: Path, i: int, *, fast: bool = True
) -> dict[int, BaseException]:
    """Stage one file of a batch by itself and add it to `_stage`/`_bad`; {i: error} when unreadable."""
    try:
        how = _stage_one(con, plan, path, i, "_stage1", "_bad1", fast=fast)
    except UNREADABLE as exc:
        return {i: exc}
    log.debug("%s read by itself on the %s path", path, how)
    con.execute("insert into _stage by name select * from _stage1")
    con.execute("insert into _bad by name select * from _bad1")
    con.execute("drop table _stage1")
    con.execute("drop table _bad1")
    return {}


def _stage_one(
    con: duckdb.DuckDBPyConnection, plan: Plan, path: Path, i: int, stage: str, bad: str, *, fast: bool = True
) -> str:
    """Fill `stage` and `bad` from one file (rows tagged `_file` = i); returns which path did it."""
    if fast and plan.fmt in ("ndjson", "array", "envelope"):
        try:
            _stage_fast(con, plan, path, i, stage)
            if not con.execute(
                f"select count(*) from {stage} where {plan.spec.missing_required()}"
            ).fetchall()[0][0]:
                con.execute(BAD_DDL.format(bad))
                return "fast"
        except duckdb.Error:
            pass  # the slow path names what is wrong, or fails on a file that cannot be read at all
    _stage_slow(con, plan, path, i, stage, bad)
    return "slow"


def _stage_fast(con: duckdb.DuckDBPyConnection, plan: Plan, path: Path, i: int, stage: str) -> None:
    spec, p = plan.spec, lit(str(path))
    if plan.fmt == "envelope":
        src = (
            f"(select u.n as _line, u.rec from read_json({p}, columns={{data: {lit(spec.read_struct(plan.naming) + '[]')}}}, {RECORDS}) r, "
            "unnest(r.data) with ordinality as u(rec, n))"
        )
        select = spec.typed_select(plan.naming, prefix="rec.")
    else:
        src = f"(select ordinality as _line, * from read_json({p}, format={lit(_JSON_FORMAT[plan.fmt])}, columns={spec.read_columns(plan.naming)}, {RECORDS}) with ordinality)"
        select = spec.typed_select(plan.naming)
    con.execute(
        f"create or replace temp table {stage} as select {select}, {i}::integer as _file, _line from {src}"
    )


_JSON_FORMAT = {"ndjson": "newline_delimited", "array": "array"}


def _stage_fast_many(con: duckdb.DuckDBPyConnection, plan: Plan, paths: list[Path]) -> list[int] | None:
    """One strict `read_json` of every file: `_rows` (typed rows + `filename`) and the view `_stage` over
    it. Returns the files with a record that lacks a required field (to be read again on the slow path), or
    None when the read failed.

    The per-file line number: `read_json` has no `file_row_number`, and numbering rows in the query
    (`row_number() over ()`, `with ordinality`) makes DuckDB read on one thread. Instead the rows are
    stored as read: with `preserve_insertion_order` (DuckDB's default, checked) a table keeps the order of
    its source, files in list order and each file's records in order, while the reading stays parallel. So
    a row's `rowid` minus its file's first rowid is its record number in the file (`_files.base` = first
    rowid - 1). That each file's rows are contiguous is checked, not assumed: a gap or a file name that is
    not in the list abandons the multi-file read for per-file reads."""
    spec = plan.spec
    files = "[" + ", ".join(lit(str(p)) for p in paths) + "]"
    if plan.fmt == "envelope":
        return _stage_pages_many(con, plan, files)
    if not con.execute("select current_setting('preserve_insertion_order')").fetchall()[0][0]:
        return None
    read = (
        f"read_json({files}, format={lit(_JSON_FORMAT[plan.fmt])}, columns={spec.read_columns(plan.naming)}, "
        f"{RECORDS}, filename=true)"
    )
    try:
        con.execute(
            f"create temp table _rows as select {spec.typed_select(plan.naming)}, filename from {read}"
        )
    except READ_FAILED as exc:
        log.debug("%d files: the multi-file read failed, reading them one by one: %s", len(paths), exc)
        return None
    spans = con.execute(
        "select f._file, r.n, r.lo, r.hi from (select filename, count(*) as n, min(rowid) as lo, "
        "max(rowid) as hi from _rows group by filename) r left join _files f on f.location = r.filename"
    ).fetchall()
    if any(f is None or hi - lo + 1 != n for f, n, lo, hi in spans):
        log.debug("%d files: rows not stored file by file, reading them one by one", len(paths))
        con.execute("drop table _rows")
        return None
    con.executemany("update _files set base = ? where _file = ?", [(lo - 1, f) for f, _, lo, _ in spans])
    con.execute(
        "create temp view _stage as select r.* exclude (filename), f._file, r.rowid as _line "
        "from _rows r join _files f on f.location = r.filename"
    )
    return _files_missing_required(con, spec)


def _files_missing_required(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> list[int]:
    """The staged files with a record that lacks a required field (to be read again on the slow path)."""
    sql = f"select distinct _file from _stage where {spec.missing_required()} order by 1"
    return [r[0] for r in con.execute(sql).fetchall()]


def _stage_pages_many(con: duckdb.DuckDBPyConnection, plan: Plan, files: str) -> list[int] | None:
    """`_stage_fast_many` for saved API pages (`{"data": [record…], …}`): one strict `read_json` of every
    page, one row per page, its records unnested with their position in the page as `_line`."""
    spec = plan.spec
    read = (
        f"read_json({files}, columns={{data: {lit(spec.read_struct(plan.naming) + '[]')}}}, {RECORDS}, "
        "filename=true)"
    )
    try:
        con.execute(
            f"create temp table _rows as select {spec.typed_select(plan.naming, prefix='rec.')}, "
            f"r.filename, u.n as _line from {read} r, unnest(r.data) with ordinality as u(rec, n)"
        )
    except READ_FAILED as exc:
        log.debug("pages: the multi-file read failed, reading them one by one: %s", exc)
        return None
    con.execute(
        "create temp view _stage as select r.* exclude (filename), f._file "
        "from _rows r join _files f on f.location = r.filename"
    )
    return _files_missing_required(con, spec)


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


def _stage_slow(con: duckdb.DuckDBPyConnection, plan: Plan, path: Path, i: int, stage: str, bad: str) -> None:
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
        f"create or replace temp table {bad} as select {i}::integer as _file, * from ({bad_parse} union all "
        "select _line, _error_field, _error_reason, _raw from _typed where _error_field is not null)"
    )
    names = ", ".join(q(f.name) for f in spec.fields)
    con.execute(
        f"create or replace temp table {stage} as select {names}, {i}::integer as _file, _line "
        "from _typed where _error_field is null"
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


def stage_records(con: duckdb.DuckDBPyConnection, plan: Plan, records: list) -> None:
    """Stage records already parsed from an API page, through the same readers as files."""
    fd, name = tempfile.mkstemp(prefix="burnrate-page-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(records, fh)
        failed = stage_files(con, Plan(plan.spec, plan.naming, "array", plan.tag), [Path(name)])
        if failed:
            raise failed[0]
    finally:
        os.unlink(name)


def file_counts(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[int, int]]:
    """Rows staged (each becomes new, updated or unchanged) and records quarantined, per staged file."""
    return {
        f: (n, bad)
        for f, n, bad in con.execute(
            "select f._file, coalesce(s.n, 0), coalesce(b.n, 0) from _files f "
            "left join (select _file, count(*) as n from _stage group by _file) s on s._file = f._file "
            "left join (select _file, count(*) as n from _bad group by _file) b on b._file = f._file"
        ).fetchall()
    }


# merging ---------------------------------------------------------------------------------------------
def merge(
    con: duckdb.DuckDBPyConnection, b: landing.Batch, spec: TableSpec, *, tag: str, keep_line: bool
) -> landing.Counts:
    """Merge `_stage` (one file, page or batch of files) into the raw table: one row per id, the latest
    version. Returns the counts, exactly as if the staged files had been merged one after another.

    Ids staged once and not stored yet (all of them on a first load) are inserted straight from `_stage`.
    Only the ids staged more than once or already stored (`_multi`) are sequenced: per file its latest
    record (the file's other records of that id are unchanged), then, in file order after the stored row,
    each is new (first of its id), updated (newer than the id's current row, or the same version with
    other content: the later file wins a tie) or unchanged; the last one taken replaces the stored row.

    Two things keep this cheap on a large table. The stored rows are looked up by id on the id column
    alone (`_hit`: their row ids), then fetched whole by row id, which DuckDB answers from the few row
    groups that hold them. And the replaced rows are deleted before anything is inserted: in DuckDB
    2.0, deleting committed rows after appending in the same transaction makes the commit write the
    appended rows again (measured: 1-2 s per 300k rows appended), deleting first does not."""
    idc, table = q(spec.id), spec.table
    cols = [q(f.name) for f in spec.fields]
    staged, distinct = con.execute(f"select count(*), count(distinct {idc}) from _stage").fetchall()[0]
    seen, hits = [], 0
    if con.execute(f"select count(*) from (select 1 from {table} limit 1)").fetchall()[0][0]:
        con.execute(
            f"create or replace temp table _hit as select t.rowid as _rowid, t.{idc} as _id from {table} t "
            f"semi join _stage s on s.{idc} = t.{idc}"
        )
        hits = con.execute("select count(*) from _hit").fetchall()[0][0]
        if hits:
            seen.append(f"select _id as {idc} from _hit")
    if staged != distinct:
        seen.append(f"select {idc} from _stage group by {idc} having count(*) > 1")
    line = "s._line - f.base" if keep_line else "null"
    insert = (
        f"insert into {table} select {', '.join('s.' + c for c in cols)}, ?, ?, f.location, {line}, ? "
        "from {} s join _files f on f._file = s._file"
    )
    params = [tag, b.batch_id, landing.now().replace(tzinfo=None)]
    if not seen:
        con.execute(insert.format("_stage"), params)
        con.execute("drop table if exists _hit")
        return landing.Counts(new=staged)
    con.execute(f"create or replace temp table _multi as {' union '.join(seen)}")
    order = f"s.{q(spec.version)} desc nulls last, " if spec.version else ""
    con.execute(
        f"create or replace temp table _cand as select s.* from _stage s semi join _multi m on m.{idc} = s.{idc} "
        f"qualify row_number() over (partition by s.{idc}, s._file order by {order}s._line desc) = 1"
    )
    per_file_latest = con.execute("select count(*) from _cand").fetchall()[0][0]
    if hits:
        con.execute(
            f"insert into _cand select {', '.join('t.' + c for c in cols)}, -1, null "
            f"from {table} t semi join _hit h on h._rowid = t.rowid"
        )
    if spec.version:  # versions compare as (present, value): a missing version is older than any
        v = q(spec.version)
        has, val = f"{v} is not null", f"coalesce({v}, '-infinity'::timestamp)"
    else:  # no version: every different row replaces
        has, val = "true", "0"
    con.execute(
        f"create or replace temp table _seq as select {idc} as _id, _file, {has} as _h, {val} as _v, "
        f"max(struct_pack(h := {has}, v := {val}, f := _file)) over (partition by {idc} order by _file "
        "rows between unbounded preceding and 1 preceding) as _p from _cand"
    )
    # _p is the id's current row before this one: the latest version so far (ties: the later file; a
    # row not taken on a tie has the current row's content, so comparing with it is the same)
    differs = (
        f"row({', '.join('c.' + c for c in cols)}) is distinct from row({', '.join('p.' + c for c in cols)})"
    )
    con.execute(
        "create or replace temp table _outcome as select s._id, s._file, case when s._p is null then 'new' "
        "when s._h > s._p.h or (s._h = s._p.h and s._v > s._p.v) then 'updated' "
        f"when s._h = s._p.h and s._v = s._p.v and {differs} then 'updated' else 'unchanged' end as outcome "
        f"from _seq s join _cand c on c.{idc} = s._id and c._file = s._file "
        f"left join _cand p on p.{idc} = s._id and p._file = s._p.f where s._file >= 0"
    )
    new, updated, unchanged = con.execute(
        "select count(*) filter (where outcome = 'new'), count(*) filter (where outcome = 'updated'), "
        "count(*) filter (where outcome = 'unchanged') from _outcome"
    ).fetchall()[0]
    con.execute(
        "create or replace temp table _win as select _id, max(_file) as _file from _outcome "
        "where outcome <> 'unchanged' group by _id"
    )
    if hits:
        con.execute(
            f"delete from {table} where rowid in (select h._rowid from _hit h semi join _win w on w._id = h._id)"
        )
    # one INSERT: a few thousand rows inserted by themselves would go through the WAL, and the
    # checkpoint that writes them costs more than the rows (measured: 3.8 s for 38k rows at 10 M)
    winners = con.execute("select count(*) from _win").fetchall()[0][0]
    once = (
        con.execute(
            insert.format(
                f"(select s.* from _stage s anti join _multi m on m.{idc} = s.{idc} union all "
                f"select c.* from _cand c join _win w on w._id = c.{idc} and w._file = c._file)"
            ),
            params,
        ).fetchall()[0][0]
        - winners
    )
    for name in ("_hit", "_multi", "_cand", "_seq", "_outcome", "_win"):
        con.execute(f"drop table if exists {name}")
    return landing.Counts(
        new=once + new, updated=updated, unchanged=unchanged + (staged - once - per_file_latest)
    )


def load_staged(
    con: duckdb.DuckDBPyConnection,
    b: landing.Batch,
    plan: Plan,
    *,
    location: str | None = None,
    quarantine_location: str | None = None,
    keep_line: bool = True,
) -> landing.Counts:
    """Inside a batch: quarantine `_bad`, merge `_stage`, add the counts to the batch. `location`
    replaces the staged file names (an API page is staged from a temporary file)."""
    con.execute(plan.spec.ddl())
    if location is not None:
        con.execute("update _files set location = ?", [location])
    b.quarantine_query(
        "select b.line, b.field, b.reason, b.raw, coalesce(?, f.location) as location "
        "from _bad b join _files f on f._file = b._file",
        [quarantine_location],
    )
    counts = merge(con, b, plan.spec, tag=plan.tag, keep_line=keep_line)
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
    "stage_files",
    "drop_stage",
    "file_counts",
    "stage_records",
    "merge",
    "load_staged",
]
