"""Incremental API pulls: time windows, resumable paging, one committed batch per page.

A pull walks `[start, end)` in windows of `window_hours`. Inside a window each *stream* (an endpoint, e.g.
Langfuse v1 observations, then v1 traces) is paged with the vendor's own cursor (an opaque cursor, a page
number or an offset). Every page is one batch: its rows, its quarantined records and the state that says
where to continue commit together. So a pull killed at any point (even SIGKILL) resumes at the page after
the last committed one, and a re-run ends with the rows a clean run produces.

State in `meta.ingest_state` (source, scope = Langfuse project / Helicone base URL):
* `watermark`  end of the last window whose every page committed (ISO 8601, UTC). Only moves forward.
* `cursor`     `{"start", "end", "stream", "cursor", "page"}` of a window in progress, cleared when it ends.
The next run starts at `watermark - lag` (observations are updated after creation), or at the window in
progress, or `backfill_days` ago on a first run; `--since`/`--until` override the range.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from burnrate.errors import BurnrateError
from ingest import landing, rawload

# fetch(window, cursor) -> (records, next cursor or None when the stream is exhausted)
Fetch = Callable[["Window", str | None], tuple[list, str | None]]


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def __str__(self) -> str:
        return f"[{iso(self.start)}, {iso(self.end)})"


@dataclass(frozen=True)
class Stream:
    """One paged endpoint pulled for every window."""

    endpoint: str  # e.g. "GET /api/public/v2/observations": names the rows' _location
    plan: rawload.Plan
    fetch: Fetch


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_ts(text: str) -> datetime:
    ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def windows(start: datetime, end: datetime, hours: float) -> Iterator[Window]:
    step = timedelta(hours=hours)
    while start < end:
        yield Window(start, min(start + step, end))
        start = start + step


def plan_range(
    con: duckdb.DuckDBPyConnection,
    source: str,
    scope: str,
    *,
    since: datetime | None,
    until: datetime | None,
    lag_minutes: float,
    backfill_days: float,
) -> tuple[datetime, datetime]:
    """The [start, end) to pull this run (see the module docstring)."""
    end = until or datetime.now(UTC)
    if since is not None:
        return since, end
    progress = landing.get_state(con, source, scope, "cursor")
    if progress:
        return parse_ts(json.loads(progress)["start"]), end
    watermark = landing.get_state(con, source, scope, "watermark")
    if watermark:
        return parse_ts(watermark) - timedelta(minutes=lag_minutes), end
    return end - timedelta(days=backfill_days), end


def run(
    con: duckdb.DuckDBPyConnection,
    source: str,
    scope: str,
    streams: list[Stream],
    start: datetime,
    end: datetime,
    hours: float,
    *,
    summary: landing.Summary,
    progress=None,
) -> landing.Summary:
    """Pull every stream for every window of [start, end); commit page by page."""
    con.execute("SET TimeZone = 'UTC'")
    plan = list(windows(start, end, hours))
    try:
        return _run(con, source, scope, streams, plan, summary, progress)
    except BurnrateError as exc:
        exc.summary = summary  # what was committed before the failure, for the CLI's last line
        raise


def _run(con, source: str, scope: str, streams: list[Stream], plan: list[Window], summary, progress):
    task = progress.add_task(f"{source}: {len(plan)} windows", total=None, unit="rows") if progress else None
    saved = landing.get_state(con, source, scope, "cursor")
    resume = json.loads(saved) if saved else None
    for i, window in enumerate(plan, 1):
        names = [s.endpoint for s in streams]
        first = 0
        if resume and (resume["start"], resume["end"]) == (iso(window.start), iso(window.end)):
            first = names.index(resume["stream"]) if resume["stream"] in names else 0
        for k, stream in enumerate(streams[first:], first):
            at = resume if resume and k == first and resume["stream"] == stream.endpoint else None
            cursor, page = (at["cursor"], at["page"]) if at else (None, 0)
            resume = None if at else resume
            location = f"{stream.endpoint} {window}"
            while True:
                page += 1
                records, nxt = stream.fetch(window, cursor)
                rawload.stage_records(con, stream.plan, records)
                last = nxt is None and k == len(streams) - 1
                with landing.batch(con, source, location) as b:
                    rawload.load_staged(
                        con,
                        b,
                        stream.plan,
                        location=location,
                        quarantine_location=f"{location} page {page}",
                        keep_line=False,
                    )
                    if last:
                        b.set_state(scope, "cursor", None)
                        _advance(con, b, source, scope, window.end)
                    else:
                        state = {"start": iso(window.start), "end": iso(window.end)}
                        state |= (
                            {"stream": stream.endpoint, "cursor": nxt, "page": page}
                            if nxt is not None
                            else {"stream": streams[k + 1].endpoint, "cursor": None, "page": 0}
                        )
                        b.set_state(scope, "cursor", json.dumps(state))
                summary.counts += b.counts
                if task is not None:
                    progress.update(
                        task, advance=len(records), description=f"{source}: window {i}/{len(plan)} {window}"
                    )
                if nxt is None:
                    break
                cursor = nxt
    return summary


def _advance(
    con: duckdb.DuckDBPyConnection, b: landing.Batch, source: str, scope: str, end: datetime
) -> None:
    current = landing.get_state(con, source, scope, "watermark")
    if current is None or parse_ts(current) < end:
        b.set_state(scope, "watermark", iso(end))
