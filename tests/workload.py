"""A small, real workload for end-to-end tests: generate → ingest every source → dbt build.

`build_workload(root)` runs the real pipeline pieces (the generator, each ingester's `ingest_files`, `dbt
build`) into a DuckDB file under `root` and returns the Config pointing at it. Session fixtures in
`tests/conftest.py` build it once per test run; tests must treat the result as read-only.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
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


def _api_page_is_new(path: Path, last_day: date) -> bool:
    """An API page belongs to the last day's pull when it holds a request started on that day."""
    records = json.loads(path.read_text())["data"]
    starts = (r.get("startTime") or r.get("request_created_at") for r in records)
    return any(datetime.fromisoformat(s.replace("Z", "+00:00")).date() >= last_day for s in starts)


def split_last_day(gen_dir: Path, last_day: date) -> tuple[list[Path], list[Path]]:
    """The generated LLM log files as (delivered before `last_day`, delivered by `last_day`'s export/pull).

    A Langfuse export file `<T>` holds rows updated in [T - 1 day, T), so the last day's files include the late
    updates of the day before; API pages belong to the pull of the day their newest request started.
    """
    old, new = [], []
    for path in sorted((gen_dir / "langfuse" / "export").rglob("*.jsonl.gz")):
        stamp = datetime.strptime(path.name.split(".")[0], "%Y-%m-%dT%H-%M-%SZ").date()
        (new if stamp > last_day else old).append(path)
    for path in sorted((gen_dir / "helicone" / "export").glob("*.jsonl")):
        (new if path.stem.endswith(last_day.isoformat()) else old).append(path)
    pages = [*(gen_dir / "langfuse" / "api").rglob("*.json"), *(gen_dir / "helicone" / "api").glob("*.json")]
    for path in sorted(pages):
        (new if _api_page_is_new(path, last_day) else old).append(path)
    return old, new
