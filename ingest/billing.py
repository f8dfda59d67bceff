"""`burnrate ingest billing PATH…`: cloud billing exports into raw tables, whatever the provider wrote.

Formats (detected from the file's header or first record; `--format` forces one):

| format | files | raw table | module |
|---|---|---|---|
| `focus` | FOCUS 1.0/1.1/1.2 from any provider: CSV (gzip or not) or Parquet | `raw.focus_costs` | `ingest/focus.py` |
| `cur2` | AWS CUR 2.0 (Parquet, CSV.gz) and legacy CUR (`lineItem/UnblendedCost` headers) | `raw.aws_cur` | `ingest/aws_cur.py` |
| `gcp` | GCP Cloud Billing export from BigQuery: JSONL, Parquet, or CSV | `raw.gcp_billing` | `ingest/gcp_billing.py` |
| `azure` | Azure Cost Management exports: EA or MCA, actual or amortized, CSV or Parquet | `raw.azure_costs` | `ingest/azure_costs.py` |

The contract is the other ingesters': each file is one atomic batch; files already loaded are skipped by
fingerprint (a changed file is read again and replaces its own rows); rows that cannot be loaded are
quarantined with file, line, field and reason while the rest loads; a file that cannot be read at all is
recorded as failed and retried next run. A newer export of a month replaces the older one (see
`ingest/billing_exports.py`). The tables and columns are documented in each module and `docs/raw_tables.md`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import click
import duckdb
from rich.progress import Progress

from burnrate import warehouse
from burnrate.config import Config
from burnrate.errors import BurnrateError, InputError
from ingest import aws_cur, azure_costs, files, focus, gcp_billing, landing
from ingest.billing_exports import export_group, file_time, settle
from ingest.billing_load import FileLoad, Loaded
from ingest.billing_read import SUFFIXES, Sniffed, first_line, sniff

log = logging.getLogger(__name__)

FORMATS: dict[str, ModuleType] = {"focus": focus, "cur2": aws_cur, "gcp": gcp_billing, "azure": azure_costs}
# AWS and Azure write a manifest (JSON) next to each export's data files: not a bill.
_MANIFEST = "manifest.json"


def detect(sniffed: Sniffed) -> str | None:
    """The format whose tell-tale columns the file has (FOCUS first: providers' FOCUS files share names)."""
    return next((name for name, module in FORMATS.items() if module.matches(sniffed)), None)


def billing_files(paths: Sequence[str | Path]) -> list[Path]:
    """The export files named by `paths` (files, folders, globs), leaving out manifests found in folders."""
    named = {Path(p).expanduser().resolve() for p in paths if Path(p).expanduser().is_file()}
    found = [p for p in files.expand(paths, SUFFIXES) if p in named or not p.name.lower().endswith(_MANIFEST)]
    if not found:
        raise InputError(f"no billing export files in {', '.join(map(str, paths))} (only manifests)")
    return found


@dataclass
class _Task:
    progress: Progress | None
    total_files: int

    def __post_init__(self):
        if self.progress is not None:
            self.files = self.progress.add_task("billing files", total=self.total_files, unit="files")
            self.rows = self.progress.add_task("billing rows", total=None, unit="rows")

    def advance(self, rows: int) -> None:
        if self.progress is not None:
            self.progress.advance(self.files)
            self.progress.advance(self.rows, rows)


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    paths: Sequence[str | Path],
    *,
    fmt: str | None = None,
    progress: Progress | None = None,
) -> landing.Summary:
    """Load billing export files (paths, folders or globs) into their raw tables; one batch per file."""
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown billing format {fmt!r} (one of {', '.join(FORMATS)})")
    summary = landing.Summary("billing")
    todo = billing_files(paths)
    con.execute("set preserve_insertion_order = true")  # row numbers come from insertion order (billing_load)
    task = _Task(progress, len(todo))
    for path in todo:
        rows = _ingest_one(con, path, fmt, summary)
        task.advance(rows)
    return summary


def _ingest_one(con: duckdb.DuckDBPyConnection, path: Path, fmt: str | None, summary: landing.Summary) -> int:
    """Load one file in its own batch; a file that cannot be loaded is recorded as failed. Returns its rows."""
    landing.ensure_meta(con)
    source = "billing" if fmt is None else FORMATS[fmt].LAYOUT.source
    try:
        sniffed = sniff(con, path)
        name = fmt or detect(sniffed)
        if name is None:
            raise InputError(
                f"{path}: not a billing export this version reads (FOCUS, CUR 2.0, GCP, Azure); "
                f"columns seen: {', '.join(sniffed.columns[:8]) or 'none'}"
            )
        source = FORMATS[name].LAYOUT.source
        status, fp = landing.file_status(con, source, path)
        if status == "unchanged":
            summary.files_skipped += 1
            return 0
        counts, loaded = _load(con, FORMATS[name], path, sniffed, fp or landing.fingerprint(path), status)
    except (BurnrateError, duckdb.Error, OSError, ValueError) as exc:
        reason = first_line(exc) if isinstance(exc, duckdb.Error) else str(exc)
        reason = reason if str(path) in reason else f"{path}: {reason}"
        log.error("%s", reason)
        landing.record_failure(con, source, str(path), reason)
        summary.failures.append(reason)
        return 0
    summary.counts += counts
    summary.files_loaded += 1
    log.info(
        "%s: %s, %s rows, %s quarantined", path.name, name, f"{loaded.rows:,}", f"{loaded.quarantined:,}"
    )
    return loaded.rows + loaded.quarantined


def _load(
    con: duckdb.DuckDBPyConnection,
    module: ModuleType,
    path: Path,
    sniffed: Sniffed,
    fp: landing.FileFingerprint,
    status: str,
    *,
    typed: bool = True,
) -> tuple[landing.Counts, Loaded]:
    """The batch of one file: insert and quarantine, settle which export owns each month, record the file.

    `typed`: the CSV reader parses money itself (cheaper than text + cast). A value it cannot parse fails the
    read and rolls the batch back; the file is then loaded again from text (`typed=False`), which quarantines
    the row with its line and value: a rare file pays two reads, the common one a cheaper one."""
    layout = module.LAYOUT
    try:
        with contextlib.ExitStack() as commit, landing.batch(con, layout.source, fp.path) as b:
            load = FileLoad(con, b, layout, module.read(con, path, sniffed, typed=typed))
            if status == "changed":  # rewritten in place: its earlier rows go
                con.execute(f"delete from {layout.qualified} where _location = ?", [fp.path])
            loaded = load.insert(landing.now().replace(tzinfo=None))
            if loaded.changed_after_insert and loaded.rows + loaded.quarantined >= warehouse.OPTIMISTIC_ROWS:
                # rows DuckDB already wrote to the file were then changed: commit them with a checkpoint, not a
                # second copy in the log (a small batch is cheaper through the log: no checkpoint per file)
                commit.enter_context(warehouse.checkpoint_on_commit(con))
            kept = settle(
                con,
                b,
                layout,
                group=export_group(fp.path),
                export_time=file_time(fp),
                rewritten=status == "changed",
            )
            b.counts.new += kept.new
            b.counts.updated += kept.updated
            b.counts.unchanged += kept.superseded
            b.record_file(fp, rows_loaded=kept.new + kept.updated, rows_quarantined=loaded.quarantined)
    except duckdb.ConversionException as exc:
        if not typed or sniffed.kind != "csv":
            raise
        where = str(exc).splitlines()[0]  # DuckDB's first line names the line; the next ones quote the row
        log.info("%s: a money value is not a number (%s); reading the file as text", path.name, where)
        return _load(con, module, path, sniffed, fp, status, typed=False)
    return b.counts, loaded


@click.command(
    "billing",
    help="""Load cloud billing exports: FOCUS 1.0–1.2, AWS CUR 2.0 (and legacy CUR), GCP billing export,
    Azure cost exports (EA/MCA, actual/amortized).

    PATH is a file, a folder (searched recursively) or a glob; CSV (gzip or not), Parquet and JSONL are read.
    The format is detected from each file's header unless --format is given. Files already loaded are
    skipped; a newer export of a month replaces the older one; bad rows go to meta.quarantine. An Azure
    file whose name says "amortized" is read as the amortized view of the costs, any other as actual.

    \b
    Examples:
      burnrate ingest billing exports/aws/ exports/azure/*.csv
      burnrate ingest billing --format focus 'bills/**/*.parquet'
    """,
)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    help="read every file as this format instead of detecting it from the header",
)
@click.pass_obj
def command(state, paths: tuple[str, ...], fmt: str | None) -> None:
    from burnrate import console

    cfg = state.config
    billing_files(paths)  # a path that names nothing fails here, before the warehouse is opened
    with warehouse.writer(cfg) as con, console.progress() as bar:
        summary = ingest_files(con, cfg, paths, fmt=fmt, progress=bar)
    click.echo(summary.line())
    for failure in summary.failures:
        console.err.print(f"failed: {failure}", markup=False)
    if not summary.loaded_anything and (summary.failures or summary.counts.quarantined):
        why = summary.failures[0] if summary.failures else "every row was quarantined (see meta.quarantine)"
        raise InputError(f"nothing was loaded: {why}")
