"""`burnrate bench`: the whole pipeline at a scale, every stage timed in its own process.

Stages, each a subprocess of the real CLI (so its peak RSS is its own, read with `os.wait4`):
generate → ingest each source (all but the last day) → full `dbt build` → ingest the last day → incremental
build → detect → the dashboard's queries (bench/dashboard_queries.py). Reference points, measured in the same
run on the same files (bench/reference.py): DuckDB's own read of each source's files into a table (the ingest
floor) and a plain pandas cost-by-team/feature/day over the raw export files, next to the same question
asked of the mart. Results: `<out>/<date>-<scale>.json` and `.md`; `--compare` reports the scale exponent
(log-log slope of wall time against rows) between result files.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click

from burnrate.errors import BurnrateError

ROOT = Path(__file__).resolve().parents[1]
DAYS = 30
SCALES = {"1m": 33_334, "3m": 100_000, "10m": 333_334}  # requests per day over DAYS days
# (stage name, ingest source, folder of the generated workload, judged against the ingest target?); the last
# day's files move to work/day/. The generator delivers some teams' LLM logs as saved API responses (what a pull
# fetches), the rest as the vendors' export files: the ingest target (issue #8) is about export files, the pages
# are measured apart. The company's own bills are a few thousand rows at any scale, so their stage is CLI start-up,
# not throughput: billing is judged on a FOCUS export of BILLING_ROWS rows instead (issue #4: ≥ 1 M rows).
SOURCES = [
    ("langfuse", "langfuse", "langfuse/export", True),
    ("helicone", "helicone", "helicone/export", True),
    ("billing", "billing", "billing", False),
    ("dcgm", "dcgm", "dcgm/snapshots", True),
    ("langfuse api pages", "langfuse", "langfuse/api", False),
    ("helicone api pages", "helicone", "helicone/api", False),
]
EXPORTS = ("langfuse/export", "helicone/export")  # what the pandas reference reads
BILLING_ROWS = 1_000_000  # rows of the FOCUS export (CSV.gz and Parquet) billing's throughput is judged on
THROUGHPUT = (
    "billing throughput"  # its stages: not part of the pipeline (own warehouse, no peak, no exponent)
)
INGEST_TARGET, INCREMENTAL_TARGET, MEMORY_TARGET_MB = 0.75, 5.0, 4096


class BenchFailed(BurnrateError):
    pass


@dataclass
class Stage:
    name: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    rows: int
    load: float = 0.0  # the machine's 1-minute load average when the stage ended (others' work included)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.wall_s if self.wall_s else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "rows_per_s": round(self.rows_per_s)}


def measure(name: str, argv: list[str], env: dict[str, str], log: Path) -> tuple[Stage, str]:
    """Run `argv` to completion; its wall time, CPU time and peak RSS (`ru_maxrss`), and its stdout."""
    log.parent.mkdir(parents=True, exist_ok=True)
    out = log.with_suffix(".out")
    started = time.perf_counter()
    with open(log, "wb") as err, open(out, "wb") as stdout:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=stdout, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise BenchFailed(f"stage {name!r} exited {proc.returncode}; last lines of {log}:\n{tail}")
    cpu = usage.ru_utime + usage.ru_stime
    stage = Stage(
        name, round(wall, 2), round(cpu, 2), round(usage.ru_maxrss / 1024, 1), 0, os.getloadavg()[0]
    )
    return stage, out.read_text()


class Run:
    """One benchmark run: its work folder, the environment its stages share, and their figures."""

    def __init__(self, work: Path, progress, done: dict | None = None):
        self.work = work
        # --resume: the stages a stopped run measured (partial.json), kept instead of run again
        self.done = {
            s["name"]: s for s in (done or {}).get("stages", []) + (done or {}).get("references", [])
        }
        self.wh = work / "warehouse.duckdb"
        self.env = {**os.environ, "BURNRATE_WAREHOUSE": str(self.wh), "BURNRATE_CONFIG": ""}
        self.env.pop("BURNRATE_PUBLISHED_DIR", None)
        self.env.pop("BURNRATE_WAREHOUSE_PUBLISHED_DIR", None)
        from burnrate import config

        # the references read under the memory limit the stages run with
        self.env["BURNRATE_WAREHOUSE_MEMORY_LIMIT"] = str(
            config.load(env=self.env).duckdb_settings["memory_limit"]
        )
        self.stages: list[Stage] = []
        self.references: dict[str, Stage] = {}
        self.progress = progress

    def step(
        self, name: str, argv: list[str], rows=None, *, reference: bool = False, env: dict | None = None
    ) -> Stage:
        task = self.progress.add_task(name, total=None)
        if name in self.done:
            kept = {k: v for k, v in self.done[name].items() if k != "rows_per_s"}
            stage = Stage(**kept)
        else:
            log = self.work / "logs" / f"{name.replace(' ', '_').replace('/', '_')}.log"
            stage, stdout = measure(name, argv, {**self.env, **(env or {})}, log)
            stage.rows = (
                rows() if callable(rows) else rows if rows is not None else json.loads(stdout)["rows"]
            )
        self.progress.update(task, total=1, completed=1)
        self.progress.console.print(
            f"  {name:<28} {stage.wall_s:8.1f} s {stage.rows:>12,} rows {stage.rows_per_s:>12,.0f} rows/s "
            f"peak {stage.peak_rss_mb:>7,.0f} MB"
        )
        if reference:
            self.references[name] = stage
        else:
            self.stages.append(stage)
        # what a long run has measured so far, readable before it ends
        partial = {"stages": self.stages, "references": list(self.references.values())}
        partial = {k: [s.as_dict() for s in v] for k, v in partial.items()}
        (self.work / "partial.json").write_text(json.dumps(partial, indent=2))
        return stage

    def burnrate(self, name: str, *args: str, rows=None, env: dict | None = None) -> Stage:
        return self.step(name, [sys.executable, "-m", "burnrate", *args], rows, env=env)

    def reference(self, name: str, *args: str) -> Stage:
        return self.step(name, [sys.executable, str(ROOT / "bench" / "reference.py"), *args], reference=True)

    def count(self, sql: str, warehouse: Path | None = None) -> int:
        import duckdb

        with duckdb.connect(str(warehouse or self.wh), read_only=True) as con:
            return con.execute(sql).fetchone()[0] or 0

    def rows_read(self, warehouse: Path | None = None) -> int:
        """Records read from files so far (loaded or quarantined), all sources."""
        return self.count("select sum(rows_loaded + rows_quarantined) from meta.ingest_files", warehouse)


def split_off_last_day(demo: Path, day_dir: Path, last_day: date) -> None:
    """Move the files of `last_day`'s delivery out of the generated tree into `day_dir` (same layout)."""
    from burnrate.generate.deliveries import split_dcgm_last_day, split_last_day

    new = split_last_day(demo, last_day)[1] + split_dcgm_last_day(demo, last_day)[1]
    for path in new:
        target = day_dir / path.relative_to(demo)
        target.parent.mkdir(parents=True, exist_ok=True)
        path.rename(target)


def run(work: Path, scale: str, days: int, requests_per_day: int, progress, *, resume: bool = False) -> dict:
    """Every stage and reference at one scale; returns the result written to `out`. With `resume`, the
    stages a stopped run in `work` completed are kept and the rest run (the first failed stage again)."""
    done = json.loads((work / "partial.json").read_text()) if resume else None
    if not resume:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    r = Run(work, progress, done)
    demo, day = work / "demo", work / "day"

    def manifest_requests() -> int:
        return json.loads((demo / "manifest.json").read_text())["requests"]["total"]

    r.burnrate(
        "generate",
        *("generate", "--out", str(demo), "--days", str(days)),
        *("--requests-per-day", str(requests_per_day)),
        rows=manifest_requests,
    )
    requests = manifest_requests()
    end = date.fromisoformat(json.loads((demo / "manifest.json").read_text())["end_date"])
    split_off_last_day(demo, day, end - timedelta(days=1))
    for name, source, folder, _ in SOURCES:
        before = r.rows_read() if r.wh.exists() else 0
        r.burnrate(
            f"ingest {name}", "ingest", source, str(demo / folder), rows=lambda b=before: r.rows_read() - b
        )
        stem = name.replace(" ", "_")
        listing = work / f"{stem}.files"
        listing.write_text("\n".join(str(p) for p in sorted((demo / folder).rglob("*")) if p.is_file()))
        r.reference(f"floor {name}", "floor", source, str(work / f"floor_{stem}.duckdb"), str(listing))
        (work / f"floor_{stem}.duckdb").unlink(missing_ok=True)
    before = r.rows_read()
    r.burnrate(
        "build full", "build", "--full-refresh", rows=before
    )  # a build's rows: the raw rows it reads anew
    for name, source, folder, _ in SOURCES:
        if (day / folder).exists():
            r.burnrate(
                f"ingest day {name}",
                "ingest",
                source,
                str(day / folder),
                rows=lambda b=before: r.rows_read() - b,
            )
            before = r.rows_read()
    r.burnrate(
        "build incremental", "build", rows=sum(s.rows for s in r.stages if s.name.startswith("ingest day"))
    )
    mart_rows = "select count(*) from marts.fct_llm_requests"
    r.burnrate("detect", "detect", rows=lambda: r.count(mart_rows))
    pages = work / "dashboard.json"
    r.step(
        "dashboard queries",
        [sys.executable, str(ROOT / "bench" / "dashboard_queries.py"), "--runs", "5", "--json", str(pages)],
        rows=lambda: r.count(mart_rows),
    )
    exports = work / "exports.files"
    exports.write_text(
        "\n".join(str(p) for e in EXPORTS for p in sorted((demo / e).rglob("*")) if p.is_file())
    )
    r.reference("pandas cost by team/feature/day", "pandas", str(exports))
    r.reference("mart cost by team/feature/day", "mart", str(r.wh))
    billing_throughput(r, BILLING_ROWS if scale in SCALES else 2_000)
    return result(r, scale, requests, json.loads(pages.read_text())["pages"])


def billing_throughput(r: Run, rows: int) -> None:
    """Billing ingest against DuckDB's read of a FOCUS export of `rows` rows, as CSV.gz and as Parquet
    (bench/ingest_billing.py's file: real-world text, both timestamp styles, tags JSON), each into a warehouse
    of its own so the pipeline's is untouched."""
    sys.path.insert(0, str(ROOT))
    from bench.ingest_billing import generate

    files = generate(rows, r.work / "billing_throughput")
    for kind, path in files.items():
        name = f"{THROUGHPUT} {kind}"
        db = r.work / "billing_throughput" / f"{kind}.duckdb"
        for suffix in ("", ".wal"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        r.burnrate(
            f"ingest {name}",
            *("ingest", "billing", str(path)),
            rows=lambda db=db: r.rows_read(db),
            env={"BURNRATE_WAREHOUSE": str(db)},
        )
        listing, floor = db.with_suffix(".files"), db.with_suffix(".floor.duckdb")
        listing.write_text(str(path))
        floor.unlink(missing_ok=True)
        r.reference(f"floor {name}", "floor", "billing", str(floor), str(listing))
        floor.unlink(missing_ok=True)
        db.unlink(missing_ok=True)


def result(r: Run, scale: str, requests: int, pages: dict) -> dict:
    stages = {s.name: s for s in r.stages}
    ingest = [
        s
        for s in r.stages
        if s.name.startswith("ingest ") and not s.name.startswith(("ingest day", f"ingest {THROUGHPUT}"))
    ]
    ratios = {}
    exports = []  # the speed ratios judged against the ingest target
    judged = [(name, export) for name, _, _, export in SOURCES]
    judged += [(f"{THROUGHPUT} {kind}", True) for kind in ("csv.gz", "parquet")]
    for name, export in judged:
        ours, floor = stages[f"ingest {name}"], r.references[f"floor {name}"]
        ratios[f"ingest {name} / DuckDB read (speed)"] = round(floor.wall_s / ours.wall_s, 3)
        # CPU seconds are steadier than wall time on a shared machine: the same ratio in CPU
        ratios[f"ingest {name} / DuckDB read (CPU)"] = round(floor.cpu_s / max(ours.cpu_s, 0.01), 3)
        exports += [ratios[f"ingest {name} / DuckDB read (speed)"]] if export else []
    ratios["full build / incremental build"] = round(
        stages["build full"].wall_s / stages["build incremental"].wall_s, 2
    )
    pandas, mart = (
        r.references["pandas cost by team/feature/day"],
        r.references["mart cost by team/feature/day"],
    )
    ratios["pandas / mart query"] = round(pandas.wall_s / mart.wall_s, 2)
    pipeline = [
        s for s in r.stages if s.name not in ("generate", "dashboard queries") and THROUGHPUT not in s.name
    ]
    return {
        "scale": scale,
        "requests": requests,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "stages": [s.as_dict() for s in r.stages],
        "references": [s.as_dict() for s in r.references.values()],
        "ratios": ratios,
        "ingest_wall_s": round(sum(s.wall_s for s in ingest), 2),
        "pipeline_peak_rss_mb": max(s.peak_rss_mb for s in pipeline),
        "dashboard_pages": pages,
        "targets": {
            f"ingest of export files >= {INGEST_TARGET:.0%} of DuckDB's read (each source; billing on "
            "its throughput files)": all(v >= INGEST_TARGET for v in exports),
            f"incremental build >= {INCREMENTAL_TARGET:g}x faster than full": ratios[
                "full build / incremental build"
            ]
            >= INCREMENTAL_TARGET,
            f"pipeline peak RSS < {MEMORY_TARGET_MB} MB": max(s.peak_rss_mb for s in pipeline)
            < MEMORY_TARGET_MB,
            "every dashboard page p95 < 300 ms": all(p.get("p95_ms", 0) < 300 for p in pages.values()),
        },
    }


def markdown(res: dict) -> str:
    m = res["machine"]
    lines = [
        f"# burnrate bench --scale {res['scale']}: {res['requests']:,} requests ({res['date']})",
        "",
        f"Machine: {m['cpus']} cores, {m['memory_gb']} GB RAM, {m['platform']}, Python {m['python']}; "
        f"load average at the end {m['load_average']} (load: each stage's 1-minute load average; the machine "
        "is shared, so compare ratios within one run, and CPU seconds).",
        "",
        "| stage | wall s | CPU s | rows | rows/s | peak RSS MB | load |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in res["stages"] + res["references"]:
        name = s["name"] if s in res["stages"] else f"*reference: {s['name']}*"
        lines.append(
            f"| {name} | {s['wall_s']:.1f} | {s['cpu_s']:.1f} | {s['rows']:,} | {s['rows_per_s']:,} | "
            f"{s['peak_rss_mb']:,.0f} | {s['load']:.1f} |"
        )
    lines += ["", "| ratio | value |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in res["ratios"].items()]
    lines += ["", "| target | met |", "|---|---|"]
    lines += [f"| {k} | {'yes' if v else 'no'} |" for k, v in res["targets"].items()]
    lines += ["", "| dashboard page | p50 ms | p95 ms |", "|---|---:|---:|"]
    for page, p in res["dashboard_pages"].items():
        lines.append(f"| {page} | {p.get('p50_ms', '')} | {p.get('p95_ms', p.get('skipped', ''))} |")
    return "\n".join(lines) + "\n"


def exponents(results: list[dict], figure: str = "wall_s") -> dict[str, float]:
    """Per stage, the log-log slope of `figure` (wall_s or cpu_s) against requests between the smallest and
    largest run."""
    ordered = sorted(results, key=lambda r: r["requests"])
    small, large = ordered[0], ordered[-1]
    if small["requests"] == large["requests"]:
        raise BenchFailed("--compare needs results at two different scales")
    scale = math.log(large["requests"] / small["requests"])
    scaled = [
        [s for s in r["stages"] if THROUGHPUT not in s["name"]] for r in (small, large)
    ]  # same rows at every scale
    runs = [{s["name"]: s.get(figure, 0) for s in stages} for stages in scaled]
    for run_, stages in zip(runs, scaled, strict=True):
        ingest = [s for s in stages if s["name"].startswith("ingest ") and " day " not in s["name"]]
        run_["ingest (all sources)"] = sum(s.get(figure, 0) for s in ingest)
    return {
        name: round(math.log(runs[1][name] / runs[0][name]) / scale, 3)
        for name in runs[0]
        if name in runs[1] and runs[0][name] > 0 and runs[1][name] > 0
    }


@click.command("bench")
@click.option(
    "--scale", type=click.Choice(list(SCALES)), default="1m", show_default=True, help="requests in 30 days"
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT / "bench" / "results",
    help="where <date>-<scale>.json and .md are written  [default: bench/results]",
)
@click.option(
    "--work",
    type=click.Path(file_okay=False, path_type=Path),
    help="scratch folder (generated files, warehouse, logs; replaced)  [default: bench/work/bench-<scale>]",
)
@click.option(
    "--compare",
    is_flag=True,
    help="instead of running: print each stage's scale exponent between the RESULTS files given",
)
@click.option(
    "--resume",
    is_flag=True,
    help="continue a stopped run in --work: keep the stages it measured, run the rest",
)
@click.option("--days", type=click.IntRange(min=2), default=DAYS, hidden=True)
@click.option("--requests-per-day", type=click.IntRange(min=1), hidden=True)
@click.argument("results", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def command(
    scale: str,
    out: Path,
    work: Path | None,
    compare: bool,
    resume: bool,
    days: int,
    requests_per_day,
    results: tuple[Path, ...],
) -> None:
    """Benchmark every stage of the pipeline at a scale: 1m, 3m or 10m LLM requests over 30 days (cloud
    bills and DCGM metrics are generated alongside).

    \b
    Stages (each in its own process): generate, ingest each source (langfuse, helicone, billing, dcgm;
    all but the last day), dbt build (full), ingest the last day, dbt build (incremental), detect, and
    the dashboard's queries. Each reports wall time, rows/s and peak RSS.
    References in the same run: DuckDB's own read_json/read_csv/read_parquet of the same files (the
    ingest floor; target: ingest >= 75% of its speed) and a plain pandas cost by team/feature/day over
    the export files. Writes <out>/<date>-<scale>.json and .md and prints the table.

    `--compare A.json B.json` prints the scale exponent of each stage (log-log slope of wall time against
    requests; 1.0 is linear) between results at different scales.
    """
    from burnrate.console import err, progress
    from burnrate.console import out as stdout

    if compare or results:
        if not (compare and results):
            raise click.UsageError("result files go with --compare: burnrate bench --compare A.json B.json")
        loaded = [json.loads(p.read_text()) for p in results]
        cpu = exponents(loaded, "cpu_s")
        for name, k in exponents(loaded).items():
            stdout.print(
                f"{name:<32} exponent {k:.2f} (wall)" + (f", {cpu[name]:.2f} (CPU)" if name in cpu else "")
            )
        return
    import importlib.util

    if importlib.util.find_spec("pandas") is None:
        raise BenchFailed("the pandas reference needs pandas: pip install -e '.[bench]'")
    rpd = requests_per_day or SCALES[scale]
    if requests_per_day or days != DAYS:  # the hidden overrides (tests): not one of the published scales
        scale = f"{rpd}x{days}d"
    work = work or ROOT / "bench" / "work" / f"bench-{scale}"
    err.print(f"burnrate bench: {scale} ({rpd:,} requests/day × {days} days) in {work}")
    with progress() as bar:
        if resume and not (work / "partial.json").is_file():
            raise click.UsageError(f"nothing to resume: no partial.json in {work}")
        res = run(work, scale, days, rpd, bar, resume=resume)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{date.today().isoformat()}-{scale}"
    stem.with_suffix(".json").write_text(json.dumps(res, indent=2) + "\n")
    stem.with_suffix(".md").write_text(markdown(res))
    stdout.print(markdown(res), soft_wrap=True)
    err.print(f"wrote {stem}.json and {stem}.md")
