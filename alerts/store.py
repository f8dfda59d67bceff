"""Writing anomalies idempotently: re-running detection updates rows, it never duplicates them.

An anomaly's id is a hash of scope, grain and window start (`detect.anomaly_id`). Windows can still move
between runs (a baseline shifts as the trailing window slides, a window grows as new hours arrive), so a
new window that overlaps (or touches) a stored one of the same scope and grain *takes the stored id* (and keeps its
`first_detected_at`): the anomaly is updated in place, and its alert (keyed by that id) is never sent twice.
Stored anomalies that a later run no longer finds are kept: they were detected, and may have been alerted.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import polars as pl

from alerts import tables

COLUMNS = (
    "anomaly_id", "event_id", "is_primary", "scope_type", "scope_value", "grain", "window_start", "window_end",
    "score", "severity", "is_escalated", "actual_spend", "expected_spend", "impact_usd", "impact_usd_per_hour",
    "impact_pct", "pattern", "top_contributor_type", "top_contributor_value", "top_contributor_share",
    "root_cause", "features_moved", "requests", "expected_requests", "detected_at", "first_detected_at",
)  # fmt: skip


def _stable_ids(con: duckdb.DuckDBPyConnection, found: pl.DataFrame) -> dict[str, tuple[str, datetime]]:
    """new id -> (stored id, first_detected_at) for new windows overlapping a stored one."""
    stored = con.execute(
        "select anomaly_id, scope_type, scope_value, grain, window_start, window_end, first_detected_at "
        "from alerts.anomalies"
    ).fetchall()
    by_scope: dict[tuple, list[tuple]] = {}
    for row in stored:
        by_scope.setdefault((row[1], row[2], row[3]), []).append(row)
    out: dict[str, tuple[str, datetime]] = {}
    taken: set[str] = set()
    for a in found.sort("window_start").iter_rows(named=True):
        for row in sorted(
            by_scope.get((a["scope_type"], a["scope_value"], a["grain"]), []), key=lambda r: r[4]
        ):
            if row[4] <= a["window_end"] and a["window_start"] <= row[5] and row[0] not in taken:
                out[a["anomaly_id"]] = (row[0], row[6])
                taken.add(row[0])
                break
    return out


def upsert(
    con: duckdb.DuckDBPyConnection, found: pl.DataFrame, *, now: datetime | None = None
) -> pl.DataFrame:
    """Insert or update `found` (with event ids) in alerts.anomalies; returns it with the ids as stored.

    Runs inside the caller's transaction, so anomalies and the alerts they cause commit together.
    """
    tables.ensure(con)
    if found.is_empty():
        return found
    now = now or datetime.now(UTC)
    remap = _stable_ids(con, found)
    ids = {old: new for old, (new, _) in remap.items()}
    first = {new: when for _, (new, when) in remap.items()}
    found = found.with_columns(
        pl.col("anomaly_id").replace(ids).alias("anomaly_id"),
        pl.col("event_id").replace(ids).alias("event_id"),
    ).with_columns(
        pl.lit(now).alias("detected_at"),
        pl.col("anomaly_id")
        .replace_strict(first, default=None, return_dtype=pl.Datetime("us", "UTC"))
        .fill_null(pl.lit(now))
        .alias("first_detected_at"),
    )
    frame = found.select(COLUMNS)
    con.register("_alerts_found", frame.to_arrow())
    try:
        con.execute(
            f"insert or replace into alerts.anomalies ({', '.join(COLUMNS)}) "
            f"select {', '.join(COLUMNS)} from _alerts_found"
        )
    finally:
        con.unregister("_alerts_found")
    return found
