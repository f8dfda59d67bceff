"""Opening billing files: what a file is (sniffed from its first bytes and header) and the DuckDB relations
that read it.

* CSV (gzip or not, UTF-8 with or without a byte-order mark): every value as text, `NULL` and empty strings as
  null, except the money columns a format names (`decimals`), which the reader parses as `DECIMAL(38,12)`
  itself (see `relation`); `_line` is the row's number counting the header as 1 (the line number unless a
  value spans lines).
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
from ingest.billing_sql import MONEY, NULL_STRINGS, bind, ident

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
DELIMITERS = (",", "\t", ";", "|")


@dataclass(frozen=True)
class Sniffed:
    """What a file looks like: its container and its column names (CSV header, Parquet schema, JSON keys)."""

    kind: str  # csv | parquet | json
    columns: tuple[str, ...]
    compression: str = "none"  # gzip | none (DuckDB's name for it)
    delimiter: str = ","  # CSV only

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
    delimiter = max(DELIMITERS, key=header_line.count)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return Sniffed("csv", _unique([h.strip() for h in header]), compression, delimiter)


def _unique(names: list[str]) -> tuple[str, ...]:
    """Header names as DuckDB would name them: blanks become `column<i>`, repeats get `_1`, `_2`…"""
    out: list[str] = []
    for i, name in enumerate(names):
        name = name or f"column{i}"
        base, n = name, 0
        while name.lower() in {o.lower() for o in out}:
            n += 1
            name = f"{base}_{n}"
        out.append(name)
    return tuple(out)


@dataclass(frozen=True)
class Relation:
    """SQL reading a file in file order, and the same rows numbered (`_line`) for re-reading rejected ones.

    Numbering CSV and JSON rows in SQL (`WITH ORDINALITY`) makes DuckDB read the file on one thread, so the
    load reads `sql` (parallel, no `_line`) and numbers rows by the order they were inserted in, starting at
    `first_line`; only a file with rejected rows is read again, numbered, to fetch their text. Parquet rows
    carry their row number already (`first_line` None: `sql` has `_line`).
    """

    sql: str
    numbered: str
    params: dict
    types: dict[str, str]  # column -> DuckDB type, `_line` left out
    first_line: int | None


def relation(
    con: duckdb.DuckDBPyConnection, path: Path, sniffed: Sniffed, decimals: Iterable[str] = ()
) -> Relation:
    """The relation over a sniffed file (CSV: text, NULL/empty as null; Parquet as typed; JSON records).

    `decimals` names CSV columns (money) that `sql` reads as `DECIMAL(38,12)`: the reader parses the text
    itself, which costs less than reading text and casting it, and accepts exactly what `try_cast` accepts.
    A value it cannot parse fails the whole read (`duckdb.ConversionException`); the caller then reads the
    file again without `decimals`, so the row is quarantined with its text. `numbered`, which the quarantine
    reads, always has the source text."""
    kind = sniffed.kind
    params = {"path": str(path), "compression": sniffed.compression}
    if kind == "csv":
        # the header as Python's csv module read it, quoting as RFC 4180 and every billing export write it:
        # DuckDB's sniffer is not needed, and would guess wrong on a file with a malformed row
        text = dict.fromkeys(sniffed.columns, "VARCHAR")
        typed = text | dict.fromkeys(set(decimals) & set(text), MONEY)
        params |= {"delim": sniffed.delimiter, "text": text, "typed": typed}
        sql, first = f"select * from {_csv_reader('typed')}", 2  # the header is line 1
        numbered = f"select ordinality + 1 as _line, * exclude (ordinality) from {_csv_reader('text')} with ordinality"
    elif kind == "parquet":
        del params["compression"]
        sql = numbered = (
            "select file_row_number + 1 as _line, * exclude (file_row_number) "
            "from read_parquet($path, file_row_number = true)"
        )
        first = None
    elif kind == "json":
        reader = "read_json_objects($path, format = 'auto', compression = $compression)"
        sql, first = f"select json from {reader}", 1
        numbered = f"select ordinality as _line, json from {reader} with ordinality"
    else:
        raise ValueError(kind)
    try:
        described = con.execute(*bind(f"describe {sql}", params)).fetchall()
    except duckdb.Error as exc:
        raise InputError(f"{path}: cannot be read as {kind}: {first_line(exc)}") from None
    return Relation(sql, numbered, params, {r[0]: r[1] for r in described if r[0] != "_line"}, first)


def _csv_reader(columns: str) -> str:
    """`read_csv` of the file with the column types in parameter `$<columns>`."""
    nulls = ", ".join(f"'{n}'" for n in NULL_STRINGS)
    return (
        "read_csv($path, auto_detect = false, header = true, delim = $delim, quote = '\"', escape = '\"', "
        f"columns = ${columns}, nullstr = [{nulls}], compression = $compression)"
    )


def money_headers(
    sniffed: Sniffed, layout_columns: dict[str, str], rename: Callable[[str], str] = str
) -> tuple[str, ...]:
    """The file's column names that name a money column of the layout (as `named_columns` matches them)."""
    money = {squash(c) for c, kind in layout_columns.items() if kind == "money"}
    return tuple(name for name in sniffed.columns if squash(rename(name)) in money)


def first_line(exc: BaseException) -> str:
    """DuckDB's error in one line: its first lines up to its list of possible fixes."""
    lines = [line.strip() for line in str(exc).strip().splitlines()]
    kept = lines[: next((i for i, line in enumerate(lines) if line.startswith("Possible fixes")), len(lines))]
    return " / ".join(line for line in kept if line) or type(exc).__name__


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
