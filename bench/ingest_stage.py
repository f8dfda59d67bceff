"""One source's ingest stage of `burnrate bench` and its floor, without the rest of the pipeline.

    .venv/bin/python bench/ingest_stage.py SOURCE FOLDER [--runs 3] [--work DIR]

SOURCE is a `burnrate ingest` source (langfuse, helicone, billing, dcgm), FOLDER the generated files (e.g.
`<bench work>/demo/langfuse/export`). Each run, in a fresh work folder: `burnrate ingest SOURCE FOLDER` (the
CLI in its own process, into a fresh warehouse) and `bench/reference.py floor` (DuckDB's own read of the same
files), each timed by `burnrate.bench.measure` (wall, CPU of the process, peak RSS), and their ratios — the
figures `burnrate bench` reports for that stage, for re-measuring one source after a change.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def stage(source: str, folder: Path, runs: int, work: Path) -> None:
    from burnrate.bench import measure

    for run in range(runs):
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        files = work / "files"
        files.write_text("\n".join(str(p) for p in sorted(folder.rglob("*")) if p.is_file()))
        env = {**os.environ, "BURNRATE_WAREHOUSE": str(work / "warehouse.duckdb"), "BURNRATE_CONFIG": ""}
        ingest = [sys.executable, "-m", "burnrate", "ingest", source, str(folder)]
        ours, _ = measure(f"ingest {source}", ingest, env, work / "ingest.log")
        floor_argv = [sys.executable, str(ROOT / "bench" / "reference.py"), "floor", source]
        floor, _ = measure(
            f"floor {source}", [*floor_argv, str(work / "floor.duckdb"), str(files)], env, work / "floor.log"
        )
        print(
            f"{source} run {run + 1}: ingest {ours.wall_s:.2f} s, CPU {ours.cpu_s:.2f} s, "
            f"{ours.peak_rss_mb:,.0f} MB | floor {floor.wall_s:.2f} s, CPU {floor.cpu_s:.2f} s | "
            f"speed {floor.wall_s / ours.wall_s:.3f}, CPU {floor.cpu_s / ours.cpu_s:.3f} | "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", choices=["langfuse", "helicone", "billing", "dcgm"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work" / "stage")
    args = parser.parse_args()
    stage(args.source, args.folder.resolve(), args.runs, args.work.resolve())


if __name__ == "__main__":
    main()
