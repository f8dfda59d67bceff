"""Benchmark: `burnrate build` (the models and their tests) on a generated workload, full and one-day incremental.

    .venv/bin/python bench/models_llm.py --requests-per-day 33334 --days 30      # ~1 M requests
    .venv/bin/python bench/models_llm.py --requests-per-day 333334 --days 30     # ~10 M requests
    .venv/bin/python bench/models_llm.py --all-sources                           # + cloud bills and DCGM

Generates the workload (kept under bench/work/ for re-runs), ingests every Langfuse/Helicone file except the
last day's, times a full `burnrate build`, ingests the last day's files (with the previous day's late
updates), times the incremental `burnrate build`, and writes bench/results/models_llm_<requests>.json.
With --all-sources the cloud bills (whole months, as providers deliver them) and the DCGM snapshots (all but
the last day's, then that day's) are ingested too, so the cloud and GPU models are timed with the LLM ones
(bench/results/models_all_<requests>.json). Ingest time is reported too but is not the point (see
bench/ingest_llm.py).
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


def main() -> None:
    from burnrate import warehouse
    from burnrate.build import build
    from burnrate.generate import generate
    from ingest import billing, dcgm, helicone, langfuse
    from ingest.tables import ensure_raw_tables
    from tests.workload import split_last_day, workload_config

    parser = argparse.ArgumentParser()
    parser.add_argument("--requests-per-day", type=int, default=33_334)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--all-sources", action="store_true", help="ingest cloud bills and DCGM metrics too")
    args = parser.parse_args()
    work = ROOT / "bench" / "work" / f"models_llm_{args.requests_per_day}x{args.days}"
    gen_dir = work / "demo"
    if not (gen_dir / "manifest.json").exists():
        generate(gen_dir, days=args.days, requests_per_day=args.requests_per_day, seed=1)
    manifest = json.loads((gen_dir / "manifest.json").read_text())
    last_day = date.fromisoformat(manifest["end_date"]) - timedelta(days=1)
    old, new = split_last_day(gen_dir, last_day)
    if args.all_sources:
        old += sorted((gen_dir / "billing").rglob("*.*"))
        for path in sorted((gen_dir / "dcgm" / "snapshots").rglob("*.prom")):
            (new if path.stem == last_day.isoformat() else old).append(path)
    (work / "warehouse.duckdb").unlink(missing_ok=True)
    cfg = workload_config(work)

    def ingest(files: list[Path]) -> float:
        t0 = time.perf_counter()
        with warehouse.writer(cfg) as con:
            ensure_raw_tables(con)
            langfuse.ingest_files(con, cfg, [f for f in files if "langfuse" in f.parts])
            helicone.ingest_files(con, cfg, [f for f in files if "helicone" in f.parts])
            if bills := [f for f in files if "billing" in f.parts]:
                billing.ingest_files(con, cfg, bills)
            if metrics := [f for f in files if "dcgm" in f.parts]:
                dcgm.ingest_files(con, cfg, metrics)
        return time.perf_counter() - t0

    def timed_build(**kwargs) -> float:
        t0 = time.perf_counter()
        result = build(cfg, show_progress=False, **kwargs)
        assert result.success, result.failures
        return time.perf_counter() - t0

    out = {"requests": manifest["requests"]["total"], "ingest_before_last_day_s": round(ingest(old), 1)}
    out["full_build_s"] = round(timed_build(full_refresh=True), 1)
    out["ingest_last_day_s"] = round(ingest(new), 1)
    out["incremental_build_s"] = round(timed_build(), 1)
    out["full_refresh_build_s"] = round(timed_build(full_refresh=True), 1)
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
