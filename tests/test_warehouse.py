"""One writer at a time; readers read published snapshots and never see a lock."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time

import duckdb
import pytest

from burnrate import warehouse
from burnrate.errors import WarehouseBusy


def _make_marts(con, n: int) -> None:
    con.execute("create schema if not exists marts")
    con.execute("create or replace table marts.t as select range as id from range(?)", [n])


def test_publish_then_read_snapshot(cfg):
    with warehouse.writer(cfg) as con:
        _make_marts(con, 10)
        first = warehouse.publish(con, cfg)
        # The writer still holds the warehouse, yet a reader opens the snapshot without a lock error.
        with warehouse.reader(cfg) as r:
            assert r.execute("select count(*) from t").fetchone()[0] == 10
            assert r.execute("select published_at from snapshot_info").fetchone()[0] is not None
        _make_marts(con, 20)
        second = warehouse.publish(con, cfg)
    assert first != second
    with warehouse.reader(cfg) as r:
        assert r.execute("select count(*) from marts.t").fetchone()[0] == 20


def test_old_snapshots_are_pruned(cfg):
    with warehouse.writer(cfg) as con:
        _make_marts(con, 1)
        for _ in range(6):
            warehouse.publish(con, cfg)
    assert len(list(cfg.published_dir.glob("marts-*.duckdb"))) == cfg.warehouse.keep_snapshots


def test_reader_without_snapshot_says_what_to_run(cfg):
    with pytest.raises(warehouse.NoSnapshotYet, match="burnrate run"), warehouse.reader(cfg):
        pass


def test_second_writer_waits_then_gives_up(cfg):
    held = threading.Event()
    release = threading.Event()

    def hold():
        with warehouse.writer_lock(cfg):
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(5)
    started = time.monotonic()
    with (
        pytest.raises(WarehouseBusy, match="another burnrate process"),
        warehouse.writer_lock(cfg, timeout=0.5),
    ):
        pass
    assert time.monotonic() - started >= 0.5
    release.set()
    t.join()
    with warehouse.writer_lock(cfg, timeout=1):
        pass


def _publish_loop(cfg_env: dict, rounds: int) -> None:
    import os

    os.environ.update(cfg_env)
    from burnrate import config

    c = config.load()
    with warehouse.writer(c) as con:
        for i in range(rounds):
            _make_marts(con, 1000 + i)
            warehouse.publish(con, c)


def test_readers_never_fail_while_a_writer_publishes(cfg):
    """Readers in this process loop while another process rewrites and republishes: zero failed reads."""
    with warehouse.writer(cfg) as con:
        _make_marts(con, 1000)
        warehouse.publish(con, cfg)
    env = {"BURNRATE_WAREHOUSE": str(cfg.warehouse_path)}
    proc = mp.get_context("spawn").Process(target=_publish_loop, args=(env, 30))
    proc.start()
    reads, failures = 0, []
    while (proc.is_alive() or reads < 50) and len(failures) < 5:
        try:
            with warehouse.reader(cfg) as r:
                assert r.execute("select count(*) from t").fetchone()[0] >= 1000
            reads += 1
        except (duckdb.Error, OSError) as exc:  # pragma: no cover - this is what must not happen
            failures.append(exc)
    proc.join()
    assert proc.exitcode == 0
    assert failures == [] and reads >= 50


def test_writers_and_dbt_run_within_the_memory_limit_and_spill_next_to_the_warehouse(cfg, monkeypatch):
    """warehouse.memory_limit (default 3GB) and temp_directory reach the writer and dbt's profile."""
    from burnrate import config
    from burnrate.build import dbt_env
    from tests.conftest import ROOT

    setting = "select current_setting('memory_limit'), current_setting('temp_directory')"
    with warehouse.writer(cfg) as con:
        limit, tmp = con.execute(setting).fetchone()
    assert limit == "2.7 GiB" and tmp == str(cfg.warehouse_path) + ".tmp"  # DuckDB prints 3GB as 2.7 GiB

    monkeypatch.setenv("BURNRATE_WAREHOUSE_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("BURNRATE_WAREHOUSE_TEMP_DIRECTORY", str(cfg.warehouse_path.parent / "spill"))
    small = config.load()
    with warehouse.writer(small) as con:
        assert con.execute(setting).fetchone() == ("953.6 MiB", str(cfg.warehouse_path.parent / "spill"))
    env = dbt_env(small)
    assert (env["BURNRATE_WAREHOUSE_MEMORY_LIMIT"], env["BURNRATE_WAREHOUSE_TEMP_DIRECTORY"]) == (
        "1GB",
        str(cfg.warehouse_path.parent / "spill"),
    )
    dbt_files = (ROOT / "profiles.yml").read_text() + (ROOT / "dbt_project.yml").read_text()
    unread = [name for name in env if name.startswith("BURNRATE_") and f"env_var('{name}'" not in dbt_files]
    assert not unread, unread


def test_checkpoint_on_commit_wraps_a_failed_transaction_and_restores_the_threshold(cfg):
    """Around a transaction that fails: the caller sees the original error, and the threshold comes back."""
    with warehouse.writer(cfg) as con:
        con.execute("create table t (id integer primary key)")
        before = con.execute("select current_setting('checkpoint_threshold')").fetchone()[0]
        with pytest.raises(duckdb.ConstraintException), warehouse.checkpoint_on_commit(con):
            con.execute("begin transaction")
            try:
                con.execute("insert into t values (1), (1)")
            except duckdb.Error:
                con.execute("rollback")
                raise
        assert con.execute("select current_setting('checkpoint_threshold')").fetchone()[0] == before
        assert con.execute("select count(*) from t").fetchone()[0] == 0
