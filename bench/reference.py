"""Reference points for `burnrate bench`, each run in its own process by the harness (burnrate/bench.py).

    python bench/reference.py floor SOURCE DB FILES_LIST    # DuckDB's own read of the files into tables
    python bench/reference.py pandas FILES_LIST             # cost by team/feature/day in plain pandas
    python bench/reference.py mart WAREHOUSE                # the same answer from the built mart

* `floor`: what loading the same files costs DuckDB itself, with its auto-detected schema and no checks:
  `create table … as select * from read_json(…)` / `read_csv` / `read_parquet` (one table per file shape; API
  pages unnested to one row per record), and for DCGM text the regexp split of bench/ingest_dcgm.py. The
  ingest target is our time ≤ floor / 0.75.
* `pandas`: what a data scientist would write instead of the warehouse: read the Langfuse and Helicone
  export files, keep the latest version of each record, sum the reported cost by team, feature and day.
  (No pricing, attribution rules, cross-source dedupe or bills: it answers a smaller question.)
* `mart`: that question asked of the warehouse Burnrate built (`marts.fct_llm_requests`).

Each prints one JSON line: {"rows": …}. pandas is imported here only (the `bench`/`dev` extra).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(paths: list[str]) -> str:
    return "[" + ", ".join(_lit(p) for p in paths) + "]"


def _is_page(path: str) -> bool:
    return path.endswith(".json") and "/api/" in path


def floor(source: str, db: str, files: list[str]) -> int:
    """Read `files` into tables of a fresh DuckDB file `db` as DuckDB would by itself; returns the rows."""
    import duckdb

    if source == "dcgm":
        sys.path.insert(0, str(ROOT))
        from bench.ingest_dcgm import measure_duckdb

        return measure_duckdb(str(Path(files[0]).parents[1]), db)["rows"]
    # under the same memory_limit as the warehouse writers (burnrate bench passes the configured one)
    con = duckdb.connect(
        db, config={"memory_limit": os.environ.get("BURNRATE_WAREHOUSE_MEMORY_LIMIT", "3GB")}
    )
    groups: dict[tuple[str, str], list[str]] = {}
    for f in files:
        kind = "page" if _is_page(f) else f.lower().removesuffix(".gz").rsplit(".", 1)[-1]
        # LLM files of one kind share a shape and are read together; bills are one shape per file
        groups.setdefault((kind, "" if source in ("langfuse", "helicone") else f), []).append(f)
    rows = 0
    for i, ((kind, _), paths) in enumerate(groups.items()):
        src = _list(paths)
        select = {
            "page": f"select unnest(data, recursive := true) from read_json({src})",
            "parquet": f"select * from read_parquet({src})",
            "csv": f"select * from read_csv({src})",
        }.get(kind, f"select * from read_json({src})")
        con.execute(f"create table t{i} as {select}")
        rows += con.execute(f"select count(*) from t{i}").fetchone()[0]
    con.close()
    return rows


def pandas_cost(files: list[str]) -> int:
    """Cost by team × feature × day from the raw Langfuse and Helicone export files, in pandas."""
    import pandas as pd

    # per export shape: id, version, the properties holding team and feature, request time, cost
    shapes = {
        "langfuse": ("id", "updated_at", "metadata", "team", "feature", "start_time", "total_cost"),
        "helicone": (
            "request_id",
            "updated_at",
            "request_properties",
            "Team",
            "Feature",
            "request_created_at",
            "cost",
        ),
    }
    frames = []
    for f in files:
        df = pd.read_json(f, lines=True, compression="infer")
        if df.empty:
            continue
        key, version, props, team, feature, at, cost = shapes["langfuse" if "trace_id" in df else "helicone"]
        df = df.sort_values(version).drop_duplicates(key, keep="last")  # the latest version of each record
        tags = pd.json_normalize(df[props].tolist())
        frames.append(
            pd.DataFrame(
                {
                    "team": tags.get(team),
                    "feature": tags.get(feature),
                    "day": pd.to_datetime(df[at].values, utc=True).date,
                    "cost": df[cost].values,
                }
            )
        )
    all_rows = pd.concat(frames, ignore_index=True)
    result = all_rows.groupby(["team", "feature", "day"], dropna=False)["cost"].sum()
    return len(all_rows) if len(result) else 0


def mart_cost(warehouse: str) -> int:
    """The same question asked of the built mart; returns the requests it covers."""
    import duckdb

    con = duckdb.connect(warehouse, read_only=True)
    con.execute(
        "select team_id, feature_id, request_date, sum(effective_cost) from marts.fct_llm_requests group by all"
    ).fetchall()
    return con.execute("select count(*) from marts.fct_llm_requests").fetchone()[0]


def main(argv: list[str]) -> None:
    kind, *args = argv
    if kind == "floor":
        source, db, listing = args
        rows = floor(source, db, Path(listing).read_text().split("\n"))
    elif kind == "pandas":
        rows = pandas_cost(Path(args[0]).read_text().split("\n"))
    elif kind == "mart":
        rows = mart_cost(args[0])
    else:
        raise SystemExit(__doc__)
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main(sys.argv[1:])
