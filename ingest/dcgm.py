"""NVIDIA DCGM GPU metrics from dcgm-exporter text, and the `burnrate ingest dcgm` command.

Reads the Prometheus text exposition format that dcgm-exporter serves on `/metrics`, in two shapes:

* a raw scrape without timestamps (`curl :9400/metrics > node.prom`): every sample gets one time, `--at`
  if given, else the file's modification time (the summary says which);
* many scrapes per file, each sample line ending in an explicit millisecond timestamp, HELP/TYPE once per
  family (`dcgm/snapshots/<hostname>/<YYYY-MM-DD>.prom`).

A file that ends with OpenMetrics' `# EOF` line is read as OpenMetrics: its timestamps are in seconds.
Files may be gzip-compressed (`.gz`). Consecutive files are read as one batch: `ingest.dcgm_text` splits
their lines in DuckDB (odd lines in Python) and parses each distinct series once with `prometheus_client`'s
parser; `ingest.dcgm_samples` classifies and loads the samples (see there for blanks, quarantine and
dedupe), and every file is marked ingested with its own counts in the batch's one commit.

Table `raw.dcgm_samples` (long format, one row per sample; shared with `ingest.prometheus`):

| column | type | meaning |
|---|---|---|
| sampled_at | TIMESTAMP | when the sample was taken, UTC (the line's timestamp, `--at`, or the file's mtime) |
| metric | VARCHAR | metric name, e.g. DCGM_FI_DEV_GPU_UTIL |
| value | DOUBLE | the measurement, in the metric's unit (%, MiB, W, mJ, ratio 0-1) |
| hostname | VARCHAR | node, from the `Hostname` (exporter ≤ 4.5) or `hostname` (newer) label |
| gpu | VARCHAR | GPU index on the node (`gpu`) |
| uuid | VARCHAR | physical GPU UUID (`UUID`, or `uuid` from exporter 1.x) |
| device | VARCHAR | device name, e.g. nvidia0 (`device`) |
| model_name | VARCHAR | GPU model, e.g. NVIDIA H100 80GB HBM3 (`modelName`) |
| pci_bus_id | VARCHAR | PCI bus id (`pci_bus_id`, newer exporters only) |
| gpu_i_profile | VARCHAR | MIG instance profile, e.g. 1g.10gb (`GPU_I_PROFILE`); null without MIG |
| gpu_i_id | VARCHAR | MIG instance id (`GPU_I_ID`); null without MIG |
| pod | VARCHAR | Kubernetes pod using the GPU (`exported_pod`, `pod`, or 1.x `pod_name`); null when idle |
| namespace | VARCHAR | its namespace (`exported_namespace`, `namespace`, or 1.x `pod_namespace`) |
| container | VARCHAR | its container (`exported_container`, `container`, or 1.x `container_name`) |
| labels | JSON | every label of the series as read (keys sorted; empty and `<<<NULL>>>` values dropped) |
| _batch_id, _location, _line, _ingested_at | | lineage: batch, file path (or query + window), line, load time |
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
import duckdb

from burnrate import console
from burnrate.config import Config
from burnrate.errors import BurnrateError
from ingest import dcgm_samples as samples
from ingest import dcgm_text, files, landing

SOURCE = "dcgm"
SUFFIXES = (".prom", ".txt", ".metrics", ".prom.gz", ".txt.gz", ".metrics.gz")
BATCH_BYTES = 128 * 2**20


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    paths: Iterable[str | Path],
    *,
    at: datetime | None = None,
    progress=None,
) -> landing.Summary:
    """Load dcgm-exporter text files (or folders/globs of them) into `raw.dcgm_samples`.

    Files already loaded with the same bytes are skipped; a changed file is re-read and only its new
    samples are added. `at` is the sample time of lines without a timestamp (default: the file's mtime).
    Consecutive files share a batch (one read, one merge, one commit) up to `BATCH_BYTES` of text; each
    is marked ingested with its own counts, and a file that cannot be read is recorded and left out.
    """
    summary = landing.Summary(SOURCE)
    series = samples.SeriesTable()  # shared by the files of one run: nodes repeat across days
    task = progress.add_task("dcgm samples", total=None, unit="rows") if progress else None
    untimed: dict[str, int] = {}
    pending = files.expand(paths, SUFFIXES)
    while pending:
        # A file with the same bytes as one before it waits for the next round: skipped then if that file
        # loaded (as it would have been after that file's batch), tried by itself if it could not be.
        todo, pending = files.plan_round(
            con, SOURCE, pending, summary, lambda path, fp: _File(path, fp, files.content_bytes(path))
        )
        for group in _batches(todo):
            if progress:
                more = f" (+{len(group) - 1} files)" if len(group) > 1 else ""
                progress.update(task, description=f"dcgm {group[0].path.name}{more}")
            loaded = _load(con, group, at, series, summary, untimed)
            if progress and loaded:
                progress.advance(task, loaded.new + loaded.unchanged + loaded.skipped + loaded.quarantined)
    if untimed:
        when = f"--at {_iso(at)}" if at else "the file's modification time"
        files_text = "1 file" if len(untimed) == 1 else f"{len(untimed)} files"
        summary.notes.append(
            f"{sum(untimed.values()):,} samples in {files_text} had no timestamp: sampled_at = {when}"
        )
    return summary


@dataclass
class _File:
    path: Path
    fp: landing.FileFingerprint
    size: int  # of its text (a gzip file's uncompressed size)


def _batches(todo: list[_File]) -> list[list[_File]]:
    """Consecutive files grouped up to `BATCH_BYTES` of text (a bigger file is a batch by itself)."""
    out: list[list[_File]] = []
    size = 0
    for f in todo:
        if not out or size + f.size > BATCH_BYTES:
            out.append([])
            size = 0
        out[-1].append(f)
        size += f.size
    return out


def _load(
    con: duckdb.DuckDBPyConnection,
    group: list[_File],
    at: datetime | None,
    series: samples.SeriesTable,
    summary: landing.Summary,
    untimed: dict[str, int],
) -> samples.Loaded | None:
    """Read, stage, merge and mark one batch of files in one transaction; a file that cannot be read is
    recorded as failed and left out (None: no file could be read)."""
    failed = dcgm_text.read(con, [f.path for f in group])
    for i, exc in sorted(failed.items()):
        reason = f"file could not be read: {type(exc).__name__}: {exc}"
        landing.record_failure(con, SOURCE, group[i].fp.path, reason)
        summary.failures.append(group[i].fp.path)
    ok = [(i, f) for i, f in enumerate(group) if i not in failed]
    if not ok:
        return None
    texts = [dcgm_text.Text(i, _ms(at) if at else f.fp.mtime_ns // 1_000_000) for i, f in ok]
    locations = [f.fp.path for f in group]
    location = locations[ok[0][0]] + (f" and {len(ok) - 1} more files" if len(ok) > 1 else "")
    with landing.batch(con, SOURCE, location) as b:
        n_untimed = dcgm_text.stage(con, texts, series)
        loaded = samples.load_stage(b, series, locations=locations)
        if loaded.skipped:
            b.message = f"{loaded.skipped} blank or NaN values skipped"
        for i, f in ok:
            rows_loaded, rows_quarantined = loaded.per_file.get(i, (0, 0))
            b.record_file(f.fp, rows_loaded=rows_loaded, rows_quarantined=rows_quarantined)
    summary.counts += b.counts
    summary.skipped += loaded.skipped
    summary.files_loaded += len(ok)
    untimed.update({str(f.path): n_untimed[i] for i, f in ok if n_untimed.get(i)})
    return loaded


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _ms(when: datetime) -> int:
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return round(when.timestamp() * 1000)


class When(click.ParamType):
    """A point in time: ISO 8601 (`2026-11-01`, `2026-11-01T12:00:00Z`, with any offset; naive = UTC) or
    unix seconds."""

    name = "TIMESTAMP"

    def convert(self, value, param, ctx) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        try:
            if text.replace(".", "", 1).isdigit():
                return datetime.fromtimestamp(float(text), UTC)
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except (ValueError, OverflowError):
            self.fail(f"{text!r} is not an ISO 8601 time (2026-11-01T12:00:00Z) or unix seconds", param, ctx)
        return when if when.tzinfo else when.replace(tzinfo=UTC)


@click.command(SOURCE)
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option(
    "--at",
    type=When(),
    help="sample time for lines without a timestamp (raw `/metrics` scrapes); default: each file's mtime",
)
@click.option(
    "--prometheus",
    "url",
    metavar="URL",
    help="pull DCGM series from this Prometheus server (default: dcgm.prometheus_url when no PATH is given)",
)
@click.option("--since", type=When(), help="Prometheus: start here instead of at the saved watermark")
@click.option("--until", type=When(), help="Prometheus: stop here (default: now)")
@click.pass_obj
def command(state, paths: tuple[str, ...], at, url: str | None, since, until) -> None:
    """Load NVIDIA DCGM GPU metrics into raw.dcgm_samples.

    \b
    From dcgm-exporter text files, folders or globs (.prom, .txt, .metrics, optionally .gz):
      burnrate ingest dcgm data/demo/dcgm/snapshots
      burnrate ingest dcgm node1.prom --at 2026-11-01T12:00:00Z
    From a Prometheus server, incrementally (per-metric watermark, trailing dcgm.lag_minutes re-pulled):
      burnrate ingest dcgm --prometheus http://127.0.0.1:9090 --since 2026-11-01

    Without PATH or --prometheus, reads dcgm.paths and dcgm.prometheus_url from burnrate.toml.
    An OpenMetrics file (ending in `# EOF`, seconds timestamps) is read when named explicitly.
    Blank DCGM values are skipped; unreadable lines are quarantined (meta.quarantine).
    TIMESTAMP: ISO 8601 (2026-11-01, 2026-11-01T12:00:00Z; no offset = UTC) or unix seconds.
    """
    from burnrate import warehouse

    cfg = state.config
    if not paths and not url:
        paths, url = tuple(cfg.dcgm.paths), cfg.dcgm.prometheus_url or None
        if not paths and not url:
            raise click.UsageError("give PATH or --prometheus URL (or set dcgm.paths / dcgm.prometheus_url)")
    if (since or until) and not url:
        raise click.UsageError("--since/--until apply to --prometheus")
    if at and not paths:
        raise click.UsageError("--at applies to text files (PATH)")
    summaries = []
    with warehouse.writer(cfg) as con, console.progress() as bar:
        if paths:
            summaries.append(ingest_files(con, cfg, paths, at=at, progress=bar))
        if url:
            from ingest import prometheus

            summaries.append(prometheus.pull(con, cfg, url=url, since=since, until=until, progress=bar))
    for summary in summaries:
        console.out.print(summary.line(), soft_wrap=True)
    if not any(s.loaded_anything for s in summaries):
        raise BurnrateError("dcgm: nothing was loaded (see the summary above and meta.quarantine)")
