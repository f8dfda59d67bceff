"""Build JSON text with polars expressions: fast, vectorised, with a fixed key order.

Serialising millions of records through Python dicts is the slow part of a naive generator; instead every
record becomes one string column assembled by `pl.concat_str`. Values come from a safe alphabet (ids,
names, numbers, ISO timestamps): nothing here needs JSON escaping, and tests parse every line back.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

NULL = pl.lit("null")


def jstr(e: pl.Expr) -> pl.Expr:
    """A JSON string, or null."""
    return pl.when(e.is_null()).then(NULL).otherwise(pl.concat_str([pl.lit('"'), e, pl.lit('"')]))


def jnum(e: pl.Expr) -> pl.Expr:
    """A JSON number, or null."""
    return pl.when(e.is_null()).then(NULL).otherwise(e.cast(pl.String))


def jbool(e: pl.Expr) -> pl.Expr:
    return pl.when(e.is_null()).then(NULL).when(e).then(pl.lit("true")).otherwise(pl.lit("false"))


def jiso(ms: pl.Expr) -> pl.Expr:
    """Epoch milliseconds as an ISO-8601 UTC JSON string with milliseconds, or null."""
    return jstr(iso(ms))


def iso(ms: pl.Expr) -> pl.Expr:
    return pl.from_epoch(ms, time_unit="ms").dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")


def obj(pairs: Sequence[tuple[str, pl.Expr]]) -> pl.Expr:
    """A JSON object with every key present; values are already-encoded JSON expressions."""
    parts: list[pl.Expr] = []
    for i, (key, value) in enumerate(pairs):
        parts.append(pl.lit(("{" if i == 0 else ",") + f'"{key}":'))
        parts.append(value)
    parts.append(pl.lit("}" if pairs else "{}"))
    return pl.concat_str(parts)


def sparse_obj(pairs: Sequence[tuple[str, pl.Expr]]) -> pl.Expr:
    """A JSON object that leaves out keys whose (encoded) value expression is null."""
    entries = [pl.concat_str([pl.lit(f'"{key}":'), value]) for key, value in pairs]
    body = pl.concat_str(entries, separator=",", ignore_nulls=True) if entries else pl.lit("")
    return pl.concat_str([pl.lit("{"), body.fill_null(""), pl.lit("}")])


def jstr_list(items: Sequence[pl.Expr]) -> pl.Expr:
    """A JSON array of strings, skipping null items."""
    entries = [pl.concat_str([pl.lit('"'), e, pl.lit('"')]) for e in items]
    return pl.concat_str(
        [pl.lit("["), pl.concat_str(entries, separator=",", ignore_nulls=True).fill_null(""), pl.lit("]")]
    )
