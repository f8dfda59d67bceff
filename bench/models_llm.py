"""Benchmark: `burnrate build` (the models and their tests) on a generated workload, full and one-day incremental.

    .venv/bin/python bench/models_llm.py --requests-per-day 33334 --days 30      # ~1 M requests
    .venv/bin/python bench/models_llm.py --requests-per-day 333334 --days 30     # ~10 M requests
    .venv/bin/python bench/models_llm.py --all-sources                           # + cloud bills and DCGM

    .venv/bin/python bench/models_llm.py --requests-per-day 33334 --days 30 --replicate 10  # ~10 M, faster

Generates the workload (kept under bench/work/ for re-runs), ingests every Langfuse/Helicone file except the
last day's, times a full `burnrate build`, ingests the last day's files (with the previous day's late
updates), times the incremental `burnrate build`, then a full refresh of the same data, and writes
bench/results/models_llm_<requests>.json (`*_build_s`: the command, dbt plus publishing the marts snapshot;
`*_dbt_s`: dbt's own elapsed time).
With --all-sources the cloud bills (whole months, as providers deliver them) and the DCGM snapshots (all but
the last day's, then that day's) are ingested too, so the cloud and GPU models are timed with the LLM ones
(bench/results/models_all_<requests>.json). Ingest time is reported too but is not the point (see bench/ingest_llm.py). `--replicate N` ingests the files
once and then copies each ingested raw row N-1 times with suffixed ids (Langfuse ids, trace ids and the
Helicone link; Helicone request ids), so 10 M requests reach the models without ingesting 10 GB of API pages
page by page; the models see N times the rows per day.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def replicate(con, since, copies: int) -> None:
    """Copy the raw LLM rows ingested since `since` copies-1 times, ids suffixed `~k` (links kept)."""
    con.execute(
        """
        insert into raw.langfuse_observations
        select o.* replace (
            id || '~' || k as id,
            trace_id || '~' || k as trace_id,
            case when metadata->>'helicone_request_id' is null then metadata
                 else json_merge_patch(metadata, json_object('helicone_request_id',
                                                             (metadata->>'helicone_request_id') || '~' || k))
            end as metadata)
        from raw.langfuse_observations as o, range(1, ?) as r(k)
        where _ingested_at >= ? and id not like '%~%'
        """,
        [copies, since],
    )
    con.execute(
        """
        insert into raw.helicone_requests
        select h.* replace (request_id || '~' || k as request_id, response_id || '~' || k as response_id)
        from raw.helicone_requests as h, range(1, ?) as r(k)
        where _ingested_at >= ? and request_id not like '%~%'
        """,
        [copies, since],
    )


def main() -> None:
    from burnrate import warehouse
    from burnrate.build import build
    from burnrate.generate import generate
    from burnrate.generate.deliveries import split_dcgm_last_day, split_last_day
    from ingest import billing, dcgm, helicone, langfuse
    from ingest.tables import ensure_raw_tables
    from tests.workload import workload_config

    parser = argparse.ArgumentParser()
    parser.add_argument("--requests-per-day", type=int, default=33_334)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--all-sources", action="store_true", help="ingest cloud bills and DCGM metrics too")
    parser.add_argument("--replicate", type=int, default=1, help="copies of every ingested raw row")
    args = parser.parse_args()
    work = ROOT / "bench" / "work" / f"models_llm_{args.requests_per_day}x{args.days}"
    gen_dir = work / "demo"
    if args.replicate > 1:
        work = work.with_name(f"{work.name}_x{args.replicate}")
    if not (gen_dir / "manifest.json").exists():
        generate(gen_dir, days=args.days, requests_per_day=args.requests_per_day, seed=1)
    manifest = json.loads((gen_dir / "manifest.json").read_text())
    last_day = date.fromisoformat(manifest["end_date"]) - timedelta(days=1)
    old, new = split_last_day(gen_dir, last_day)
    if args.all_sources:
        old += sorted((gen_dir / "billing").rglob("*.*"))
        dcgm_old, dcgm_new = split_dcgm_last_day(gen_dir, last_day)
        old, new = old + dcgm_old, new + dcgm_new
    (work / "warehouse.duckdb").unlink(missing_ok=True)
    cfg = workload_config(work)

    def ingest(files: list[Path]) -> float:
        t0 = time.perf_counter()
        with warehouse.writer(cfg) as con:
            ensure_raw_tables(con)
            since = con.execute("select now()::timestamp").fetchone()[0]
            langfuse.ingest_files(con, cfg, [f for f in files if "langfuse" in f.parts])
            helicone.ingest_files(con, cfg, [f for f in files if "helicone" in f.parts])
            if bills := [f for f in files if "billing" in f.parts]:
                billing.ingest_files(con, cfg, bills)
            if metrics := [f for f in files if "dcgm" in f.parts]:
                dcgm.ingest_files(con, cfg, metrics)
            if args.replicate > 1:
                replicate(con, since, args.replicate)
        return time.perf_counter() - t0

    def timed_build(name: str, **kwargs) -> None:
        """`burnrate build` wall time (dbt + publishing the marts snapshot) and dbt's own elapsed time."""
        t0 = time.perf_counter()
        result = build(cfg, show_progress=False, **kwargs)
        assert result.success, result.failures
        out[f"{name}_build_s"] = round(time.perf_counter() - t0, 1)
        run_results = json.loads((ROOT / "target" / "run_results.json").read_text())
        out[f"{name}_dbt_s"] = round(run_results["elapsed_time"], 1)

    out = {
        "requests": manifest["requests"]["total"] * args.replicate,
        "ingest_before_last_day_s": round(ingest(old), 1),
    }
    timed_build("full", full_refresh=True)
    out["ingest_last_day_s"] = round(ingest(new), 1)
    timed_build("incremental")
    timed_build("full_refresh", full_refresh=True)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    with warehouse.reader(cfg, live=True) as con:
        out["fct_llm_requests_rows"] = con.execute("select count(*) from marts.fct_llm_requests").fetchone()[
            0
        ]
    name = "models_all" if args.all_sources else "models_llm"
    results = ROOT / "bench" / "results" / f"{name}_{out['requests']}.json"
    results.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
