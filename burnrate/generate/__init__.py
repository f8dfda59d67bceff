"""Demo workload generator: one fictional company's AI traffic, bills and GPU metrics, with ground truth.

`generate(out, ...)` streams day by day: it samples the day's requests (numpy), injects the planned
anomalies, renders them as Langfuse and Helicone records (polars string expressions), appends them to the
output files, and keeps only small aggregates (see ledger.py). Bills, GPU metrics, labels and the manifest
are written at the end from those aggregates. Same arguments => byte-identical output tree.

Layout under `out` (see README notes in the manifest):
  manifest.json, labels/, company/, langfuse/export|api/, helicone/export|api/, billing/aws|azure|gcp/,
  dcgm/snapshots/<host>/<day>.prom, dcgm/openmetrics/dcgm.om
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from burnrate.generate import anomalies, dcgm, helicone, langfuse, requests, traffic
from burnrate.generate.company import TEAMS, company_tables
from burnrate.generate.ledger import Ledger
from burnrate.generate.outputs import write_billing, write_company, write_labels, write_manifest

__all__ = ["generate", "company_tables"]

Progress = Callable[[str, int, int], None]
OUTPUT_ENTRIES = ("manifest.json", "labels", "company", "langfuse", "helicone", "billing", "dcgm")


def _teams_with(sink: str) -> list[str]:
    return [t.key for t in TEAMS if sink in t.log_sink.split("+")]


def generate(
    out: Path,
    *,
    days: int = 30,
    requests_per_day: int = 10_000,
    seed: int = 1,
    end_date: date = date(2026, 11, 20),
    progress: Progress | None = None,
) -> dict:
    """Generate the demo workload into `out`; return a summary (counts per artifact, paths).

    Data covers [end_date - days, end_date) in UTC. `progress(stage, done, total)` is called as stages
    advance (stages: traffic, billing, dcgm, labels).
    """
    if days < 1 or requests_per_day < 1:
        raise ValueError("days and requests_per_day must be positive")
    out = Path(out)
    _clear(out)
    progress = progress or (lambda stage, done, total: None)
    start = end_date - timedelta(days=days)
    lam = traffic.expected_counts(start, days, end_date, requests_per_day)
    plan = anomalies.plan(start, days, seed, lam)
    cat = traffic.Catalog()
    ledger = Ledger(start, days)
    lf_export = langfuse.ExportSink(out, langfuse.PROJECT_EXPORT)
    lf_api = langfuse.ApiSink(out, langfuse.PROJECT_API)
    hc_export, hc_api = helicone.ExportSink(out), helicone.ApiSink(out)
    teams = {
        s: _teams_with(s) for s in ("langfuse_export", "langfuse_api", "helicone_export", "helicone_api")
    }
    both = [
        t
        for t in teams["langfuse_export"] + teams["langfuse_api"]
        if t in teams["helicone_export"] + teams["helicone_api"]
    ]
    progress("traffic", 0, days)
    for d in range(days):
        day = start + timedelta(days=d)
        day_ms = traffic.epoch_ms(day)
        rng = np.random.default_rng([seed, 1, d])
        cols = traffic.sample_day(rng, cat, lam[d], day_ms, end_date)
        cols["base_cost"] = requests.costs(cols, day).sum(axis=1)
        cols = anomalies.apply(rng, cat, cols, plan, day_ms, end_date, lam[d])
        req = requests.finish(rng, cat, cols, day, d)
        del cols
        last = d == days - 1
        for stream, (project, sink, key) in enumerate(
            (
                (langfuse.PROJECT_EXPORT, lf_export, "langfuse_export"),
                (langfuse.PROJECT_API, lf_api, "langfuse_api"),
            )
        ):
            lf_rng = np.random.default_rng([seed, 2, d, stream])  # one random stream per project and day
            obs = langfuse.observations(
                req.filter(pl.col("team").is_in(teams[key])), project, day, lf_rng, both
            )
            sink.write_day(langfuse.split_late(obs, day_ms, last, lf_rng), day_ms, last)
        hc_rng = np.random.default_rng([seed, 4, d])
        hc_export.write_day(
            helicone.requests(req.filter(pl.col("team").is_in(teams["helicone_export"])), hc_rng),
            day.isoformat(),
        )
        hc_api.write_day(helicone.requests(req.filter(pl.col("team").is_in(teams["helicone_api"])), hc_rng))
        ledger.add_day(req, d, day_ms)
        progress("traffic", d + 1, days)
    lf_export.close(traffic.epoch_ms(end_date))
    ledger.fill_impacts(plan)
    bills = write_billing(out, ledger, start, days, seed, progress)
    gpu = dcgm.write(out, ledger.hourly_load, start, days, seed, progress)
    labels = write_labels(out, plan, ledger, end_date, progress)
    company = write_company(out)
    artifacts = {
        "langfuse_export": {
            "project_id": langfuse.PROJECT_EXPORT,
            "teams": teams["langfuse_export"],
            "path": f"langfuse/export/{langfuse.PROJECT_EXPORT}/observations_v2",
            "files": lf_export.files,
            "rows": lf_export.rows,
        },
        "langfuse_api": {
            "project_id": langfuse.PROJECT_API,
            "teams": teams["langfuse_api"],
            "path": f"langfuse/api/{langfuse.PROJECT_API}",
            "pages": lf_api.pages,
            "rows": lf_api.rows,
        },
        "helicone_export": {
            "teams": teams["helicone_export"],
            "path": "helicone/export",
            "files": hc_export.files,
            "rows": hc_export.rows,
        },
        "helicone_api": {
            "teams": teams["helicone_api"],
            "path": "helicone/api",
            "pages": hc_api.pages,
            "rows": hc_api.rows,
        },
        "billing": bills["files"],
        "dcgm": gpu,
        "labels": labels,
        "company": company,
    }
    return write_manifest(
        out,
        seed=seed,
        days=days,
        requests_per_day=requests_per_day,
        start=start,
        end=end_date,
        ledger=ledger,
        artifacts=artifacts,
        economics=bills["economics"],
        both_teams=both,
    )


def _clear(out: Path) -> None:
    """Remove a previous run's outputs (only the entries this generator writes)."""
    for name in OUTPUT_ENTRIES:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    out.mkdir(parents=True, exist_ok=True)
