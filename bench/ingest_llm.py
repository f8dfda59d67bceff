"""Benchmark: Langfuse and Helicone export file ingest against DuckDB's own `read_json` of the same files.

    .venv/bin/python bench/ingest_llm.py --rows 1000000 --files 30 [--source langfuse|helicone|both]

For each source, writes `--files` gzip JSONL export files (Langfuse `observations_v2` snake_case, or
@helicone/export HeliconeRequest lines) with `--rows` records in total, then, each in a fresh process and a
fresh DuckDB file, on the same files:

* baseline: `create table t as select * from read_json([<the files>])` (DuckDB's reader, auto-detected
  schema, no dedupe, no lineage);
* burnrate: `ingest_files` (fingerprints, declared schema, latest-version merge, lineage, state), cold, with
  the default settings;
* burnrate again on the same files (all skipped by fingerprint).

Prints rows, wall seconds, rows/s, CPU seconds and peak RSS of each, and burnrate's throughput (wall) as a
share of the baseline's, one line per source. The machine's load average is printed too: on a shared
machine other work slows either run, so compare the CPU seconds when it is high.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LANGFUSE_SQL = """
select 'obs-' || i as id, 'trace-' || (i // 3) as trace_id, 'proj-bench' as project_id,
  'production' as environment, 'GENERATION' as type, null as parent_observation_id, true as is_root_observation,
  'chat.llm' as name, 'DEFAULT' as level, null as status_message, 'app-1' as version, false as bookmarked,
  false as public, 'user-' || (i % 997) as user_id, 'sess-' || (i % 5003) as session_id, 'chat' as trace_name,
  strftime(t, '%Y-%m-%dT%H:%M:%S.%gZ') as start_time,
  strftime(t + interval 1200 millisecond, '%Y-%m-%dT%H:%M:%S.%gZ') as end_time,
  strftime(t + interval 300 millisecond, '%Y-%m-%dT%H:%M:%S.%gZ') as completion_start_time,
  strftime(t + interval 2 second, '%Y-%m-%dT%H:%M:%S.%gZ') as created_at,
  strftime(t + interval 3 second, '%Y-%m-%dT%H:%M:%S.%gZ') as updated_at,
  'gpt-4o' as provided_model_name, 'lfm-gpt-4o' as internal_model_id, 'lfm-gpt-4o' as model_id,
  {'temperature': 0.2} as model_parameters,
  {'input': 100 + i % 50, 'input_cached_tokens': i % 4, 'output': 20 + i % 7} as provided_usage_details,
  {'input': 100 + i % 50, 'input_cached_tokens': i % 4, 'output': 20 + i % 7, 'total': 120 + i % 50 + i % 7 + i % 4}
    as usage_details,
  map() :: map(varchar, double) as provided_cost_details,
  {'input': (100 + i % 50) * 0.0000025, 'output': (20 + i % 7) * 0.00001} as cost_details,
  (100 + i % 50) * 0.0000025 + (20 + i % 7) * 0.00001 as total_cost, null as usage_pricing_tier_id,
  'Standard' as usage_pricing_tier_name, 'prm-1' as prompt_id, 'support' as prompt_name, 3 as prompt_version,
  null as input, null as output,
  {'team': 'team-' || (i % 7), 'feature': 'chat', 'helicone_request_id': 'hreq-' || i} as metadata,
  ['team:team-' || (i % 7), 'feature:chat'] as tags, '2026.11' as release, 1.2 as latency,
  0.3 as time_to_first_token, '0.0000025' as input_price, '0.00001' as output_price, null as total_price
from (select range as i, timestamp '2026-11-01' + to_milliseconds(range * 97) as t
      from range({lo}, {hi}))
"""

HELICONE_SQL = """
select 'resp-' || i as response_id, strftime(t + interval 1400 millisecond, '%Y-%m-%dT%H:%M:%S.%gZ') as response_created_at,
  null as response_body, 200 as response_status, 'gpt-4o-2024-08-06' as response_model, 'req-' || i as request_id,
  strftime(t, '%Y-%m-%dT%H:%M:%S.%gZ') as request_created_at, null as request_body, '/v1/chat/completions' as request_path,
  'user-' || (i % 997) as request_user_id,
  {'Team': 'team-' || (i % 7), 'Feature': 'chat', 'Environment': 'production'} as request_properties,
  'gpt-4o' as request_model, null as model_override, null as helicone_user, 'OPENAI' as provider,
  1400 as delay_ms, 310 as time_to_first_token, 150 + i % 9 as total_tokens, 120 as prompt_tokens,
  0 as prompt_cache_write_tokens, i % 4 as prompt_cache_read_tokens, 30 + i % 9 as completion_tokens,
  0 as reasoning_tokens, 0 as prompt_audio_tokens, 0 as completion_audio_tokens,
  120 * 0.0000025 + (30 + i % 9) * 0.00001 as cost, null as prompt_id, null as prompt_version, null as llmSchema,
  'US' as country_code, null as asset_ids, null as asset_urls, null as scores,
  {'Team': 'team-' || (i % 7), 'Feature': 'chat', 'Environment': 'production'} as properties, [] :: varchar[] as assets,
  'https://api.openai.com/v1/chat/completions' as target_url, 'gpt-4o' as model,
  '00000000-0000-0000-0000-000000000000' as cache_reference_id, false as cache_enabled,
  strftime(t + interval 3 second, '%Y-%m-%dT%H:%M:%S.%gZ') as updated_at, null as request_referrer,
  null as ai_gateway_body_mapping, 's3' as storage_location, null as signed_body_url
from (select range as i, timestamp '2026-11-01' + to_milliseconds(range * 97) as t
      from range({lo}, {hi}))
"""


def write_files(out: Path, source: str, rows: int, files: int) -> None:
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    sql = LANGFUSE_SQL if source == "langfuse" else HELICONE_SQL
    con = duckdb.connect()
    per = -(-rows // files)
    for k in range(files):
        lo, hi = k * per, min(rows, (k + 1) * per)
        target = out / f"part-{k:04d}.jsonl.gz"
        query = sql.replace("{lo}", str(lo)).replace("{hi}", str(hi))
        con.execute(f"copy ({query}) to '{target}' (format json, compression gzip)")


def child(mode: str, source: str, data: Path, db: Path) -> dict:
    import duckdb

    started = time.perf_counter()
    at_start = resource.getrusage(resource.RUSAGE_SELF)
    cpu_at_start = at_start.ru_utime + at_start.ru_stime
    if mode == "baseline":
        con = duckdb.connect(str(db))
        files = ", ".join(f"'{p}'" for p in sorted(data.glob("*.jsonl.gz")))
        con.execute(f"create table t as select * from read_json([{files}])")
        rows = con.execute("select count(*) from t").fetchone()[0]
        con.close()
        line = ""
    else:
        from burnrate import config
        from ingest import helicone, langfuse

        cfg = config.load(env={"BURNRATE_WAREHOUSE": str(db)})
        module = langfuse if source == "langfuse" else helicone
        con = duckdb.connect(str(db))
        summary = module.ingest_files(con, cfg, [str(data)])
        con.close()
        c = summary.counts
        rows = c.new + c.updated + c.unchanged + c.quarantined
        line = summary.line()
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "mode": mode,
        "rows": rows,
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime - cpu_at_start,
        "rss_mb": usage.ru_maxrss / 1024,
        "summary": line,
    }


def run(mode: str, source: str, data: Path, db: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--source", source, "--data", str(data), "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(source: str, rows: int, nfiles: int) -> float:
    """Write the files, run the three children, print their lines; returns burnrate's share of the baseline."""
    with tempfile.TemporaryDirectory(prefix="burnrate-bench-") as tmp:
        data = Path(tmp) / "files"
        t = time.perf_counter()
        write_files(data, source, rows, nfiles)
        size = sum(p.stat().st_size for p in data.iterdir()) / 1e6
        print(
            f"{source}: wrote {rows:,} rows in {nfiles} gzip JSONL files ({size:.0f} MB) in "
            f"{time.perf_counter() - t:.1f}s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        base = run("baseline", source, data, Path(tmp) / "baseline.duckdb")
        ours = run("burnrate", source, data, Path(tmp) / "burnrate.duckdb")
        again = run("burnrate", source, data, Path(tmp) / "burnrate.duckdb")
        for name, r in (("duckdb read_json", base), ("burnrate ingest", ours), ("burnrate re-run", again)):
            rate = r["rows"] / r["seconds"] if r["seconds"] else 0
            print(
                f"  {name:18s} {r['rows']:>10,} rows {r['seconds']:7.2f} s {rate:>12,.0f} rows/s  "
                f"CPU {r['cpu']:6.2f} s  peak RSS {r['rss_mb']:,.0f} MB  {r['summary']}"
            )
        return (ours["rows"] / ours["seconds"]) / (base["rows"] / base["seconds"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--files", type=int, default=30)
    ap.add_argument("--source", choices=("langfuse", "helicone", "both"), default="both")
    ap.add_argument("--child")
    ap.add_argument("--data", type=Path)
    ap.add_argument("--db", type=Path)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.source, args.data, args.db)))
        return
    sources = ("langfuse", "helicone") if args.source == "both" else (args.source,)
    shares = {source: bench(source, args.rows, args.files) for source in sources}
    for source, share in shares.items():
        print(f"{source}: burnrate throughput = {share:.0%} of DuckDB's read_json (target >= 75%)")


if __name__ == "__main__":
    main()
