"""Raw landing: atomic batches, ingest state, file fingerprints and the quarantine.

Every ingester writes through a `Batch`:

    with landing.batch(con, "focus", location=str(path)) as b:
        ... insert into raw.<table> ... (bulk SQL through DuckDB's readers, never Python row loops)
        b.quarantine_query("select line, field, reason, raw from bad_rows")
        b.counts.new += n
        b.record_file(fp)

A batch is one DuckDB transaction: a crash (even SIGKILL) before the commit leaves no partial rows, no
state change and no file marked as ingested, so re-running completes it. Bookkeeping lives in schema `meta`:

* `meta.ingest_batches`  one row per batch: source, location, status, counts, timing
* `meta.ingest_files`    fingerprints (path, size, mtime, sha256) of files loaded, so unchanged files are skipped
* `meta.ingest_state`    watermarks and cursors per (source, scope, key)
* `meta.quarantine`      every rejected record or file, with the reason, its location (file + line, or API
                          window) and field, and the raw text (prompt/completion fields removed)
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from burnrate.secrets import redact

log = logging.getLogger(__name__)

META_DDL = """
create schema if not exists raw;
create schema if not exists meta;
create table if not exists meta.ingest_batches (
    batch_id         varchar primary key,
    source           varchar not null,
    location         varchar not null,
    status           varchar not null,          -- ok | failed
    rows_new         bigint not null default 0,
    rows_updated     bigint not null default 0,
    rows_unchanged   bigint not null default 0,
    rows_quarantined bigint not null default 0,
    started_at       timestamptz not null,
    finished_at      timestamptz,
    message          varchar
);
create table if not exists meta.ingest_files (
    source       varchar not null,
    path         varchar not null,
    size_bytes   bigint not null,
    mtime_ns     bigint not null,
    sha256       varchar not null,
    batch_id     varchar not null,
    rows_loaded  bigint not null,
    rows_quarantined bigint not null,
    ingested_at  timestamptz not null
);
create table if not exists meta.ingest_state (
    source     varchar not null,
    scope      varchar not null,
    key        varchar not null,
    value      varchar,
    updated_at timestamptz not null,
    primary key (source, scope, key)
);
create table if not exists meta.quarantine (
    batch_id       varchar not null,
    source         varchar not null,
    location       varchar not null,
    line           bigint,
    field          varchar,
    reason         varchar not null,
    raw            varchar,
    quarantined_at timestamptz not null
);
"""

# Fields that can carry prompt or completion text: never stored, not even in the quarantine.
TEXT_FIELDS = frozenset(
    {"input", "output", "request_body", "response_body", "messages", "response", "prompt", "completion"}
)
RAW_TEXT_LIMIT = 4000


def ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(META_DDL)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Counts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.quarantined += other.quarantined
        return self

    def as_dict(self) -> dict[str, int]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
        }


@dataclass(frozen=True)
class FileFingerprint:
    path: str
    size_bytes: int
    mtime_ns: int
    sha256: str


def fingerprint(path: str | os.PathLike, *, chunk: int = 1 << 20) -> FileFingerprint:
    """Size, mtime and SHA-256 of a file's bytes (streamed, constant memory)."""
    p = Path(path).resolve()
    st = p.stat()
    digest = hashlib.sha256()
    with open(p, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return FileFingerprint(str(p), st.st_size, st.st_mtime_ns, digest.hexdigest())


@dataclass(frozen=True)
class LoadedFiles:
    """What `meta.ingest_files` holds for one source, read in one query: the (path, size, mtime) stamps,
    the SHA-256s and the paths of the files loaded. Deciding many files against it costs no query each
    (hundreds of saved API pages would otherwise cost three queries per page)."""

    stamps: frozenset[tuple[str, int, int]]
    hashes: frozenset[str]
    paths: frozenset[str]


def loaded_files(con: duckdb.DuckDBPyConnection, source: str) -> LoadedFiles:
    """The files of `source` loaded so far (see `LoadedFiles`)."""
    ensure_meta(con)
    rows = con.execute(
        "select path, size_bytes, mtime_ns, sha256 from meta.ingest_files where source = ?", [source]
    ).fetchall()
    return LoadedFiles(
        frozenset((p, size, mtime) for p, size, mtime, _ in rows),
        frozenset(r[3] for r in rows),
        frozenset(r[0] for r in rows),
    )


def file_status(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: str | os.PathLike,
    loaded: LoadedFiles | None = None,
) -> tuple[str, FileFingerprint | None]:
    """'unchanged' (same bytes already loaded, under this or another name), 'changed' (this path was loaded
    with other bytes) or 'new'; plus the fingerprint when it had to be computed.

    A file whose path, size and mtime match a loaded one is not re-hashed. `loaded` (from `loaded_files`)
    decides many files with one read of the bookkeeping; without it, it is read now.
    """
    loaded = loaded or loaded_files(con, source)
    p = Path(path).resolve()
    st = p.stat()
    if (str(p), st.st_size, st.st_mtime_ns) in loaded.stamps:
        return "unchanged", None
    fp = fingerprint(p)
    if fp.sha256 in loaded.hashes:
        return "unchanged", fp
    return ("changed" if str(p) in loaded.paths else "new"), fp


def strip_text_fields(record: dict) -> dict:
    """A copy of a parsed record without prompt/completion fields, for the quarantine's raw column."""
    return {k: v for k, v in record.items() if k not in TEXT_FIELDS}


def clip(text: str | None) -> str | None:
    if text is None:
        return None
    text = redact(text)
    return text if len(text) <= RAW_TEXT_LIMIT else text[:RAW_TEXT_LIMIT] + f"… [{len(text)} chars]"


class Batch:
    """One atomic unit of ingestion. Use through `batch()`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, location: str):
        self.con = con
        self.source = source
        self.location = location
        self.batch_id = uuid.uuid4().hex
        self.started_at = now()
        self.counts = Counts()
        self.message: str | None = None

    # quarantine ------------------------------------------------------------------------------------
    def quarantine(
        self,
        reason: str,
        *,
        field: str | None = None,
        line: int | None = None,
        raw: str | None = None,
        location: str | None = None,
    ) -> None:
        """Reject one record (or a whole file/page, with `line` None) with a reason naming what is wrong."""
        self.con.execute(
            "insert into meta.quarantine values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.batch_id,
                self.source,
                location or self.location,
                line,
                field,
                redact(reason),
                clip(raw),
                now(),
            ],
        )
        self.counts.quarantined += 1

    def quarantine_query(self, sql: str, params: list | None = None) -> int:
        """Reject every row of a query returning columns (line, field, reason, raw[, location])."""
        self.con.execute(f"create or replace temp table _burnrate_quarantine as {sql}", params or [])
        has_location = "location" in [
            r[0] for r in self.con.execute("describe _burnrate_quarantine").fetchall()
        ]
        location = "coalesce(location::varchar, ?)" if has_location else "?"
        self.con.execute(
            f"""
            insert into meta.quarantine
            select ?, ?, {location}, line::bigint, field::varchar, reason::varchar,
                   case when length(raw::varchar) > {RAW_TEXT_LIMIT}
                        then left(raw::varchar, {RAW_TEXT_LIMIT}) || '… [' || length(raw::varchar) || ' chars]'
                        else raw::varchar end,
                   ?
            from _burnrate_quarantine
            """,
            [self.batch_id, self.source, self.location, now()],
        )
        n = self.con.execute("select count(*) from _burnrate_quarantine").fetchone()[0]
        self.con.execute("drop table _burnrate_quarantine")
        self.counts.quarantined += n
        return n

    # state -----------------------------------------------------------------------------------------
    def get_state(self, scope: str, key: str) -> str | None:
        return get_state(self.con, self.source, scope, key)

    def set_state(self, scope: str, key: str, value: str | None) -> None:
        self.con.execute(
            "insert or replace into meta.ingest_state values (?, ?, ?, ?, ?)",
            [self.source, scope, key, value, now()],
        )

    # files -----------------------------------------------------------------------------------------
    def record_file(self, fp: FileFingerprint, *, rows_loaded: int, rows_quarantined: int) -> None:
        """Mark a file as ingested by this batch (it commits with the batch, or not at all)."""
        self.con.execute(
            "insert into meta.ingest_files values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.source,
                fp.path,
                fp.size_bytes,
                fp.mtime_ns,
                fp.sha256,
                self.batch_id,
                rows_loaded,
                rows_quarantined,
                now(),
            ],
        )


def get_state(con: duckdb.DuckDBPyConnection, source: str, scope: str, key: str) -> str | None:
    ensure_meta(con)
    row = con.execute(
        "select value from meta.ingest_state where source = ? and scope = ? and key = ?", [source, scope, key]
    ).fetchone()
    return row[0] if row else None


@contextlib.contextmanager
def batch(con: duckdb.DuckDBPyConnection, source: str, location: str) -> Iterator[Batch]:
    """An atomic batch: everything written through `con` inside commits together, or not at all."""
    ensure_meta(con)
    con.execute("begin transaction")
    b = Batch(con, source, location)
    try:
        yield b
        c = b.counts
        con.execute(
            "insert into meta.ingest_batches values (?, ?, ?, 'ok', ?, ?, ?, ?, ?, ?, ?)",
            [
                b.batch_id,
                source,
                location,
                c.new,
                c.updated,
                c.unchanged,
                c.quarantined,
                b.started_at,
                now(),
                b.message,
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def record_failure(
    con: duckdb.DuckDBPyConnection,
    source: str,
    location: str,
    reason: str,
    *,
    field: str | None = None,
    line: int | None = None,
) -> None:
    """Record, in its own transaction, that a whole file or API window could not be loaded.

    Used after a batch was rolled back (an unreadable or truncated file, a page that never parsed): the
    failure is quarantined with its reason and visible in `meta.ingest_batches`; the file is not marked as
    ingested, so a fixed copy is picked up by the next run.
    """
    with batch(con, source, location) as b:
        b.quarantine(reason, field=field, line=line)
        b.message = redact(reason)
    con.execute("update meta.ingest_batches set status = 'failed' where batch_id = ?", [b.batch_id])


@dataclass
class Summary:
    """What one `burnrate ingest …` did, printed at the end and returned to the pipeline."""

    source: str
    counts: Counts = dataclasses.field(default_factory=Counts)
    files_loaded: int = 0
    files_skipped: int = 0  # unchanged since they were loaded
    failures: list[str] = dataclasses.field(
        default_factory=list
    )  # files/windows that could not be loaded at all
    skipped: int = (
        0  # records read and deliberately not loaded because they hold no value (e.g. blank sentinels)
    )
    notes: list[str] = dataclasses.field(default_factory=list)  # facts the reader needs, e.g. assumed times

    @property
    def loaded_anything(self) -> bool:
        c = self.counts
        return c.new + c.updated + c.unchanged + self.skipped > 0 or self.files_skipped > 0

    def line(self) -> str:
        c = self.counts
        parts = [
            f"{self.source}: {c.new:,} new, {c.updated:,} updated, {c.unchanged:,} unchanged, {c.quarantined:,} quarantined"
            + (f", {self.skipped:,} skipped" if self.skipped else "")
        ]
        if self.files_loaded or self.files_skipped:
            parts.append(f"files: {self.files_loaded:,} loaded, {self.files_skipped:,} already ingested")
        if self.failures:
            parts.append(f"{len(self.failures)} failed (see meta.quarantine)")
        return "; ".join(parts + self.notes)
