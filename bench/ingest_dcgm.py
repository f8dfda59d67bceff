"""Benchmark the DCGM ingest: text snapshots at >= 1 M samples, and a Prometheus pull on a smaller set.

    .venv/bin/python bench/ingest_dcgm.py [--samples 1048576] [--prometheus-samples 200000]
    .venv/bin/python bench/ingest_dcgm.py --stage GENERATED/dcgm/snapshots [--runs 3]

`--stage`: `burnrate bench`'s own two dcgm figures without the rest of the pipeline, `--runs` times on the
generator's snapshots (`burnrate generate --days 30 --requests-per-day 2000 --out GENERATED`; the DCGM
part does not depend on the request volume): the `ingest dcgm` stage (the CLI in its own process, into a
fresh warehouse) and the `floor dcgm` reference, each timed by `burnrate.bench.measure` (wall, CPU of
the process, peak RSS), and their ratios. The measurements below are in-process and on other data.

Prints, for each measurement (each in its own process, so peak RSS is its own):

* `text ingest`: `ingest.dcgm.ingest_files` into a fresh DuckDB file (parse, classify, dedupe, insert);
* `duckdb read_csv + regexp`: DuckDB's own reader splitting the same lines into name/labels/value/time
  with regular expressions (no label parsing into columns, no checks): the floor for "just read it";
* `prometheus_client parser`: `text_fd_to_metric_families` over the same file, samples counted only:
  what parsing every line with the pure-Python parser would cost (we parse each distinct series once);
* `prometheus pull`: `ingest.prometheus.pull` from a real Prometheus backfilled with the same kind of data.

Data: dcgm-exporter-shaped `.prom` files (4 hosts × 8 GPUs × 8 metrics, 30 s scrapes, ms timestamps, one
file per host and day), written under bench/work/dcgm (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORK = ROOT / "bench" / "work" / "dcgm"
START = datetime(2026, 10, 1, tzinfo=UTC)
INTERVAL_S = 30
HOSTS, GPUS = 4, 8
METRICS = [
    ("DCGM_FI_DEV_GPU_UTIL", "gauge"),
    ("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gauge"),
    ("DCGM_FI_DEV_FB_USED", "gauge"),
    ("DCGM_FI_DEV_FB_FREE", "gauge"),
    ("DCGM_FI_DEV_POWER_USAGE", "gauge"),
    ("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter"),
    ("DCGM_FI_DEV_GPU_TEMP", "gauge"),
    ("DCGM_FI_DEV_SM_CLOCK", "gauge"),
]


def _labels(host: int, gpu: int) -> str:
    return (
        f'gpu="{gpu}",UUID="GPU-{host:04x}{gpu:04x}-0da5-6d26-a36a-e7af1ce2586e",device="nvidia{gpu}",'
        f'modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-node-{host}",DCGM_FI_DRIVER_VERSION="550.127.05",'
        f'container="vllm",namespace="llm",pod="serve-{host}-{gpu}"'
    )


def write_snapshots(samples: int, out: Path) -> tuple[list[Path], int]:
    """Text snapshots holding about `samples` samples; returns the files and the exact count."""
    per_scrape = HOSTS * GPUS * len(METRICS)
    scrapes = max(1, samples // per_scrape)
    start_ms = int(START.timestamp() * 1000)
    per_day = 86_400 // INTERVAL_S
    paths = []
    for host in range(HOSTS):
        labels = [_labels(host, g) for g in range(GPUS)]
        for day_start in range(0, scrapes, per_day):
            steps = range(day_start, min(scrapes, day_start + per_day))
            lines = []
            for m, (metric, kind) in enumerate(METRICS):
                lines += [f"# HELP {metric} bench", f"# TYPE {metric} {kind}"]
                for step in steps:
                    ts = start_ms + step * INTERVAL_S * 1000
                    lines += [
                        f"{metric}{{{lab}}} {(step * 7 + g * 3 + m) % 100} {ts}"
                        for g, lab in enumerate(labels)
                    ]
            day = (START + timedelta(seconds=day_start * INTERVAL_S)).date().isoformat()
            path = out / f"gpu-node-{host}" / f"{day}.prom"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(lines) + "\n")
            paths.append(path)
    return paths, scrapes * per_scrape


def write_openmetrics(samples: int, path: Path) -> int:
    per_scrape = HOSTS * GPUS * len(METRICS)
    scrapes = max(1, samples // per_scrape)
    start_s = int(START.timestamp())
    lines = []
    for m, (metric, kind) in enumerate(METRICS):
        lines += [f"# TYPE {metric} {kind}"]
        for host in range(HOSTS):
            for g in range(GPUS):
                series = f"{metric}{{{_labels(host, g)}}}"
                lines += [
                    f"{series} {(s * 7 + g * 3 + m) % 100} {start_s + s * INTERVAL_S}" for s in range(scrapes)
                ]
    lines.append("# EOF")
    path.write_text("\n".join(lines) + "\n")
    return scrapes * per_scrape


# one measurement per process --------------------------------------------------------------------------


def _config(warehouse: Path):
    os.environ["BURNRATE_WAREHOUSE"] = str(warehouse)
    from burnrate import config

    return config.load()


def measure_text(folder: str, warehouse: str) -> dict:
    import duckdb

    from ingest import dcgm

    cfg = _config(Path(warehouse))
    con = duckdb.connect(warehouse)
    started = time.perf_counter()
    summary = dcgm.ingest_files(con, cfg, [folder])
    return {"rows": summary.counts.new, "seconds": time.perf_counter() - started}


def measure_duckdb(folder: str, warehouse: str) -> dict:
    import duckdb

    con = duckdb.connect(warehouse)
    started = time.perf_counter()
    rows = con.execute(
        r"""
        create table lines as
        select regexp_extract(line, '^([^{ ]+)', 1) as metric,
               regexp_extract(line, '\{(.*)\}', 1) as labels,
               cast(regexp_extract(line, '\} (\S+)', 1) as double) as value,
               make_timestamp(cast(regexp_extract(line, ' (\d+)$', 1) as bigint) * 1000) as sampled_at
        from read_csv(?, columns = {'line': 'varchar'}, delim = '\x01', quote = '', escape = '',
                      header = false, comment = '#')
        """,
        [f"{folder}/*/*.prom"],
    ).fetchone()[0]
    return {"rows": rows, "seconds": time.perf_counter() - started}


def measure_parser(folder: str, warehouse: str) -> dict:
    from prometheus_client.parser import text_fd_to_metric_families

    started, rows = time.perf_counter(), 0
    for path in sorted(Path(folder).rglob("*.prom")):
        with open(path) as fh:
            for family in text_fd_to_metric_families(fh):
                rows += len(family.samples)
    return {"rows": rows, "seconds": time.perf_counter() - started}


def measure_prometheus(openmetrics: str, warehouse: str) -> dict:
    import duckdb

    from ingest import prometheus
    from tests.prometheus_server import PrometheusServer

    os.environ["BURNRATE_DCGM_STEP_SECONDS"] = str(INTERVAL_S)
    os.environ["BURNRATE_DCGM_METRICS"] = ",".join(m for m, _ in METRICS)
    cfg = _config(Path(warehouse))
    con = duckdb.connect(warehouse)
    work = Path(tempfile.mkdtemp(dir=WORK))
    with PrometheusServer(Path(openmetrics), work) as server:
        lines = Path(openmetrics).read_text().splitlines()
        until = datetime.fromtimestamp(max(int(x.rsplit(" ", 1)[1]) for x in lines if x[0] != "#"), UTC)
        started = time.perf_counter()
        summary = prometheus.pull(con, cfg, url=server.url, since=START, until=until)
        seconds = time.perf_counter() - started
    shutil.rmtree(work)
    return {"rows": summary.counts.new, "seconds": seconds}


MODES = {
    "text ingest": measure_text,
    "duckdb read_csv + regexp": measure_duckdb,
    "prometheus_client parser": measure_parser,
    "prometheus pull": measure_prometheus,
}


def run_one(mode: str, source: Path) -> dict:
    warehouse = WORK / f"bench-{abs(hash(mode))}.duckdb"
    warehouse.unlink(missing_ok=True)
    result = subprocess.run(
        [sys.executable, __file__, "--one", mode, str(source), str(warehouse)],
        capture_output=True,
        text=True,
        check=True,
    )
    warehouse.unlink(missing_ok=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def stage(snapshots: Path, runs: int) -> None:
    """`--stage`: the `ingest dcgm` stage and `floor dcgm` reference as `burnrate bench` runs them."""
    from bench.ingest_stage import stage as one_stage

    one_stage("dcgm", snapshots, runs, WORK)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_048_576, help="text samples (default ~1 M)")
    parser.add_argument("--prometheus-samples", type=int, default=196_608, help="samples for the pull")
    parser.add_argument("--stage", type=Path, metavar="SNAPSHOTS", help="time the bench's dcgm stage instead")
    parser.add_argument("--runs", type=int, default=3, help="with --stage: how many times (default 3)")
    parser.add_argument("--one", nargs=3, metavar=("MODE", "SOURCE", "WAREHOUSE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        mode, source, warehouse = args.one
        out = MODES[mode](source, warehouse)
        out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(out))
        return
    if args.stage:
        stage(args.stage.resolve(), args.runs)
        return
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    files, n = write_snapshots(args.samples, WORK / "snapshots")
    size = sum(p.stat().st_size for p in files) / 2**20
    print(f"text: {n:,} samples in {len(files)} files, {size:,.0f} MiB; cores: {os.cpu_count()}")
    om = WORK / "dcgm.om"
    n_om = write_openmetrics(args.prometheus_samples, om)
    print(f"prometheus: {n_om:,} samples backfilled (step = scrape interval = {INTERVAL_S} s)")
    print(f"{'measurement':<28}{'rows':>12}{'seconds':>10}{'rows/s':>12}{'peak RSS MiB':>14}")
    for mode in MODES:
        source = om if mode == "prometheus pull" else WORK / "snapshots"
        r = run_one(mode, source)
        rate = r["rows"] / r["seconds"]
        print(f"{mode:<28}{r['rows']:>12,}{r['seconds']:>10.2f}{rate:>12,.0f}{r['peak_rss_mib']:>14,.0f}")


if __name__ == "__main__":
    main()
