"""The one place that opens DuckDB files.

A DuckDB file is one read-write process or many read-only ones, never both. Burnrate therefore has:

* **one writer at a time** on the warehouse (`writer()`): ingest, build, detect and alert take an advisory
  file lock (`<warehouse>.lock`) before opening the file, so the scheduler and a manual `burnrate run`
  queue politely instead of failing on DuckDB's lock;
* **published snapshots for readers**: after the writer changes the marts it copies them into a fresh
  DuckDB file and swaps the `current.duckdb` symlink to it atomically (`publish()`). The dashboard and
  `burnrate sql` open that snapshot read-only (`reader()`), so they never block the writer and never see a
  lock error or a half-built table. Old snapshots are pruned, keeping a few generations for readers that
  are still opening one.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from burnrate.config import Config
from burnrate.errors import BurnrateError, WarehouseBusy

log = logging.getLogger(__name__)

# Schemas copied into the published snapshot: what the dashboard, alerts and analysts read (`docs` is the
# data dictionary `burnrate build` writes from dbt's manifest).
PUBLISHED_SCHEMAS: tuple[str, ...] = ("marts", "alerts", "docs")
# What unqualified table names resolve to for readers.
SEARCH_PATH: tuple[str, ...] = ("marts", "alerts", "main")
CURRENT = "current.duckdb"


class NoSnapshotYet(BurnrateError):
    def __init__(self, published_dir: Path):
        super().__init__(
            f"no published warehouse snapshot in {published_dir} yet: run `burnrate run` (or `burnrate demo`) first"
        )


def _session_settings(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SET TimeZone = 'UTC'")


@contextlib.contextmanager
def writer_lock(cfg: Config, *, timeout: float | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock; wait up to `timeout` seconds for another writer to finish."""
    timeout = cfg.warehouse.lock_timeout_seconds if timeout is None else timeout
    path = cfg.warehouse_path
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"the warehouse {path} is being written by another burnrate process (pid {holder}); "
                        f"gave up after {timeout:.0f}s"
                    ) from None
                if not announced:
                    log.warning(
                        "waiting for another burnrate writer (pid %s) to finish with %s", holder, path
                    )
                    announced = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock, as does the process dying


def _connect_rw(cfg: Config, deadline: float) -> duckdb.DuckDBPyConnection:
    config = cfg.duckdb_settings
    while True:
        try:
            return duckdb.connect(str(cfg.warehouse_path), config=config)
        except duckdb.IOException as exc:
            # Someone outside Burnrate (an analyst's `duckdb` shell, a notebook) holds the file.
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"cannot open {cfg.warehouse_path} for writing: {exc}. Close other programs that have it "
                    "open; readers should use the published snapshot (`burnrate sql`)"
                ) from None
            time.sleep(0.5)


@contextlib.contextmanager
def writer(cfg: Config, *, take_lock: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, opened read-write under the writer lock. Closed (and the lock released) on exit.

    `take_lock=False` is for code that already holds `writer_lock` (e.g. around a dbt run).
    """
    with writer_lock(cfg) if take_lock else contextlib.nullcontext():
        con = _connect_rw(cfg, time.monotonic() + cfg.warehouse.lock_timeout_seconds)
        try:
            _session_settings(con)
            yield con
        finally:
            con.close()


# DuckDB's row group: an INSERT writes every full one into the database file before the commit.
OPTIMISTIC_ROWS = 122_880


@contextlib.contextmanager
def checkpoint_on_commit(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Inside: a commit writes its changes into the database file (a checkpoint), not the write-ahead log.

    Why: DuckDB writes a large INSERT's rows into the file before the commit (optimistic writes, row group
    by row group) and decides whether a commit checkpoints from its estimate of the log it would write. After
    an UPDATE or DELETE of such rows (billing numbers its rows with one) that estimate stays small while the
    log gets every row again, about 400 MB for 1 M billing rows, later replayed into the file by a
    checkpoint: each row is written twice. With the threshold at its lowest the commit checkpoints at once
    and DuckDB skips the log; the commit is as durable. Only for large batches: a checkpoint per small
    commit costs more than its log. The setting is global to the database, so the previous value comes back
    on the way out. Enter it outside the transaction (before `begin`, leave after `commit`/`rollback`):
    inside a failed transaction DuckDB refuses to restore the setting.
    """
    previous = con.execute("select current_setting('checkpoint_threshold')").fetchone()[0]
    con.execute("set checkpoint_threshold = '1KB'")
    try:
        yield
    finally:
        con.execute("set checkpoint_threshold = ?", [previous])


def current_snapshot(cfg: Config) -> Path:
    """The snapshot file `current.duckdb` points to right now."""
    link = cfg.published_dir / CURRENT
    try:
        target = os.readlink(link)
    except FileNotFoundError:
        raise NoSnapshotYet(cfg.published_dir) from None
    return (cfg.published_dir / target).resolve()


@contextlib.contextmanager
def reader(cfg: Config, *, live: bool = False, attempts: int = 20) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection to the published snapshot (or, with `live`, to the warehouse).

    The snapshot never has a writer, so opening it cannot hit a lock; the bounded retry covers the
    millisecond race where a snapshot is pruned between resolving the symlink and opening the file.
    """
    last: Exception | None = None
    for attempt in range(attempts):
        try:
            path = cfg.warehouse_path if live else current_snapshot(cfg)
            con = duckdb.connect(str(path), read_only=True)
            break
        except NoSnapshotYet:
            raise
        except (duckdb.IOException, FileNotFoundError) as exc:
            if live and "lock" in str(exc).lower() and attempt == attempts - 1:
                raise WarehouseBusy(
                    f"{cfg.warehouse_path} is being written right now; read the published snapshot instead "
                    "(drop --live)"
                ) from None
            last = exc
            time.sleep(min(0.05 * 2**attempt, 1.0))
    else:
        raise BurnrateError(f"could not open the warehouse for reading: {last}")
    try:
        _session_settings(con)
        present = {r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()}
        # a live warehouse may not have every published schema yet (alerts before the first alert run)
        schemas = ",".join(s for s in SEARCH_PATH if s in present)
        con.execute(f"SET search_path = '{schemas}'")
        yield con
    finally:
        con.close()


def _tables(
    con: duckdb.DuckDBPyConnection, schemas: Sequence[str], database: str | None = None
) -> list[tuple[str, str]]:
    """The tables and views of `schemas` in `database` (the connection's own by default)."""
    database = database or con.execute("select current_database()").fetchone()[0]
    rows = con.execute(
        """
        select schema_name, table_name from duckdb_tables()
        where database_name = ? and list_contains(?, schema_name)
        union all
        select schema_name, view_name from duckdb_views()
        where database_name = ? and list_contains(?, schema_name) and not internal
        order by 1, 2
        """,
        [database, list(schemas), database, list(schemas)],
    ).fetchall()
    return [(s, t) for s, t in rows]


def publish(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    schemas: Sequence[str] = PUBLISHED_SCHEMAS,
    *,
    changed_days: Mapping[str, tuple[str, str]] | None = None,
    base_generation: str | None = None,
) -> Path:
    """Copy `schemas` from the writer's connection into a new snapshot and point `current.duckdb` at it.

    The snapshot records the build generation of the warehouse (burnrate/build_state.py) its marts come from.
    A daily build passes `changed_days` ({"schema.table": (day column, first day)}: the tables that changed only
    on days from the first day on) and the generation of the build before it: when the current snapshot is of
    that generation, the new one starts as a copy of it and those tables get only their changed days replaced
    (a 10 M-request fact is not copied whole every day); every other table is copied anew.
    """
    from burnrate import build_state

    out_dir = cfg.published_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = out_dir / f"marts-{stamp}-{os.getpid()}.duckdb"
    tmp = final.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    tables = _tables(con, schemas)
    base = _snapshot_of_generation(cfg, base_generation) if changed_days and base_generation else None
    if base is not None:
        shutil.copyfile(base, tmp)
    con.execute("ATTACH ? AS snapshot", [str(tmp)])
    try:
        kept = _tables(con, [*schemas, "main"], database="snapshot") if base is not None else []
        for schema, table in kept:
            if (schema, table) not in tables:
                con.execute(f'DROP TABLE snapshot."{schema}"."{table}"')
        for schema in dict.fromkeys([*schemas, *(s for s, _ in tables)]):
            con.execute(f'CREATE SCHEMA IF NOT EXISTS snapshot."{schema}"')
        for schema, table in tables:
            name = f'"{schema}"."{table}"'
            days = (changed_days or {}).get(f"{schema}.{table}")
            if (schema, table) in kept and days and _same_columns(con, schema, table):
                column, first = days
                # and any day after the last one the snapshot holds (a model that was behind catches up)
                first = (
                    con.execute(
                        f'SELECT least(CAST(? AS DATE), max("{column}") + 1) FROM snapshot.{name}', [first]
                    ).fetchone()[0]
                    or first
                )
                con.execute(f'DELETE FROM snapshot.{name} WHERE "{column}" >= CAST(? AS DATE)', [first])
                con.execute(
                    f'INSERT INTO snapshot.{name} SELECT * FROM {name} WHERE "{column}" >= CAST(? AS DATE)',
                    [first],
                )
            else:
                con.execute(f"CREATE OR REPLACE TABLE snapshot.{name} AS SELECT * FROM {name}")
        con.execute(
            "CREATE OR REPLACE TABLE snapshot.main.snapshot_info AS "
            "SELECT ?::TIMESTAMPTZ AS published_at, ? AS warehouse, ? AS build_generation",
            [datetime.now(UTC), str(cfg.warehouse_path), build_state.generation(cfg)],
        )
    finally:
        con.execute("DETACH snapshot")
    os.replace(tmp, final)
    link_tmp = out_dir / f".{CURRENT}.{os.getpid()}"
    link_tmp.unlink(missing_ok=True)
    os.symlink(final.name, link_tmp)
    os.replace(link_tmp, out_dir / CURRENT)
    _prune(out_dir, keep=max(cfg.warehouse.keep_snapshots, 2), current=final)
    log.info("published %d tables to %s (%s)", len(tables), final, "incremental" if base else "full copy")
    return final


def _snapshot_of_generation(cfg: Config, generation: str) -> Path | None:
    """The current snapshot if its marts come from build `generation` of this warehouse, else None."""
    try:
        path = current_snapshot(cfg)
        with duckdb.connect(str(path), read_only=True) as snap:
            row = snap.execute("SELECT warehouse, build_generation FROM main.snapshot_info").fetchone()
    except (NoSnapshotYet, OSError, duckdb.Error):
        return None
    return path if row == (str(cfg.warehouse_path), generation) else None


def _same_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    sql = """select list(column_name || ' ' || data_type order by column_index) from duckdb_columns()
             where database_name = ? and schema_name = ? and table_name = ?"""
    return (
        con.execute(sql, [con.execute("select current_database()").fetchone()[0], schema, table]).fetchone()
        == con.execute(sql, ["snapshot", schema, table]).fetchone()
    )


def _prune(out_dir: Path, *, keep: int, current: Path) -> None:
    snapshots = sorted(out_dir.glob("marts-*.duckdb"), key=lambda p: p.name, reverse=True)
    for old in snapshots[keep:]:
        if old != current:
            old.unlink(missing_ok=True)
            old.with_name(old.name + ".wal").unlink(missing_ok=True)
