"""Ingesting export files: atomic batches of files, each file skipped when its bytes were already loaded.

1. Every file named (folders searched recursively, globs expanded, in a stable order) gets its
   `landing.file_status`: new, changed or unchanged (by path, size, mtime and SHA-256). Unchanged files are
   skipped and counted as such; the source's `detect` says which raw table, field spelling and container
   each other file holds.
2. Consecutive JSON files with the same plan form one batch, up to `batch_mb` MB of JSON (uncompressed
   size; a file larger than that is a batch by itself). CSV and Parquet files are a batch each.
3. `rawload.stage_files` reads the batch: one strict multi-file `read_json`, falling back to per-file reads
   (and per-line only inside a bad file) when it fails.
4. One transaction quarantines the bad records, merges the rows (`rawload.merge`: counts exactly as if
   the files had been merged one after another) and marks every file of the batch ingested with its own
   counts: all or nothing, so a crash leaves no partial rows and a re-run completes the batch.
A file that cannot be read at all (truncated gzip, not JSON/CSV/Parquet, unknown shape) is recorded with
`landing.record_failure` and not marked, so a fixed copy is picked up next time; the other files load.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from burnrate.errors import BurnrateError
from burnrate.secrets import redact
from ingest import files, landing, rawload

log = logging.getLogger(__name__)
Detect = Callable[[duckdb.DuckDBPyConnection, Path], "rawload.Plan | None"]
DEFAULT_BATCH_MB = 2048


def container(path: Path) -> str:
    """The container format from the file name (and, for JSON, its first bytes)."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    return rawload.json_container(path)


@dataclass
class _File:
    path: Path
    fp: landing.FileFingerprint
    plan: rawload.Plan | None  # None: the file holds no records
    size: int


@dataclass
class _Batch:
    plan: rawload.Plan | None
    items: list[_File] = field(default_factory=list)
    size: int = 0

    def takes(self, f: _File, limit: int) -> bool:
        """Whether `f` can join this batch: JSON files of one plan, within the size limit."""
        if self.plan is not None and self.plan.fmt not in rawload.MULTI:
            return False
        if f.plan is not None and (f.plan.fmt not in rawload.MULTI or self.plan not in (None, f.plan)):
            return False
        return self.size + f.size <= limit

    def add(self, f: _File) -> None:
        self.plan = self.plan or f.plan
        self.items.append(f)
        self.size += f.size


def batches(found: list[_File], limit: int) -> list[_Batch]:
    """Consecutive files grouped into batches, keeping their order (a tie goes to the later file)."""
    out: list[_Batch] = []
    for f in found:
        if not out or not out[-1].takes(f, limit):
            out.append(_Batch(None))
        out[-1].add(f)
    return out


def ingest(
    con: duckdb.DuckDBPyConnection,
    source: str,
    paths: Iterable[str | Path],
    suffixes: tuple[str, ...],
    detect: Detect,
    *,
    batch_mb: float = DEFAULT_BATCH_MB,
    progress=None,
) -> landing.Summary:
    """Load every file named by `paths` into the raw tables `detect` chooses; return the summary."""
    con.execute("SET TimeZone = 'UTC'")
    summary = landing.Summary(source)
    found = files.expand(paths, suffixes)
    task = progress.add_task(f"{source}: {len(found)} files", total=None, unit="rows") if progress else None
    pending, done = found, 0
    while pending:
        # A file with the same bytes as one before it waits for the next round: skipped then if that file
        # loaded (as it would have been after that file's batch), tried by itself if it could not be.
        todo, pending = _plan(con, source, detect, pending, summary)
        for b in batches(todo, int(batch_mb * 1e6)):
            rows = _load_batch(con, source, b, summary)
            done += len(b.items)
            if task is not None:
                progress.update(task, advance=rows, description=f"{source}: file {done}/{len(found)}")
    rawload.drop_stage(con)
    return summary


def _plan(
    con: duckdb.DuckDBPyConnection, source: str, detect: Detect, found: list[Path], summary: landing.Summary
) -> tuple[list[_File], list[Path]]:
    """The files to load now, with their plans (unreadable ones recorded), and those for a later round."""

    def prepare(path: Path, fp: landing.FileFingerprint) -> _File | None:
        try:
            return _File(path, fp, detect(con, path), files.content_bytes(path))
        except rawload.UNREADABLE + (BurnrateError,) as exc:
            _failed(con, source, path, exc, summary)
            return None

    return files.plan_round(con, source, found, summary, prepare)


def _failed(
    con: duckdb.DuckDBPyConnection, source: str, path: Path, exc: BaseException, summary: landing.Summary
) -> None:
    reason = f"file could not be read: {rawload.unreadable(exc)}"
    log.warning("%s: %s: %s", source, path, redact(reason))
    landing.record_failure(con, source, str(path), reason)
    summary.failures.append(str(path))
    summary.counts.quarantined += 1


def _load_batch(con: duckdb.DuckDBPyConnection, source: str, batch: _Batch, summary: landing.Summary) -> int:
    """Stage, merge and mark one batch of files in one transaction; returns the rows it read."""
    with_rows = [f for f in batch.items if f.plan is not None]
    failed: dict[int, BaseException] = {}
    if with_rows:
        failed = rawload.stage_files(con, batch.plan, [f.path for f in with_rows])
        for i, exc in sorted(failed.items()):
            _failed(con, source, with_rows[i].path, exc, summary)
    unreadable = {with_rows[i].path for i in failed}
    ok = [f for f in batch.items if f.path not in unreadable]
    if not ok:
        return 0
    first = str(ok[0].path)
    location = first if len(ok) == 1 else f"{first} and {len(ok) - 1} more files"
    try:
        with landing.batch(con, source, location) as b:
            per_file: dict[int, tuple[int, int]] = {}
            if len(failed) < len(with_rows):
                rawload.load_staged(con, b, batch.plan)
                per_file = rawload.file_counts(con)
            index = {id(f): i for i, f in enumerate(with_rows)}
            for f in ok:
                loaded, quarantined = per_file.get(index.get(id(f), -1), (0, 0))
                b.record_file(f.fp, rows_loaded=loaded, rows_quarantined=quarantined)
    except rawload.UNREADABLE + (BurnrateError,) as exc:
        for f in ok:
            _failed(con, source, f.path, exc, summary)
        return 0
    log.debug("%s: committed a batch of %d files: %s", source, len(ok), b.counts.as_dict())
    summary.counts += b.counts
    summary.files_loaded += len(ok)
    return b.counts.new + b.counts.updated + b.counts.unchanged + b.counts.quarantined
