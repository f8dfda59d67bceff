"""Which generated files a day's delivery holds: the split the incremental tests and the benchmark use.

A Langfuse export file `<T>` holds rows updated in [T - 1 day, T), so the last day's files include the late
updates of the day before; a Helicone export file is one day; API pages belong to the pull of the day their
newest request started; DCGM snapshots are one file per host and day.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path


def _api_page_is_new(path: Path, last_day: date) -> bool:
    """An API page belongs to the last day's pull when it holds a request started on that day."""
    records = json.loads(path.read_text())["data"]
    starts = (r.get("startTime") or r.get("request_created_at") for r in records)
    return any(datetime.fromisoformat(s.replace("Z", "+00:00")).date() >= last_day for s in starts)


def split_last_day(gen_dir: Path, last_day: date) -> tuple[list[Path], list[Path]]:
    """The generated LLM log files as (delivered before `last_day`, delivered by `last_day`'s export/pull)."""
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


def split_dcgm_last_day(gen_dir: Path, last_day: date) -> tuple[list[Path], list[Path]]:
    """The DCGM text snapshots as (days before `last_day`, `last_day`)."""
    old, new = [], []
    for path in sorted((gen_dir / "dcgm" / "snapshots").rglob("*.prom")):
        (new if path.stem == last_day.isoformat() else old).append(path)
    return old, new
