"""Opening billing files: what a file is (sniffed from its first bytes and header) and the DuckDB relation that
reads it with a `_line` column.

* CSV (gzip or not, UTF-8 with or without a byte-order mark): every value as text, `NULL` and empty strings as
  null; `_line` is the row's number counting the header as 1 (the line number unless a value spans lines).
  DuckDB's own reader does the work (`WITH ORDINALITY` numbers the rows in file order).
* Parquet: typed columns as written; `_line` is the 1-based row number.
* JSON (newline-delimited, or an array; gzip or not): one JSON object per record; `_line` is the record number.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from burnrate.errors import InputError
from ingest.billing_sql import NULL_STRINGS, ident

SUFFIXES = (
    ".csv",
    ".csv.gz",
    ".tsv",
    ".tsv.gz",
    ".parquet",
    ".jsonl",
    ".jsonl.gz",
    ".json",
    ".json.gz",
    ".ndjson",
)
SNIFF_BYTES = 1 << 20


@dataclass(frozen=True)
class Sniffed:
    """What a file looks like: its container and its column names (CSV header, Parquet schema, JSON keys)."""

    kind: str  # csv | parquet | json
    columns: tuple[str, ...]
    compression: str = "none"  # gzip | none (DuckDB's name for it)

    def has(self, *names: str) -> bool:
        """True when every name is a column, ignoring case and punctuation (`BilledCost` ~ `billed_cost`)."""
        mine = {squash(c) for c in self.columns}
        return all(squash(n) in mine for n in names)


def squash(name: str) -> str:
    """A column name with case and punctuation ignored, for matching header spellings to known columns."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _head(path: Path, compression: str) -> bytes:
    opener = gzip.open if compression == "gzip" else open
    try:
        with opener(path, "rb") as fh:
            return fh.read(SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot be read: {exc}") from None


def sniff(con: duckdb.DuckDBPyConnection, path: Path) -> Sniffed:
    """The container and column names of a billing file, from its first megabyte (or Parquet footer)."""
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic == b"PAR1":
        try:
            names = [
                r[0] for r in con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()
            ]
        except duckdb.Error as exc:
            raise InputError(f"{path}: cannot be read as Parquet: {first_line(exc)}") from None
        return Sniffed("parquet", tuple(names))
    compression = "gzip" if magic[:2] == b"\x1f\x8b" else "none"
    text = _head(path, compression).decode("utf-8-sig", errors="replace")
    stripped = text.lstrip()
    if not stripped:
        raise InputError(f"{path}: the file is empty")
    if stripped[0] in "{[":
        first = stripped.split("\n", 1)[0].strip().rstrip(",").lstrip("[")
        try:
            record = json.loads(first)
        except ValueError:
            record = {}
        return Sniffed("json", tuple(record) if isinstance(record, dict) else (), compression)
    header_line = text.split("\n", 1)[0]
    delimiter = "\t" if header_line.count("\t") > header_line.count(",") else ","
    header = next(csv.reader(io.StringIO(header_line), delimiter=delimiter), [])
    return Sniffed("csv", tuple(h.strip() for h in header), compression)


def relation(
    con: duckdb.DuckDBPyConnection, path: Path, sniffed: Sniffed
) -> tuple[str, dict, dict[str, str]]:
    """(SQL, params, {column: DuckDB type}) of a relation over the file with a `_line` column first."""
    kind = sniffed.kind
    params = {"path": str(path), "compression": sniffed.compression}
    if kind == "csv":
        nulls = ", ".join(f"'{n}'" for n in NULL_STRINGS)
        sql = (
            "select ordinality + 1 as _line, * exclude (ordinality) from read_csv($path, header = true, "
            f"all_varchar = true, nullstr = [{nulls}], compression = $compression) with ordinality"
        )
    elif kind == "parquet":
        del params["compression"]
        sql = (
            "select file_row_number + 1 as _line, * exclude (file_row_number) "
            "from read_parquet($path, file_row_number = true)"
        )
    elif kind == "json":
        sql = (
            "select ordinality as _line, json from read_json_objects($path, format = 'auto', "
            "compression = $compression) with ordinality"
        )
    else:
        raise ValueError(kind)
    try:
        described = con.execute(f"describe {sql}", params).fetchall()
    except duckdb.Error as exc:
        raise InputError(f"{path}: cannot be read as {kind}: {first_line(exc)}") from None
    return sql, params, {r[0]: r[1] for r in described if r[0] != "_line"}


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def column_ref(name: str) -> str:
    """SQL for a column of the file's relation `s`."""
    return f"s.{ident(name)}"


def named_columns(
    types: dict[str, str], known: Iterable[str], rename: Callable[[str], str] = str
) -> dict[str, tuple[str, str]]:
    """{target column: (SQL, DuckDB type)} for a file's columns: a header (after `rename`) that matches a
    known column ignoring case and punctuation takes the known name (`billed_cost` → `BilledCost`), any other
    keeps its own; of two headers naming the same column the first wins."""
    canonical = {squash(c): c for c in known}
    out: dict[str, tuple[str, str]] = {}
    for name, duck_type in types.items():
        target = canonical.get(squash(rename(name)), rename(name))
        if squash(target) not in {squash(c) for c in out}:
            out[target] = (column_ref(name), duck_type)
    return out
