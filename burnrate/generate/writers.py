"""Deterministic file writers: the same input always gives the same bytes.

gzip members carry mtime 0 and no file name; CSVs are written by polars with fixed column order; Parquet by
pyarrow with fixed settings (no wall-clock anywhere). Large outputs are written in slices so memory stays
bounded by the slice, not by the run.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

SLICE = 20_000  # rows encoded at once (a multiple of the 1000-row API page size)


class GzipLines:
    """Append text lines to a gzip file (mtime=0, no embedded name)."""

    def __init__(self, path: Path, level: int = 6) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._raw = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=level)
        self.rows = 0

    def write(self, lines: pl.Series) -> None:
        if len(lines):
            self._gz.write((lines.str.join("\n").item() + "\n").encode())
            self.rows += len(lines)

    def close(self) -> None:
        self._gz.close()
        self._raw.close()


def write_lines(path: Path, lines: pl.Series, mode: str = "wb") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, mode) as fh:
        if len(lines):
            fh.write((lines.str.join("\n").item() + "\n").encode())


def encode_in_slices(frame: pl.DataFrame, expr: pl.Expr, prepare=None):
    """Yield the encoded JSON lines of `frame` slice by slice (bounded memory).

    `prepare(slice) -> slice` adds derived columns per slice instead of for the whole frame.
    """
    for off in range(0, frame.height, SLICE):
        part = frame.slice(off, SLICE)
        if prepare is not None:
            part = prepare(part)
        yield part.select(expr.alias("line")).to_series()


def json_page(path: Path, lines: pl.Series, envelope_tail: str) -> None:
    """Write `{"data":[<lines>],<envelope_tail>}` — an API response page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = lines.str.join(",").item() if len(lines) else ""
    path.write_bytes(('{"data":[' + body + "]," + envelope_tail + "}").encode())


def cursor(payload: dict) -> str:
    """An opaque base64 JSON cursor like Langfuse's v2 observations cursor."""
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def write_csv(path: Path, frame: pl.DataFrame, *, bom: bool = False, gz: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.write_csv(include_bom=bom, line_terminator="\n", quote_style="necessary")
    data = text.encode("utf-8")
    if gz:
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as fh:
            fh.write(data)
    else:
        path.write_bytes(data)


def write_rows_csv(path: Path, rows: list[dict]) -> None:
    """Small lookup tables: every value as text (booleans lower-case), header from the first row."""

    def text(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        return "" if v is None else str(v)

    frame = pl.DataFrame({k: [text(r[k]) for r in rows] for k in rows[0]}) if rows else pl.DataFrame()
    write_csv(path, frame)


def write_parquet(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        row_group_size=100_000,
    )


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
