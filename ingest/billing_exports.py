"""Re-issued month files: the newest export of a (billing account, billing period) is the one kept.

Providers re-issue bills: AWS and Azure rewrite a month's export as charges are finalised or corrected, GCP
keeps adding late rows. Adding a re-issue to the earlier copy would double the month, so for every key a
billing format defines (its billing account and billing period, plus Azure's actual/amortized view) the raw
table holds the rows of **one export**:

* An *export* is the set of files in one folder whose names differ only by a trailing part number
  (`…-00001.csv.gz`, `…-00002.csv.gz`, `part_0_0001.csv`): providers split a large month into numbered parts
  and write a re-issue to a new folder, under a new name, or over the old file. A trailing date is part of
  the name, not a part number: `focus_2026-10-15.csv` and `focus_2026-10-31.csv` are two exports (month-to-date
  snapshots), so the newer replaces the older.
* Its *export time* is the export's own timestamp when the format carries one (GCP's `export_time`), else the
  file's modification time (which `aws s3 sync`/`cp`, `gsutil` and `azcopy` set from the object's upload
  time; keep it when copying files around).
* A file whose key already belongs to another export replaces that export's rows when it is at least as new,
  in the same transaction; an older file arriving later (out of order) loads nothing for that key, so it
  cannot clobber the newer data. Parts of the export that owns the key add up; a file rewritten in place
  replaces its own earlier rows.

Which export owns a key is kept in `meta.ingest_state` (scope: the table and key values, key `export`).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingest import landing
from ingest.billing_load import Layout

log = logging.getLogger(__name__)

_EXTENSIONS = re.compile(r"(\.(csv|tsv|txt|json|jsonl|ndjson|parquet|snappy|gz|gzip|zst|zstd|bz2))+$", re.I)
_PART_NUMBER = re.compile(r"[-_. ]?[0-9]+$")
_DATE = re.compile(r"(19|20)[0-9]{2}([-_.]?[0-9]{2}){1,2}$")  # 2026-10, 202610, 2026-10-31, 20261031


def export_group(path: str | Path) -> str:
    """The export a file belongs to: its folder and its name without extensions and trailing part numbers
    (a trailing date stays: it names the export, it does not number a part)."""
    p = Path(path)
    stem = _EXTENSIONS.sub("", p.name)
    while _PART_NUMBER.search(stem) and not _DATE.search(stem):
        stem = _PART_NUMBER.sub("", stem)
    return f"{p.parent}/{stem}"


def file_time(fp: landing.FileFingerprint) -> datetime:
    return datetime.fromtimestamp(fp.mtime_ns / 1e9, UTC).replace(tzinfo=None)


@dataclass
class Settled:
    new: int = 0
    updated: int = 0
    superseded: int = 0  # rows of this file not kept: a newer export owns their key


def _key_sql(layout: Layout) -> list[str]:
    return [f"coalesce(({k})::VARCHAR, '')" for k in layout.key]


def settle(
    con: duckdb.DuckDBPyConnection,
    batch: landing.Batch,
    layout: Layout,
    *,
    group: str,
    export_time: datetime,
    rewritten: bool,
) -> Settled:
    """Decide, key by key, whether the rows this batch inserted stay, replace another export's, or go."""
    keys = _key_sql(layout)
    own_time = layout.export_time or "null"
    grouped = ", ".join(f"({k}) as k{i}" for i, k in enumerate(layout.key))
    as_text = ", ".join(f"coalesce(k{i}::VARCHAR, '')" for i in range(len(layout.key)))
    rows = con.execute(  # group first, then cast the few keys to text
        f"select [{as_text}], t, n from (select {grouped}, {own_time} as t, count(*) as n "
        f"from {layout.qualified} where _batch_id = ? group by all)",
        [batch.batch_id],
    ).fetchall()
    match = " and ".join(f"{k} = ?" for k in keys)
    out = Settled()
    for key, time_in_file, count in rows:
        when = time_in_file or export_time
        scope = json.dumps([layout.table, *key])
        owner = batch.get_state(scope, "export")
        owner = json.loads(owner) if owner else None
        owner_time = datetime.fromisoformat(owner["time"]) if owner else None
        other = owner is not None and owner["group"] != group
        if other and when < owner_time:  # an older export arriving late: it loads nothing for this key
            con.execute(
                f"delete from {layout.qualified} where {match} and _batch_id = ?", [*key, batch.batch_id]
            )
            log.warning(
                "%s %s: %s is older (%s) than the export already loaded (%s, %s); its %d rows are not loaded",
                layout.table, key, batch.location, when, owner["group"], owner["time"], count,
            )  # fmt: skip
            out.superseded += count
            continue
        if other:  # a newer export: the older one's rows for this key go
            replaced = con.execute(
                f"delete from {layout.qualified} where {match} and _batch_id <> ?", [*key, batch.batch_id]
            ).fetchone()[0]
            log.info(
                "%s %s: this export (%s) replaces %d rows of an earlier one (%s)",
                layout.table, key, group, replaced, owner["group"],
            )  # fmt: skip
            out.updated += count
        elif rewritten:
            out.updated += count
        else:
            out.new += count
        newest = max(when, owner_time) if owner and not other else when
        batch.set_state(
            scope, "export", json.dumps({"group": group, "time": newest.isoformat(), "file": batch.location})
        )
    return out
