"""What a daily `burnrate build` knows about the warehouse's last complete build, kept next to the warehouse file
(`<warehouse>.dbt_state/`): dbt's manifest (so seeds and views defined as then are not rebuilt) and the raw
ingestion watermark (so incremental models re-process exactly the days that received new rows).

Watermark: per source family, the latest `_ingested_at` of its raw tables when the last complete build started
(a build runs under the writer lock, so nothing is ingested while it runs). The next build asks the raw tables
which days the rows ingested after it belong to and passes the first one to dbt (BURNRATE_REBUILD_FROM, read by
macros/incremental.sql): one new day of logs re-processes that day and the day its late updates touched —
not a fixed lookback window, and however late an update comes. Written only after a build succeeded, so a failed
or killed build is redone from the same point.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

from burnrate.config import Config

# family → its raw tables and the timestamp that decides the day a row lands in; days re-processed before the
# first new one (DCGM: the last scrape of the day before lasts until the next scrape, which may be new)
FAMILIES: dict[str, tuple[tuple[tuple[str, str], ...], int]] = {
    "llm": (
        (("raw.langfuse_observations", "start_time"), ("raw.helicone_requests", "request_created_at")),
        0,
    ),
    "dcgm": ((("raw.dcgm_samples", "sampled_at"),), 1),
}
NOTHING_NEW = "9999-12-31"  # rebuild_from when no row arrived: the models re-process no day


def state_dir(cfg: Config) -> Path:
    """The dbt state of the warehouse's last complete build, next to the warehouse file."""
    return cfg.warehouse_path.with_name(cfg.warehouse_path.name + ".dbt_state")


def ingested_through(con) -> dict[str, str | None]:
    """Per family, the latest `_ingested_at` of its raw tables now (ISO text; None when they are empty)."""
    out = {}
    for family, (tables, _) in FAMILIES.items():
        union = " union all ".join(f"select max(_ingested_at) as t from {table}" for table, _ in tables)
        latest = con.execute(f"select max(t) from ({union})").fetchone()[0]
        out[family] = latest.isoformat() if latest is not None else None
    return out


def rebuild_from(con, cfg: Config) -> dict[str, str] | None:
    """What a daily build passes dbt as BURNRATE_REBUILD_FROM: per family, the first day to re-process; None without a
    watermark (the warehouse's first build, or one made before watermarks: dbt's lookback applies)."""
    path = state_dir(cfg) / "watermark.json"
    if not path.is_file():
        return None
    since = json.loads(path.read_text())
    out = {}
    for family, (tables, days_before) in FAMILIES.items():
        if family not in since or "generation" not in since:
            return None
        cutoff = since[family] or "0001-01-01"
        union = " union all ".join(
            f"select min({column}) as t from {table} where _ingested_at > cast(? as timestamp)"
            for table, column in tables
        )
        first = con.execute(
            f"select cast(cast(min(t) as date) - {days_before} as varchar) from ({union})",
            [cutoff] * len(tables),
        ).fetchone()[0]
        out[family] = first or NOTHING_NEW
    return out


def generation(cfg: Config) -> str | None:
    """The id of the warehouse's last complete build (published snapshots record it), or None."""
    path = state_dir(cfg) / "watermark.json"
    return json.loads(path.read_text()).get("generation") if path.is_file() else None


def save(cfg: Config, manifest: Path, watermark: dict[str, str | None]) -> None:
    """Record a complete build: its manifest, the watermark taken when it started and a new generation id."""
    out = state_dir(cfg)
    out.mkdir(exist_ok=True)
    shutil.copyfile(manifest, out / "manifest.json")
    record = {**watermark, "generation": uuid.uuid4().hex}
    tmp = out / "watermark.json.tmp"
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    tmp.replace(out / "watermark.json")


def changed_days(
    manifest: Path, days: dict[str, str], schemas: tuple[str, ...]
) -> dict[str, tuple[str, str]]:
    """The published tables of day-incremental models (delete+insert by a `_date` key) → (day column, first
    day a daily build with rebuild_from `days` can have changed): for `warehouse.publish`."""
    first = min(days.values())
    out = {}
    for node in json.loads(manifest.read_text())["nodes"].values():
        config = node.get("config", {})
        key = config.get("unique_key")
        by_day = (
            config.get("materialized") == "incremental" and isinstance(key, str) and key.endswith("_date")
        )
        if by_day and node["schema"] in schemas:
            out[f"{node['schema']}.{node['alias']}"] = (key, first)
    return out
