"""How the dashboard reads: one published snapshot, short-lived read-only connections, cached results.

* `open_snapshot(cfg)` resolves the snapshot `current.duckdb` points to and lists its tables and columns.
  Its path is part of every cache key, so a new publish is read at once and old results simply age out.
* `query(snap, sql, params)` runs parameterised SQL through `burnrate.warehouse.reader(cfg)` — a
  short-lived read-only connection, shared by the queries of one page render (`render(cfg)`) and never
  held across reruns — and returns a polars frame. Inside Streamlit
  results are cached with `st.cache_data(ttl=serve.cache_ttl_seconds)`; the benchmark and tests pass
  `cached=False` to time and check the SQL itself.
* `missing(snap, table)` says why a table cannot be read yet (not built, or built with another shape), so
  pages show what to run instead of failing.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import polars as pl

from app.contracts import CONTRACTS, schema_of
from burnrate import warehouse
from burnrate.config import Config


@dataclass(frozen=True)
class Snapshot:
    """One published snapshot: where it is, what it holds, and whether to cache query results."""

    cfg: Config
    path: str
    columns: dict[str, frozenset[str]]  # "schema.table" -> column names
    cached: bool = True

    def has(self, table: str, columns: Sequence[str] = ()) -> bool:
        cols = self.columns.get(qualified(table))
        return cols is not None and set(columns) <= cols

    def columns_of(self, table: str) -> frozenset[str]:
        return self.columns.get(qualified(table), frozenset())


def qualified(table: str) -> str:
    return table if "." in table else f"{schema_of(table)}.{table}"


_local = threading.local()


@contextlib.contextmanager
def render(cfg: Config) -> Iterator[None]:
    """Share one read-only connection among the queries of one page render.

    The connection is opened on the first query that misses the cache and closed when the render ends, so
    it never outlives a script run (nothing is held in `st.cache_resource`), every query of a render reads
    the same snapshot, and a page pays for opening the snapshot once instead of once per query.
    """
    stack = contextlib.ExitStack()
    _local.render = {"cfg": cfg, "stack": stack, "con": None}
    try:
        yield
    finally:
        _local.render = None
        stack.close()


def _fetch(cfg: Config, sql: str, params: Sequence) -> pl.DataFrame:
    shared = getattr(_local, "render", None)
    if shared is not None and shared["cfg"] is cfg:
        if shared["con"] is None:
            shared["con"] = shared["stack"].enter_context(warehouse.reader(cfg))
        return shared["con"].sql(sql, params=list(params) or None).pl()
    with warehouse.reader(cfg) as con:
        return con.sql(sql, params=list(params) or None).pl()


@cache
def _cached_fetch(ttl: float):
    import streamlit as st

    @st.cache_data(ttl=ttl, show_spinner=False, max_entries=2000)
    def fetch(path: str, sql: str, params: tuple, _cfg: Config) -> pl.DataFrame:
        return _fetch(_cfg, sql, params)

    return fetch


def query(snap: Snapshot, sql: str, params: Sequence = ()) -> pl.DataFrame:
    """Rows of a parameterised query on the snapshot (cached per snapshot inside Streamlit)."""
    if snap.cached:
        return _cached_fetch(float(snap.cfg.serve.cache_ttl_seconds))(snap.path, sql, tuple(params), snap.cfg)
    return _fetch(snap.cfg, sql, params)


def _catalog(cfg: Config) -> dict[str, frozenset[str]]:
    frame = _fetch(
        cfg,
        "select table_schema || '.' || table_name as t, list(column_name) as cols "
        "from information_schema.columns where table_schema in ('marts', 'alerts', 'docs', 'main') group by 1",
        (),
    )
    return {row["t"]: frozenset(row["cols"]) for row in frame.iter_rows(named=True)}


def open_snapshot(cfg: Config, *, cached: bool = True) -> Snapshot | None:
    """The current published snapshot, or None when nothing has been published yet."""
    try:
        path = str(warehouse.current_snapshot(cfg))
    except warehouse.NoSnapshotYet:
        return None
    if cached:
        import streamlit as st

        catalog = st.cache_data(ttl=3600, show_spinner=False)(_catalog_for)(path, cfg)
    else:
        catalog = _catalog(cfg)
    return Snapshot(cfg=cfg, path=path, columns=catalog, cached=cached)


def _catalog_for(path: str, _cfg: Config) -> dict[str, frozenset[str]]:
    return _catalog(_cfg)


def missing(snap: Snapshot | None, table: str) -> str | None:
    """Why `table` cannot be read from the snapshot yet (what to run), or None when it can."""
    if snap is None:
        return "No warehouse snapshot is published yet: run `burnrate run` (or `burnrate demo`)."
    name = qualified(table)
    if name not in snap.columns:
        what = "`burnrate detect`" if name.startswith("alerts.") else "`burnrate build`"
        return f"`{name}` is not built yet: run {what}."
    lacking = sorted(set(CONTRACTS.get(table.split(".")[-1], {})) - snap.columns[name])
    if lacking:
        return (
            f"`{name}` lacks columns this page reads ({', '.join(lacking)}): rebuild with `burnrate build`."
        )
    return None


def in_list(column: str, values: Sequence[str]) -> tuple[str, list]:
    """`column` restricted to `values` as SQL + params; no restriction for an empty list.

    Written as `=` / `IN (?, …)` so DuckDB pushes it into the table scan (zone maps, dictionary filters),
    which matters on request-level facts.
    """
    if not values:
        return "true", []
    if len(values) == 1:
        return f"{column} = ?", [values[0]]
    return f"{column} in ({', '.join('?' * len(values))})", list(values)


def scalar(snap: Snapshot, sql: str, params: Sequence = ()):
    frame = query(snap, sql, params)
    return frame.item(0, 0) if frame.height else None


def to_date(value) -> date | None:
    return value if isinstance(value, date) or value is None else date.fromisoformat(str(value)[:10])
