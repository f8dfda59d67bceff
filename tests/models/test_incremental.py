"""An incremental run after one new day of log files gives exactly what a full refresh gives."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from burnrate import warehouse
from burnrate.build import run_dbt
from burnrate.generate.deliveries import split_last_day
from ingest import helicone, langfuse
from tests.workload import workload_config


def _ingest(cfg, files: list[Path]) -> None:
    with warehouse.writer(cfg) as con:
        langfuse.ingest_files(con, cfg, [f for f in files if "langfuse" in f.parts])
        helicone.ingest_files(con, cfg, [f for f in files if "helicone" in f.parts])


def _run(cfg, *args: str) -> None:
    result = run_dbt(cfg, list(args), show_progress=False)
    assert result.success, result.failures


def test_incremental_after_one_new_day_equals_full_refresh(built, workload_root, tmp_path):
    demo = workload_root / "demo"
    manifest = json.loads((demo / "manifest.json").read_text())
    last_day = date.fromisoformat(manifest["end_date"]) - timedelta(days=1)
    old, new = split_last_day(demo, last_day)
    assert old and new

    cfg = workload_config(tmp_path)
    with warehouse.writer(cfg) as con:
        from ingest.tables import ensure_raw_tables

        ensure_raw_tables(con)
    _ingest(cfg, old)
    _run(cfg, "seed")
    _run(cfg, "run", "--select", "+fct_llm_requests", "--full-refresh")
    with warehouse.writer(cfg) as con:  # our own scratch warehouse (never published: no reader snapshot)
        assert con.execute("select max(request_date) from marts.fct_llm_requests").fetchone()[0] < last_day

    _ingest(cfg, new)
    _run(cfg, "run", "--select", "+fct_llm_requests")
    with warehouse.writer(cfg) as con:
        con.execute("create schema if not exists scratch")
        con.execute("create or replace table scratch.incremental as select * from marts.fct_llm_requests")
    _run(cfg, "run", "--select", "+fct_llm_requests", "--full-refresh")

    with warehouse.writer(cfg) as con:
        n_incremental, n_full, n_last_day = con.execute(
            "select (select count(*) from scratch.incremental), count(*), "
            "count(*) filter (where request_date = ?) from marts.fct_llm_requests",
            [last_day],
        ).fetchone()
        only_incremental = con.execute(
            "select count(*) from (select * from scratch.incremental except all select * from marts.fct_llm_requests)"
        ).fetchone()[0]
        only_full = con.execute(
            "select count(*) from (select * from marts.fct_llm_requests except all select * from scratch.incremental)"
        ).fetchone()[0]
    assert n_last_day > 0
    assert n_incremental == n_full
    assert (only_incremental, only_full) == (0, 0)
