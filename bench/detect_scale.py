"""Detection at scale: wall time and peak memory of `alerts.detect.detect` over ~10 M requests.

Detection reads `marts.fct_llm_requests` only, so the benchmark scales a built demo warehouse's mart instead of
generating, ingesting and dbt-building 10 M requests: the mart is copied N times into a scratch DuckDB file,
each copy with its own users, API keys and request ids (a company N times bigger, same 30 days). Each run
is a fresh process; peak RSS is read from the kernel (`ru_maxrss`) at the end.

    .venv/bin/python bench/detect_scale.py WAREHOUSE --copies 33 [--out bench/results/detect_10m.json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alerts import buckets, detect, events  # noqa: E402


def scale(source: Path, target: Path, copies: int) -> int:
    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    con.execute("attach ? as src (read_only)", [str(source)])
    con.execute("create schema marts")
    con.execute(
        """
        create table marts.fct_llm_requests as
        select * replace (
            request_id || '-' || c as request_id,
            case when user_id is null then null else user_id || '-' || c end as user_id,
            case when api_key_id is null then null else api_key_id || '-' || c end as api_key_id
        )
        from src.marts.fct_llm_requests, range(?) t(c)
        """,
        [copies],
    )
    n = con.execute("select count(*) from marts.fct_llm_requests").fetchall()[0][0]
    con.close()
    return n


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("warehouse", type=Path, help="a built warehouse (e.g. from `burnrate demo`)")
    parser.add_argument("--copies", type=int, default=33)
    parser.add_argument("--work", type=Path, default=Path("bench/work/detect_scale.duckdb"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory_limit for the detection run")
    args = parser.parse_args()
    args.work.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    # scale in a child process, so the peak memory measured below is detection's alone
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        rows = pool.apply(scale, (args.warehouse, args.work, args.copies))
    scaled_s = time.monotonic() - started

    con = duckdb.connect(str(args.work), config={"memory_limit": args.memory_limit})
    t0 = time.monotonic()
    found = detect.detect(con, detect.Settings())
    detect_s = time.monotonic() - t0
    grouped = events.assign(found, buckets.team_of(con)) if found.height else found
    result = {
        "requests": rows,
        "copies": args.copies,
        "cells": con.execute(f"select count(*) from {buckets.CELLS}").fetchall()[0][0],
        "anomalies": found.height,
        "events": int(grouped["is_primary"].sum()) if found.height else 0,
        "scale_seconds": round(scaled_s, 1),
        "detect_seconds": round(detect_s, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        "duckdb_memory_limit": args.memory_limit,
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
