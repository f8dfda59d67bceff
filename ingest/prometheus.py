"""Pull DCGM series from a Prometheus server (`/api/v1/query_range`) into `raw.dcgm_samples`.

The table's columns are documented in `ingest.dcgm` and docs/raw_tables.md; API rows have `_line` null
and `_location` = `<url>/api/v1/query_range <metric> [<first>, <last>] step <step>s`.

The rows are the same as reading the exporter's text for the same samples (`ingest.dcgm`): same table,
same label normalisation, same blank/quarantine/dedupe rules (`ingest.dcgm_samples`), and, the point of
this module, the same `sampled_at`, i.e. the time the sample was scraped, not the time a query was
evaluated. How that is exact:

* A range query evaluates the selector at `start, start+step, …`; at each such time `t` Prometheus
  returns the newest sample in the lookback window `[t-5m, t]`, stamped `t`. So a plain query invents
  samples (the last one repeated for up to 5 minutes after a series ends, e.g. when a GPU's pod label
  changes) and moves unaligned ones onto the grid.
* We therefore ask, in the same query, for the real timestamp of every returned sample:
  `M or label_replace(timestamp(M), "burnrate_sample_time", "1", "", "")`. `timestamp()` of a selector is
  the sample's own scrape time; both halves come from one evaluation, so they can never disagree.
  Each point becomes (series, the sample's true time, value); repeats of a sample at later steps are
  dropped, so a sample is stored once, at its own time, whatever the step.
* Every sample is seen as long as `step` ≤ the scrape interval (each sample is then the newest one at some
  step). The grid is aligned to multiples of `step` since the epoch so windows and runs join seamlessly;
  with `step` equal to an aligned scrape interval each evaluation lands exactly on a sample.
  A larger step downsamples (about one sample per step), documented with `dcgm.step_seconds`.

Windows: Prometheus rejects `(end-start)/step > 11,000`; a window also holds at most
`dcgm.max_points_per_query` points over all series of the metric (counted with `/api/v1/series`, which
also tells which of `dcgm.metrics` exist, e.g. DCGM_FI_PROF_GR_ENGINE_ACTIVE only on datacenter GPUs).
A 422 (the server's `query.max-samples` exceeded) halves the window and retries; 503 and other transient
errors are retried by `ApiClient`. Each (metric, window) is one atomic batch that also moves the metric's
watermark (`meta.ingest_state`: source `dcgm`, scope `prometheus <url>`, key = metric, value = the last
evaluation time pulled). The next run starts `dcgm.lag_minutes` before the watermark, to pick up samples
that reached the server late; re-pulled samples count as unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import duckdb
import pyarrow as pa

from burnrate.config import Config
from burnrate.errors import BurnrateError, ConfigError
from ingest import dcgm_samples as samples
from ingest import landing
from ingest.http import ApiClient, HttpError

log = logging.getLogger(__name__)

SOURCE = "dcgm"
MAX_RESOLUTION = 11_000  # Prometheus: "exceeded maximum resolution of 11,000 points per timeseries"
SAMPLE_TIME_LABEL = "burnrate_sample_time"
RANGE_QUERY = '{m} or label_replace(timestamp({m}), "' + SAMPLE_TIME_LABEL + '", "1", "", "")'


def pull(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    *,
    url: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    progress=None,
) -> landing.Summary:
    """Pull `dcgm.metrics` from the Prometheus at `url` (default `dcgm.prometheus_url`), incrementally."""
    base = (url or cfg.dcgm.prometheus_url or "").strip().rstrip("/")
    if not base:
        raise ConfigError("no Prometheus URL: pass --prometheus URL or set dcgm.prometheus_url")
    step = int(cfg.dcgm.step_seconds)
    if step < 1:
        raise ConfigError(f"dcgm.step_seconds must be at least 1, got {step}")
    scope = f"prometheus {public_url(base)}"
    end = _floor(_epoch(until) if until else datetime.now(UTC).timestamp(), step)
    summary = landing.Summary(SOURCE)
    with ApiClient("prometheus", base, cfg) as client:
        starts = {m: _start(con, cfg, scope, m, since, end, step) for m in cfg.dcgm.metrics}
        starts = {m: s for m, s in starts.items() if s <= end}
        if not starts:
            summary.notes.append("prometheus: nothing to pull (the watermarks are at --until)")
            return summary
        counts = discover(client, list(starts), min(starts.values()), end)
        absent = [m for m in starts if m not in counts]
        if absent:
            summary.notes.append(f"not on the server in that time range: {', '.join(absent)}")
        plan = {
            m: plan_windows(starts[m], end, step, points_per_window(counts[m], cfg))
            for m in starts
            if m in counts
        }
        task = None
        if progress:
            task = progress.add_task("prometheus", total=None, unit="rows")
        n_windows, done = sum(map(len, plan.values())), 0
        for metric, windows in plan.items():
            for first, last in windows:
                location = f"{public_url(base)}/api/v1/query_range {metric} [{_iso(first)}, {_iso(last)}] step {step}s"
                if progress:
                    done += 1
                    progress.update(task, description=f"prometheus {metric} window {done}/{n_windows}")
                try:
                    rows = _load_window(con, client, scope, metric, first, last, step, location, summary)
                except HttpError as exc:  # a 4xx that halving could not cure: stop this metric here
                    landing.record_failure(con, SOURCE, location, str(exc))
                    summary.failures.append(location)
                    break
                if progress:
                    progress.advance(task, rows)
    return summary


def _load_window(con, client, scope, metric, first, last, step, location, summary) -> int:
    """One (metric, window) as one batch, watermark included; returns how many samples it read."""
    series = samples.SeriesTable()
    with landing.batch(con, SOURCE, location) as b:
        samples.create_stage(con)
        for chunk in fetch(client, metric, first, last, step, series):
            con.register("_dcgm_chunk", chunk)
            con.execute(
                "insert into _dcgm_stage (series_id, line, value_text, sampled_ms, error, raw_tail)"
                " select series_id, null, value_text, sampled_ms, null, raw_tail from _dcgm_chunk"
            )
            con.unregister("_dcgm_chunk")
        loaded = samples.load_stage(b, series)
        previous = b.get_state(scope, metric)
        if previous is None or _epoch(datetime.fromisoformat(previous)) < last:
            b.set_state(scope, metric, _iso(last))
    summary.counts += b.counts
    summary.skipped += loaded.skipped
    return loaded.new + loaded.unchanged + loaded.skipped + loaded.quarantined


def fetch(
    client: ApiClient, metric: str, first: int, last: int, step: int, series: samples.SeriesTable
) -> Iterator[pa.Table]:
    """Samples of `metric` evaluated at `first..last` (unix seconds, on the step grid), one table per query.

    A 422 from the server (too many samples for its `query.max-samples`) splits the window in two.
    """
    params = {"query": RANGE_QUERY.format(m=metric), "start": first, "end": last, "step": step}
    what = f"query_range {metric} [{_iso(first)}, {_iso(last)}] step {step}s"
    try:
        body = client.get_json("/api/v1/query_range", params=params, what=what)
    except HttpError as exc:
        if exc.status != 422 or first == last:
            raise
        middle = first + (last - first) // step // 2 * step
        log.info("prometheus: %s too large for the server, splitting it", what)
        yield from fetch(client, metric, first, middle, step, series)
        yield from fetch(client, metric, middle + step, last, step, series)
        return
    yield _points(_data(body, what)["result"], metric, series, after_ms=(first - step) * 1000)


def _points(result: list[dict], metric: str, series: samples.SeriesTable, *, after_ms: int) -> pa.Table:
    """Pair each value with its sample's real time; drop the repeats a lookback produces.

    A sample older than one step before the window was the newest one at the previous evaluation time
    too, so the previous window has it already: only samples after `after_ms` are kept.
    """
    times: dict[tuple, dict] = {}
    for item in result:
        labels = item["metric"]
        if SAMPLE_TIME_LABEL in labels:
            key = tuple(sorted((k, v) for k, v in labels.items() if k != SAMPLE_TIME_LABEL))
            times[key] = dict(item["values"])
    sids, stamps, values, tails = [], [], [], []
    for item in result:
        labels = item["metric"]
        if SAMPLE_TIME_LABEL in labels:
            continue
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "__name__"))
        sid = series.add(key, metric, labels, samples.labels_text(labels))
        sample_times, previous = times.get(key, {}), None
        for t, value in item["values"]:
            stamp = sample_times.get(t)
            ms = round(float(stamp) * 1000) if stamp is not None else None
            if ms is not None and (ms == previous or ms <= after_ms):
                continue  # the same sample again, seen through the lookback window
            previous = ms
            sids.append(sid)
            stamps.append(ms)
            values.append(value)
            tails.append(f" {value} {ms if ms is not None else '?'}")
    return pa.table(
        [pa.array(sids, pa.int32()), pa.array(stamps, pa.int64()), pa.array(values), pa.array(tails)],
        names=["series_id", "sampled_ms", "value_text", "raw_tail"],
    )


def discover(client: ApiClient, metrics: list[str], start: int, end: int) -> dict[str, int]:
    """How many series each of `metrics` has on the server between `start` and `end` (absent: not listed)."""
    params = [("match[]", m) for m in metrics] + [("start", start), ("end", end)]
    what = f"series of {len(metrics)} DCGM metrics [{_iso(start)}, {_iso(end)}]"
    counts: dict[str, int] = {}
    for labels in _data(client.get_json("/api/v1/series", params=params, what=what), what):
        name = labels.get("__name__", "")
        counts[name] = counts.get(name, 0) + 1
    return counts


def plan_windows(start: int, end: int, step: int, points: int) -> list[tuple[int, int]]:
    """Evaluation windows `(first, last)` covering the grid `start..end`, each with at most `points`
    evaluation times (and never more than Prometheus's 11,000-point resolution limit)."""
    points = max(1, min(points, MAX_RESOLUTION))
    windows, first = [], start
    while first <= end:
        last = min(first + (points - 1) * step, end)
        windows.append((first, last))
        first = last + step
    return windows


def points_per_window(n_series: int, cfg: Config) -> int:
    return max(1, int(cfg.dcgm.max_points_per_query) // max(1, n_series))


def _data(body: object, what: str):
    if not isinstance(body, dict) or body.get("status") != "success" or "data" not in body:
        error = body.get("error") if isinstance(body, dict) else None
        raise BurnrateError(f"prometheus: {what}: unexpected response ({error or 'no data'})")
    for warning in body.get("warnings") or []:
        log.warning("prometheus: %s: %s", what, warning)
    return body["data"]


def _start(con, cfg: Config, scope: str, metric: str, since, end: int, step: int) -> int:
    if since is not None:
        return _floor(_epoch(since), step)
    mark = landing.get_state(con, SOURCE, scope, metric)
    if mark is not None:
        lagged = datetime.fromisoformat(mark) - timedelta(minutes=cfg.dcgm.lag_minutes)
        return _floor(_epoch(lagged), step)
    return _floor(end - cfg.dcgm.backfill_days * 86_400, step)


def public_url(url: str) -> str:
    """`url` without credentials, query or fragment: what may appear in state, lineage and messages."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path}".rstrip("/")


def _floor(seconds: float, step: int) -> int:
    return int(seconds // step * step)


def _epoch(when: datetime) -> float:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")
