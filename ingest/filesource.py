"""Ingesting export files: one atomic batch per file, skipped when its bytes were already loaded.

For each file (folders are searched recursively, globs expanded, in a stable order):
1. `landing.file_status` says new, changed or unchanged (by path, size, mtime and SHA-256); unchanged files
   are skipped and counted as such.
2. The source's `detect` says which raw table, field spelling and container the file holds.
3. `rawload.stage_file` reads it (fast strict path, else the slow path that names bad lines).
4. One batch quarantines the bad records, merges the rows, and marks the file ingested: all or nothing.
A file that cannot be read at all (truncated gzip, not JSON/CSV/Parquet, unknown shape) is recorded with
`landing.record_failure` and not marked, so a fixed copy is picked up next time; the other files load.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from burnrate.errors import BurnrateError
from burnrate.secrets import redact
from ingest import files, landing, rawload

log = logging.getLogger(__name__)
Detect = Callable[[duckdb.DuckDBPyConnection, Path], "rawload.Plan | None"]


def container(path: Path) -> str:
    """The container format from the file name (and, for JSON, its first bytes)."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    return rawload.json_container(path)


def ingest(
    con: duckdb.DuckDBPyConnection,
    source: str,
    paths: Iterable[str | Path],
    suffixes: tuple[str, ...],
    detect: Detect,
    *,
    progress=None,
) -> landing.Summary:
    """Load every file named by `paths` into the raw tables `detect` chooses; return the summary."""
    con.execute("SET TimeZone = 'UTC'")
    summary = landing.Summary(source)
    found = files.expand(paths, suffixes)
    task = progress.add_task(f"{source}: {len(found)} files", total=None, unit="rows") if progress else None
    for i, path in enumerate(found, 1):
        status, fp = landing.file_status(con, source, path)
        if status == "unchanged":
            summary.files_skipped += 1
            continue
        try:
            rows = _load_one(con, source, path, fp or landing.fingerprint(path), detect, summary)
        except (duckdb.Error, OSError, EOFError, ValueError, BurnrateError) as exc:
            reason = f"file could not be read: {rawload.unreadable(exc)}"
            log.warning("%s: %s: %s", source, path, redact(reason))
            landing.record_failure(con, source, str(path), reason)
            summary.failures.append(str(path))
            summary.counts.quarantined += 1
            rows = 0
        if task is not None:
            progress.update(task, advance=rows, description=f"{source}: file {i}/{len(found)} {path.name}")
    return summary


def _load_one(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: Path,
    fp: landing.FileFingerprint,
    detect: Detect,
    summary: landing.Summary,
) -> int:
    plan = detect(con, path)
    if plan is not None:
        how = rawload.stage_file(con, plan, path)
        log.debug("%s: %s read on the %s path", source, path, how)
    with landing.batch(con, source, str(path)) as b:
        if plan is not None:
            rawload.load_staged(con, b, plan, location=str(path))
        loaded = b.counts.new + b.counts.updated + b.counts.unchanged
        b.record_file(fp, rows_loaded=loaded, rows_quarantined=b.counts.quarantined)
    summary.counts += b.counts
    summary.files_loaded += 1
    return loaded + b.counts.quarantined
