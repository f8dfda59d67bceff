"""`burnrate demo`: from nothing to a dashboard full of believable numbers, in one command.

Generates the demo company's workload (skipped when the same workload is already there), ingests every
source from its files, builds the warehouse, runs detection and alerts, and serves the dashboard. Each step
is the same code the real commands run; nothing here is demo-only except the choice of input files.
"""

from __future__ import annotations

import importlib
import json
import time
from datetime import date
from pathlib import Path

import click

from burnrate.cli import State, pass_state
from burnrate.config import Config

# source name -> (ingest module, folder of the generated workload it reads)
DEMO_SOURCES: dict[str, tuple[str, str]] = {
    "langfuse": ("ingest.langfuse", "langfuse"),
    "helicone": ("ingest.helicone", "helicone"),
    "billing": ("ingest.billing", "billing"),
    "dcgm": ("ingest.dcgm", "dcgm/snapshots"),
}


def _params(days: int, requests_per_day: int, seed: int, end_date: date) -> dict:
    return {
        "days": days,
        "requests_per_day": requests_per_day,
        "seed": seed,
        "end_date": end_date.isoformat(),
    }


def ensure_workload(out: Path, params: dict, *, regenerate: bool = False) -> bool:
    """Generate the workload into `out` unless the same one is already there; True when it generated."""
    from burnrate.console import progress
    from burnrate.generate import generate

    manifest = out / "manifest.json"
    if manifest.exists() and not regenerate:
        existing = json.loads(manifest.read_text())
        if all(str(existing.get(k)) == str(v) for k, v in params.items()):
            return False
    with progress() as bar:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"generate {stage}", total=total, unit="steps")
            bar.update(tasks[stage], completed=done)

        generate(
            out,
            days=params["days"],
            requests_per_day=params["requests_per_day"],
            seed=params["seed"],
            end_date=date.fromisoformat(params["end_date"]),
            progress=report,
        )
    return True


def ingest_workload(cfg: Config, out: Path) -> list:
    """Every source of the generated workload into the warehouse (files already loaded are skipped)."""
    from burnrate import warehouse

    summaries = []
    with warehouse.writer(cfg) as con:
        for module, folder in DEMO_SOURCES.values():
            path = out / folder
            if path.exists():
                summaries.append(importlib.import_module(module).ingest_files(con, cfg, [path]))
    return summaries


@click.command("demo")
@click.option("--days", type=int, help="days of traffic (default: demo.days)")
@click.option(
    "--requests-per-day", type=int, help="average requests per day (default: demo.requests_per_day)"
)
@click.option("--seed", type=int, help="random seed (default: demo.seed)")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="workload folder (default: demo.out)"
)
@click.option("--regenerate", is_flag=True, help="generate the workload again even if it is already there")
@click.option("--serve/--no-serve", default=True, show_default=True, help="serve the dashboard at the end")
@pass_state
def command(state: State, days, requests_per_day, seed, out, regenerate, serve) -> None:
    """Generate the demo workload, run every stage and serve the dashboard.

    Re-running is cheap and safe: an identical workload is not generated again, files already ingested
    are skipped, and the build is incremental.
    """
    from burnrate.build import BuildFailed, build
    from burnrate.console import err

    cfg = state.config
    out = out or Path(cfg.demo.out)
    params = _params(
        days or cfg.demo.days,
        requests_per_day or cfg.demo.requests_per_day,
        cfg.demo.seed if seed is None else seed,
        date.fromisoformat(cfg.demo.end_date),
    )
    started = time.monotonic()

    err.rule("1/5 generate")
    generated = ensure_workload(out, params, regenerate=regenerate)
    err.print(f"workload in {out}" + ("" if generated else " (already generated)"))

    err.rule("2/5 ingest")
    for summary in ingest_workload(cfg, out):
        err.print(summary.line())

    err.rule("3/5 build")
    result = build(cfg)
    if not result.success:
        for failure in result.failures:
            err.print(f"[red]failed[/]: {failure}")
        raise BuildFailed("dbt build failed; see target/logs/dbt.log")
    err.print(f"dbt build: {result.nodes} nodes ok, {len(result.warnings)} warnings")

    err.rule("4/5 detect and alert")
    from alerts.pipeline import detect_and_alert

    cycle = detect_and_alert(cfg)
    if cycle.exit_code:
        err.print(f"[yellow]detect and alert[/]: {'; '.join(cycle.errors) or 'see above'}")

    err.print(f"warehouse ready in {time.monotonic() - started:.0f}s: {cfg.warehouse_path}")
    err.rule("5/5 serve")
    if serve:
        from burnrate.serve import serve as serve_dashboard

        serve_dashboard(cfg)
    else:
        err.print("not serving (--no-serve); `burnrate serve` starts the dashboard")
