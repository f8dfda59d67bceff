"""NVIDIA DCGM GPU metrics from dcgm-exporter text, and the `burnrate ingest dcgm` command.

Reads the Prometheus text exposition format that dcgm-exporter serves on `/metrics`, in two shapes:

* a raw scrape without timestamps (`curl :9400/metrics > node.prom`): every sample gets one time, `--at`
  if given, else the file's modification time (the summary says which);
* many scrapes per file, each sample line ending in an explicit millisecond timestamp, HELP/TYPE once per
  family (`dcgm/snapshots/<hostname>/<YYYY-MM-DD>.prom`).

A file that ends with OpenMetrics' `# EOF` line is read as OpenMetrics: its timestamps are in seconds.
Files may be gzip-compressed (`.gz`). Lines are streamed; series labels are parsed once per distinct series
by `prometheus_client`'s parser, and the per-sample value/timestamp text goes to DuckDB in chunks, where
`ingest.dcgm_samples` classifies and loads it (see there for blanks, quarantine and dedupe).

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

import gzip
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import click
import duckdb
import pyarrow as pa
from prometheus_client.parser import text_string_to_metric_families

from burnrate import console
from burnrate.config import Config
from burnrate.errors import BurnrateError
from ingest import dcgm_samples as samples
from ingest import files, landing

SOURCE = "dcgm"
SUFFIXES = (".prom", ".txt", ".metrics", ".prom.gz", ".txt.gz", ".metrics.gz")
CHUNK_LINES = 100_000
READ_ERRORS = (OSError, UnicodeDecodeError, EOFError, zlib.error)


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
    """
    summary = landing.Summary(SOURCE)
    series = samples.SeriesTable()  # shared by the files of one run: nodes repeat across days
    task = progress.add_task("dcgm samples", total=None, unit="rows") if progress else None
    advance = (lambda n: progress.advance(task, n)) if progress else (lambda n: None)
    untimed: dict[str, int] = {}
    for path in files.expand(paths, SUFFIXES):
        status, fp = landing.file_status(con, SOURCE, path)
        if status == "unchanged":
            summary.files_skipped += 1
            continue
        assert fp is not None
        default_ms = _ms(at) if at else path.stat().st_mtime_ns // 1_000_000
        if progress:
            progress.update(task, description=f"dcgm {path.name}")
        try:
            with landing.batch(con, SOURCE, fp.path) as b:
                n_untimed = _read_file(b, path, series, default_ms, advance)
                loaded = samples.load_stage(b, series)
                if loaded.skipped:
                    b.message = f"{loaded.skipped} blank or NaN values skipped"
                b.record_file(
                    fp, rows_loaded=loaded.new + loaded.unchanged, rows_quarantined=b.counts.quarantined
                )
        except READ_ERRORS as exc:
            landing.record_failure(
                con, SOURCE, fp.path, f"file could not be read: {type(exc).__name__}: {exc}"
            )
            summary.failures.append(fp.path)
            continue
        summary.counts += b.counts
        summary.skipped += loaded.skipped
        summary.files_loaded += 1
        if n_untimed:
            untimed[str(path)] = n_untimed
    if untimed:
        when = f"--at {_iso(at)}" if at else "the file's modification time"
        files_text = "1 file" if len(untimed) == 1 else f"{len(untimed)} files"
        summary.notes.append(
            f"{sum(untimed.values()):,} samples in {files_text} had no timestamp: sampled_at = {when}"
        )
    return summary


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _ms(when: datetime) -> int:
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return round(when.timestamp() * 1000)


def _series(text: str) -> tuple[str, dict[str, str]]:
    """Metric name and labels of one series text (`name{labels}`), parsed by prometheus_client."""
    families = list(text_string_to_metric_families(text + " 0"))
    if len(families) != 1 or len(families[0].samples) != 1:
        raise ValueError("not a single sample")
    sample = families[0].samples[0]
    if sample.value != 0 or sample.timestamp is not None:
        raise ValueError("unexpected text after the labels")
    return sample.name, sample.labels


def _read_file(b: landing.Batch, path: Path, series: samples.SeriesTable, default_ms: int, advance) -> int:
    """Stream the file's sample lines into `_dcgm_stage`; return how many had no timestamp.

    Python touches each line only to split `series` from `value [timestamp]` and look the series up;
    the value and timestamp text is parsed in DuckDB.
    """
    con = b.con
    con.execute(
        "create or replace temp table _dcgm_lines (series_id integer, line bigint, tail varchar, error varchar)"
    )
    samples.create_stage(con)
    ids, bad = series.ids, {}
    cols: tuple[list, list, list, list] = ([], [], [], [])
    openmetrics = False
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            text = raw.strip()
            if not text:
                continue
            if text[0] == "#":
                openmetrics = openmetrics or text == "# EOF"
                continue
            end = text.rfind("}")
            if end >= 0:
                key, tail = text[: end + 1], text[end + 1 :]
            else:
                key, _, tail = text.replace("\t", " ").partition(" ")
            sid = ids.get(key)
            error = None
            if sid is None:
                error = bad.get(key)
                if error is None:
                    try:
                        metric, labels = _series(key)
                        sid = series.add(key, metric, labels, key)
                    except ValueError as exc:
                        error = bad[key] = f"line: not a Prometheus sample ({exc or 'unreadable'})"
                if error is not None:
                    sid, tail = -1, text
            cols[0].append(sid)
            cols[1].append(lineno)
            cols[2].append(tail)
            cols[3].append(error)
            if len(cols[0]) >= CHUNK_LINES:
                _flush(con, cols)
                advance(CHUNK_LINES)
    advance(len(cols[0]))
    _flush(con, cols)
    return _stage_lines(con, default_ms, openmetrics)


def _flush(con: duckdb.DuckDBPyConnection, cols: tuple[list, list, list, list]) -> None:
    if not cols[0]:
        return
    chunk = pa.table(
        [
            pa.array(cols[0], pa.int32()),
            pa.array(cols[1], pa.int64()),
            pa.array(cols[2], pa.string()),
            pa.array(cols[3], pa.string()),
        ],
        names=["series_id", "line", "tail", "error"],
    )
    con.register("_dcgm_chunk", chunk)
    con.execute("insert into _dcgm_lines select * from _dcgm_chunk")
    con.unregister("_dcgm_chunk")
    for col in cols:
        col.clear()


def _stage_lines(con: duckdb.DuckDBPyConnection, default_ms: int, openmetrics: bool) -> int:
    """Split each line's tail into value and timestamp text (in SQL) and fill `_dcgm_stage`."""
    ts_re, unit = (r"-?[0-9]+(\.[0-9]+)?", "seconds") if openmetrics else (r"-?[0-9]+", "milliseconds")
    ts_ms = "round(try_cast(tok[2] as decimal(38, 9)) * 1000)" if openmetrics else "tok[2]"
    con.execute(
        """
        create or replace temp table _dcgm_tok as
        select series_id, line, error, trim(tail) as tail,
               case when trim(tail) = '' then [] else string_split_regex(trim(tail), '\\s+') end as tok
        from _dcgm_lines
        """
    )
    con.execute(
        f"""
        insert into _dcgm_stage
        select series_id, line,
               case when error is null then tok[1] end,
               case when len(tok) = 1 then ?
                    when len(tok) = 2 and regexp_full_match(tok[2], '{ts_re}') then try_cast({ts_ms} as bigint)
               end,
               coalesce(error, case
                   when len(tok) = 0 then 'value: missing'
                   when len(tok) > 2 then 'line: expected "<series> <value> [<timestamp>]", found '
                                          || len(tok) || ' fields after the series'
                   when len(tok) = 2 and not regexp_full_match(tok[2], '{ts_re}')
                        then 'timestamp: ' || tok[2] || ' is not {unit} since the epoch'
                   when len(tok) = 2 and try_cast({ts_ms} as bigint) is null
                        then 'timestamp: ' || tok[2] || ' is out of range'
               end),
               case when series_id < 0 then tail else ' ' || tail end
        from _dcgm_tok
        """,
        [default_ms],
    )
    untimed = con.execute("select count(*) from _dcgm_tok where error is null and len(tok) = 1").fetchone()[0]
    con.execute("drop table _dcgm_lines")
    con.execute("drop table _dcgm_tok")
    return untimed


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
    from ingest import prometheus

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
            summaries.append(prometheus.pull(con, cfg, url=url, since=since, until=until, progress=bar))
    for summary in summaries:
        console.out.print(summary.line(), soft_wrap=True)
    if not any(s.loaded_anything for s in summaries):
        raise BurnrateError("dcgm: nothing was loaded (see the summary above and meta.quarantine)")
