"""A small, real workload for end-to-end tests: generate → ingest every source → dbt build.

`build_workload(root)` runs the real pipeline pieces (the generator, each ingester's `ingest_files`, `dbt
build`) into a DuckDB file under `root` and returns the Config pointing at it. Session fixtures in
`tests/conftest.py` build it once per test run; tests must treat the result as read-only.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from burnrate import config, warehouse

# (ingest module, folder of the generated workload it reads)
FILE_SOURCES = [
    ("ingest.langfuse", "langfuse"),
    ("ingest.helicone", "helicone"),
    ("ingest.billing", "billing"),
    ("ingest.dcgm", "dcgm/snapshots"),
]


def workload_config(root: Path) -> config.Config:
    return config.load(
        env={**os.environ, "BURNRATE_WAREHOUSE": str(root / "warehouse.duckdb"), "BURNRATE_CONFIG": ""}
    )


def generate(
    root: Path,
    *,
    days: int = 8,
    requests_per_day: int = 1500,
    seed: int = 1,
    end_date: date = date(2026, 11, 20),
) -> Path:
    from burnrate.generate import generate as run

    out = root / "demo"
    if not (out / "manifest.json").exists():
        run(out, days=days, requests_per_day=requests_per_day, seed=seed, end_date=end_date)
    return out


def ingest_all(cfg: config.Config, gen_dir: Path) -> dict:
    """Every file source into the warehouse; returns each source's Summary."""
    import importlib

    summaries = {}
    with warehouse.writer(cfg) as con:
        for module, folder in FILE_SOURCES:
            summaries[module] = importlib.import_module(module).ingest_files(con, cfg, [gen_dir / folder])
    return summaries


def build_workload(root: Path, **generate_kwargs) -> config.Config:
    from burnrate.build import build

    cfg = workload_config(root)
    ingest_all(cfg, generate(root, **generate_kwargs))
    result = build(cfg, show_progress=False)
    assert result.success, result.failures
    return cfg
