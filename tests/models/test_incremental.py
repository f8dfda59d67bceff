"""An incremental run after one new day of log files gives exactly what a full refresh gives."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from burnrate import warehouse
from burnrate.build import run_dbt
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
SELECTED = tuple(f"+{m.split('.')[1]}" for m in INCREMENTAL_MARTS)


def _run(cfg, *args: str) -> None:
    result = run_dbt(cfg, list(args), show_progress=False)
    assert result.success, result.failures


def test_incremental_after_one_new_day_equals_full_refresh(built, workload_root, tmp_path):
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
    _run(cfg, "seed")
    _run(cfg, "run", "--select", *SELECTED, "--full-refresh")
    with warehouse.writer(cfg) as con:  # our own scratch warehouse (never published: no reader snapshot)
        assert con.execute("select max(request_date) from marts.fct_llm_requests").fetchone()[0] < last_day

    _ingest(cfg, new)
    # built as a daily `burnrate build` does: the data tests on the days it rebuilt (macros/get_where_subquery.sql)
    _run(
        cfg,
        "build",
        "--select",
        *SELECTED,
        "--indirect-selection",
        "cautious",
        "--exclude-resource-type",
        "unit_test",
    )
    with warehouse.writer(cfg) as con:
        con.execute("create schema if not exists scratch")
        for mart in INCREMENTAL_MARTS:
            con.execute(f"create or replace table scratch.{mart.split('.')[1]} as select * from {mart}")
    _run(cfg, "run", "--select", *SELECTED, "--full-refresh")

    with warehouse.writer(cfg) as con:
        n_last_day = con.execute(
            "select count(*) from marts.fct_llm_requests where request_date = ?", [last_day]
        ).fetchone()[0]
        differences = {}
        for mart in INCREMENTAL_MARTS:
            copy = f"scratch.{mart.split('.')[1]}"
            differences[mart] = con.execute(
                f"""select (select count(*) from {copy}), (select count(*) from {mart}),
                    (select count(*) from (select * from {copy} except all select * from {mart})),
                    (select count(*) from (select * from {mart} except all select * from {copy}))"""
            ).fetchone()
    assert n_last_day > 0
    with warehouse.writer(cfg) as con:
        assert con.execute(
            "select count(*) from intermediate.int_gpu_scrapes where sample_date = ?", [last_day]
        ).fetchone()[0]
    for mart, (n_incremental, n_full, only_incremental, only_full) in differences.items():
        assert n_incremental == n_full, mart
        assert (only_incremental, only_full) == (0, 0), mart
