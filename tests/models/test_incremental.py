"""A daily build after one new day of log files gives exactly what a full refresh gives."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from pathlib import Path

from burnrate import build_state, warehouse
from burnrate.build import build
from burnrate.generate.deliveries import split_dcgm_last_day, split_last_day
from ingest import dcgm, helicone, langfuse
from tests.workload import workload_config


def _ingest(cfg, files: list[Path]) -> None:
    with warehouse.writer(cfg) as con:
        langfuse.ingest_files(con, cfg, [f for f in files if "langfuse" in f.parts])
        helicone.ingest_files(con, cfg, [f for f in files if "helicone" in f.parts])
        if metrics := [f for f in files if "dcgm" in f.parts]:
            dcgm.ingest_files(con, cfg, metrics)


# the request-level fact, the day-grain marts incremental with it and the DCGM scrapes (schema.table)
INCREMENTAL_MARTS = (
    "marts.fct_llm_requests",
    "marts.fct_llm_usage_daily",
    "marts.fct_feature_efficiency_daily",
    "intermediate.int_gpu_scrapes",
)


def test_daily_build_after_one_new_day_equals_full_refresh(built, workload_root, tmp_path, caplog):
    """`burnrate build` as run daily (rebuild_from the days the new rows touched, data tests on those days,
    unchanged seeds and views kept, the snapshot synced by day) gives the marts and the published snapshot a
    full refresh gives."""
    demo = workload_root / "demo"
    manifest = json.loads((demo / "manifest.json").read_text())
    last_day = date.fromisoformat(manifest["end_date"]) - timedelta(days=1)
    old, new = split_last_day(demo, last_day)
    old_metrics, new_metrics = split_dcgm_last_day(demo, last_day)  # DCGM scraped up to the last day
    old, new = old + old_metrics, new + new_metrics
    assert old and new

    cfg = workload_config(tmp_path)
    with warehouse.writer(cfg) as con:
        from ingest.tables import ensure_raw_tables

        ensure_raw_tables(con)
    _ingest(cfg, old)
    _build(cfg)  # the warehouse's first build: a full one
    with warehouse.writer(cfg) as con:
        assert con.execute("select max(request_date) from marts.fct_llm_requests").fetchone()[0] < last_day

    _ingest(cfg, new)
    with caplog.at_level(logging.INFO, logger="burnrate.warehouse"):
        _build(cfg)
    assert "(incremental)" in caplog.text  # the snapshot was synced by day, not copied whole
    assert json.loads((build_state.state_dir(cfg) / "watermark.json").read_text())["generation"]
    daily_snapshot = warehouse.current_snapshot(cfg)
    with warehouse.writer(cfg) as con:
        con.execute("create schema if not exists scratch")
        for mart in INCREMENTAL_MARTS:
            con.execute(f"create or replace table scratch.{mart.split('.')[1]} as select * from {mart}")
    _build(cfg, full_refresh=True)

    with warehouse.writer(cfg) as con:
        n_last_day = con.execute(
            "select count(*) from marts.fct_llm_requests where request_date = ?", [last_day]
        ).fetchone()[0]
        differences = {
            mart: _difference(con, f"scratch.{mart.split('.')[1]}", mart) for mart in INCREMENTAL_MARTS
        }
        con.execute("attach ? as daily (read_only)", [str(daily_snapshot)])
        con.execute("attach ? as refreshed (read_only)", [str(warehouse.current_snapshot(cfg))])
        published = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'refreshed' "
            "and table_name <> 'snapshot_info' order by all"
        ).fetchall()
        assert ("marts", "fct_llm_requests") in published
        for schema, table in published:
            differences[f"snapshot {schema}.{table}"] = _difference(
                con, f'daily."{schema}"."{table}"', f'refreshed."{schema}"."{table}"'
            )
    assert n_last_day > 0
    with warehouse.writer(cfg) as con:
        assert con.execute(
            "select count(*) from intermediate.int_gpu_scrapes where sample_date = ?", [last_day]
        ).fetchone()[0]
    for name, (n_incremental, n_full, only_incremental, only_full) in differences.items():
        assert n_incremental == n_full, name
        assert (only_incremental, only_full) == (0, 0), name


def _build(cfg, **kwargs) -> None:
    result = build(cfg, show_progress=False, **kwargs)
    assert result.success, result.failures


def _difference(con, a: str, b: str) -> tuple[int, int, int, int]:
    """Rows of a and b, and rows only in a / only in b (as multisets)."""
    return con.execute(
        f"""select (select count(*) from {a}), (select count(*) from {b}),
            (select count(*) from (select * from {a} except all select * from {b})),
            (select count(*) from (select * from {b} except all select * from {a}))"""
    ).fetchone()
