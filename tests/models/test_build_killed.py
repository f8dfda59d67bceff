"""SIGKILL during `burnrate build` (the incremental build of a new day), then a re-run: every mart holds what
a clean run holds (rows and totals), and the killed run published nothing half-built."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta

import duckdb
import pytest

from burnrate import warehouse
from burnrate.build import build, project_dir
from burnrate.generate.deliveries import split_last_day
from ingest import helicone, langfuse
from tests.workload import FILE_SOURCES, workload_config

pytestmark = pytest.mark.slow


def mart_totals(path) -> dict[str, tuple]:
    """Per mart: its row count and the sum of every numeric column (rounded: float sums may reorder)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall():
            cols = [
                c
                for c, t in con.execute(
                    "select column_name, data_type from duckdb_columns() where schema_name = 'marts' "
                    "and table_name = ? order by column_index",
                    [table],
                ).fetchall()
                if t.startswith(("DECIMAL", "DOUBLE", "FLOAT", "BIGINT", "INTEGER", "HUGEINT"))
            ]
            sums = ", ".join(f'round(sum("{c}")::double, 4)' for c in cols)
            out[table] = con.execute(
                f"select count(*){', ' + sums if sums else ''} from marts.{table}"
            ).fetchone()
        return out
    finally:
        con.close()


def _ingest(cfg, paths) -> None:
    with warehouse.writer(cfg) as con:
        langfuse.ingest_files(con, cfg, [p for p in paths if "langfuse" in p.parts])
        helicone.ingest_files(con, cfg, [p for p in paths if "helicone" in p.parts])


def test_build_killed_mid_incremental_run_then_rerun_equals_a_clean_build(built, workload_root, tmp_path):
    demo = workload_root / "demo"
    last_day = date.fromisoformat(json.loads((demo / "manifest.json").read_text())["end_date"]) - timedelta(1)
    old, new = split_last_day(demo, last_day)
    cfg = workload_config(tmp_path)
    _ingest(cfg, old)
    with warehouse.writer(cfg) as con:  # the cloud and GPU sources whole, as in the clean run
        import importlib

        for module, folder in FILE_SOURCES[2:]:
            importlib.import_module(module).ingest_files(con, cfg, [demo / folder])
    assert build(cfg, show_progress=False).success
    published = sorted(cfg.published_dir.glob("marts-*.duckdb"))
    _ingest(cfg, new)

    log = project_dir() / "target" / "logs" / "dbt.log"
    offset = log.stat().st_size if log.exists() else 0
    env = {**os.environ, "BURNRATE_WAREHOUSE": str(cfg.warehouse_path), "BURNRATE_CONFIG": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "burnrate", "build"],
        env=env,
        cwd=project_dir(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        with open(log, "rb") as fh:
            fh.seek(offset)
            if fh.read().count(b"OK created") >= 6:  # some models rebuilt, more to go
                break
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL, "the build finished before the kill"
    assert sorted(cfg.published_dir.glob("marts-*.duckdb")) == published  # nothing half-built published

    result = build(cfg, show_progress=False)
    assert result.success, result.failures
    assert mart_totals(cfg.warehouse_path) == mart_totals(built.warehouse_path)
    # the re-run's snapshot (synced by day from the first build's) holds what the clean build published
    assert mart_totals(warehouse.current_snapshot(cfg)) == mart_totals(warehouse.current_snapshot(built))
