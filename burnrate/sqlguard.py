"""Read-only ad-hoc SQL: the one guard used by `burnrate sql` and the dashboard's SQL page.

Two layers, so a bug in one cannot become a file read or a write:

1. **The statement is checked with DuckDB's own parser** (`extract_statements` for the statement type,
   `json_serialize_sql` for the syntax tree of a query): one statement, a read-only kind (SELECT, WITH,
   FROM-first, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN of those, a few read-only PRAGMAs), no table
   function outside a short allow-list (no `read_csv`, `read_text`, `glob`, `query`…), no scalar function
   that reads the environment (`getenv`), no table name that is really a file path or URL.
2. **The connection is locked down** before the query runs (`lock_down`): the snapshot is opened
   read-only, `enable_external_access = false` (no file, network or extension access), Python
   replacement scans off, then `lock_configuration = true` so the query cannot undo any of it.

`run()` executes a checked statement with a row limit and a timeout (DuckDB has no statement timeout, so
a timer interrupts the connection) and returns a polars frame.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import polars as pl

from burnrate.errors import EXIT_USAGE, BurnrateError

# Table functions a read-only query may call: generators and the catalog's own metadata.
ALLOWED_TABLE_FUNCTIONS = frozenset(
    {
        "range",
        "generate_series",
        "unnest",
        "duckdb_tables",
        "duckdb_views",
        "duckdb_columns",
        "duckdb_schemas",
        "duckdb_constraints",
        "duckdb_indexes",
        "duckdb_types",
        "duckdb_functions",
        "duckdb_keywords",
        "pragma_table_info",
        "pragma_show",
        "pragma_version",
    }
)
# Scalar functions that leak the server's environment or reach outside the database.
DENIED_FUNCTIONS = frozenset({"getenv", "current_setting_secret", "which_secret", "read_blob", "read_text"})
# PRAGMAs that only read (anything else, including every `PRAGMA x = y`, changes state).
READ_ONLY_PRAGMAS = frozenset(
    {"table_info", "show", "show_tables", "show_tables_expanded", "database_list", "version", "platform"}
)
# Why a statement type is refused, in words (DuckDB reports INSTALL as LOAD, PRAGMA x = y and RESET as SET).
_WHY = {
    **dict.fromkeys(["INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "MERGE_INTO"], "writes"),
    **dict.fromkeys(["CREATE_FUNC", "UPDATE_EXTENSIONS", "VACUUM", "ANALYZE"], "writes"),
    **dict.fromkeys(["COPY", "EXPORT", "COPY_DATABASE"], "writes or reads files"),
    **dict.fromkeys(["ATTACH", "DETACH"], "attaches or detaches databases"),
    "LOAD": "installs or loads extensions",
    **dict.fromkeys(["SET", "VARIABLE_SET"], "changes settings"),
    "CALL": "calls a procedure (it may change state)",
    "TRANSACTION": "controls transactions",
    **dict.fromkeys(["PREPARE", "EXECUTE", "RELATION", "LOGICAL_PLAN", "MULTI"], "is not a plain query"),
}
_PATHLIKE = re.compile(
    r"[/\\]|^[a-z][a-z0-9+.-]*://|\.(csv|tsv|txt|json|jsonl|ndjson|parquet|gz|zst|db|duckdb|xlsx?)$", re.I
)
_EXPLAIN = re.compile(r"^\s*explain(\s+analyze)?\s+", re.I)
_PRAGMA = re.compile(r"^\s*pragma\s+([a-z_]+)\s*(\(\s*'[^']*'\s*\))?\s*;?\s*$", re.I)


class Refused(BurnrateError):
    """A statement the read-only SQL surface will not run; the message says why."""

    exit_code = EXIT_USAGE


class QueryTimeout(BurnrateError):
    pass


@dataclass
class Result:
    """A query's rows (at most `row_limit`), whether more existed, and how long it took."""

    frame: pl.DataFrame
    truncated: bool
    seconds: float


def _nodes(tree) -> Iterator[dict]:
    """Every dict in a json_serialize_sql tree, depth first."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _check_tree(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse a SELECT whose syntax tree calls a file-reading function or names a file as a table."""
    raw = con.execute("select json_serialize_sql(?)", [sql]).fetchall()[0][0]
    tree = json.loads(raw)
    if tree.get("error"):
        raise Refused(f"could not analyse the query: {tree.get('error_message', 'unknown error')}")
    for node in _nodes(tree["statements"]):
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            name = str((node.get("function") or {}).get("function_name", "")).lower()
            if name not in ALLOWED_TABLE_FUNCTIONS:
                raise Refused(
                    f"table function {name}() is not allowed: ad-hoc SQL reads the published marts only "
                    "(no files, URLs or nested queries)"
                )
        elif node.get("class") == "FUNCTION":
            name = str(node.get("function_name", "")).lower()
            if name in DENIED_FUNCTIONS or name.startswith("read_") or name.endswith("_scan"):
                raise Refused(f"function {name}() is not allowed in read-only SQL")
        elif kind == "BASE_TABLE":
            name = str(node.get("table_name", ""))
            if _PATHLIKE.search(name) or node.get("catalog_name") not in ("", None):
                raise Refused(f"{name!r} is a file or another database: only the published marts can be read")


def check(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """Return the single read-only statement in `sql`, or raise `Refused` with the reason."""
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise Refused("empty query")
    try:
        statements = con.extract_statements(text)
    except duckdb.Error as exc:
        raise Refused(f"not valid SQL: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise Refused(f"one statement at a time, got {len(statements)}")
    kind = statements[0].type.name
    if kind == "SELECT":
        _check_tree(con, text)
    elif kind == "EXPLAIN":
        check(con, _EXPLAIN.sub("", text, count=1))
    elif kind == "PRAGMA":
        match = _PRAGMA.match(text)
        if not match or match.group(1).lower() not in READ_ONLY_PRAGMAS:
            raise Refused(
                "this PRAGMA changes settings or state; allowed: "
                + ", ".join(sorted(f"PRAGMA {p}" for p in READ_ONLY_PRAGMAS))
            )
    else:
        why = _WHY.get(kind, "is not a read-only query")
        raise Refused(
            f"{kind} {why}: only read-only queries over the published marts run here "
            "(SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN)"
        )
    return text


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """No file, network or extension access and no replacement scans, then freeze the configuration."""
    con.execute("SET enable_external_access = false")
    con.execute("SET python_enable_replacements = false")
    con.execute("SET lock_configuration = true")


def run(con: duckdb.DuckDBPyConnection, sql: str, *, row_limit: int, timeout: float) -> Result:
    """Check and run `sql` on a locked-down connection: at most `row_limit` rows, at most `timeout` seconds."""
    text = check(con, sql)
    timer = threading.Timer(timeout, con.interrupt)
    started = time.monotonic()
    timer.start()
    try:
        relation = con.sql(text)
        reader = relation.to_arrow_reader(max(1, min(row_limit + 1, 100_000)))
        batches, rows = [], 0
        for batch in reader:
            batches.append(batch)
            rows += batch.num_rows
            if rows > row_limit:
                break
    except duckdb.InterruptException:
        raise QueryTimeout(f"the query ran longer than {timeout:g}s and was stopped") from None
    except duckdb.Error as exc:
        if time.monotonic() - started >= timeout:
            raise QueryTimeout(f"the query ran longer than {timeout:g}s and was stopped") from None
        raise BurnrateError(f"query failed: {str(exc).splitlines()[0]}") from None
    finally:
        timer.cancel()
    import pyarrow as pa

    table = pa.Table.from_batches(batches, schema=reader.schema)
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return Result(frame.head(row_limit), frame.height > row_limit, time.monotonic() - started)
