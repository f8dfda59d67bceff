"""The alert outbox: every alert is a row, written with what caused it and delivered exactly once.

* **Enqueue** happens in the same transaction as the detections (or budget statuses) that call for it, so
  an alert is never lost between "found" and "queued". `alert_key` is the primary key (`anomaly:<id>`,
  `budget:<budget_id>:<period>:<tier>`, `forecast:<budget_id>:<period>`, `digest:<date>`): re-running
  detection finds the key and adds nothing. One alert per event: a leaked key seen on its team, feature,
  user and model sends one message, for the event's primary anomaly.
* **Deliver** (`alerts.deliver`) walks pending rows in `seq` order. Each attempt is committed *before* the
  POST (attempts, last_attempt_at) and `sent` right after Slack answers 200, each in its own transaction.
  A crash between the POST and that commit can re-send that one alert on the next run — at most one
  duplicate per crash, recognisable by the alert key in the message footer; nothing is ever lost.
* Statuses: `pending` (not delivered yet, e.g. Slack down or rate limited: the next run retries it), `sent`
  (with `channel` slack or console), `failed` (Slack rejected the payload, e.g. `invalid_payload`; the error
  is in `last_error`; never retried on its own).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from alerts import tables

SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


def enqueue(
    con: duckdb.DuckDBPyConnection,
    alert_key: str,
    kind: str,
    severity: str,
    payload: dict,
    dashboard_url: str,
    *,
    subject_id: str | None = None,
    event_id: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Queue one alert unless its key is already there; True when it was new. Runs in the caller's transaction."""
    tables.ensure(con)
    exists = con.execute(
        "select count(*) from alerts.alert_outbox where alert_key = ?", [alert_key]
    ).fetchall()
    if exists[0][0]:
        return False
    seq = con.execute("select coalesce(max(seq), 0) + 1 from alerts.alert_outbox").fetchall()[0][0]
    con.execute(
        """
        insert into alerts.alert_outbox
            (alert_key, seq, kind, subject_id, event_id, severity, created_at, status, attempts, payload, dashboard_url)
        values (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
        """,
        [
            alert_key,
            seq,
            kind,
            subject_id,
            event_id,
            severity,
            now or datetime.now(UTC),
            json.dumps(payload),
            dashboard_url,
        ],
    )
    return True


def alerted(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Event ids and anomaly ids that already have an alert (an event regrouped later is not alerted twice)."""
    tables.ensure(con)
    rows = con.execute(
        "select event_id from alerts.alert_outbox where event_id is not null "
        "union select subject_id from alerts.alert_outbox where kind = 'anomaly'"
    ).fetchall()
    return {r[0] for r in rows}


def pending(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Pending alerts in the order they were queued."""
    tables.ensure(con)
    cur = con.execute(
        "select alert_key, seq, kind, severity, attempts, payload, dashboard_url from alerts.alert_outbox "
        "where status = 'pending' order by seq"
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def mark_attempt(con: duckdb.DuckDBPyConnection, alert_key: str) -> None:
    """Record an attempt before sending (committed), so a crash mid-POST is visible as an attempt."""
    tables.commit(
        con,
        "update alerts.alert_outbox set attempts = attempts + 1, last_attempt_at = ? where alert_key = ?",
        [datetime.now(UTC), alert_key],
    )


def mark_sent(con: duckdb.DuckDBPyConnection, alert_key: str, channel: str) -> None:
    tables.commit(
        con,
        "update alerts.alert_outbox set status = 'sent', sent_at = ?, channel = ?, last_error = null "
        "where alert_key = ?",
        [datetime.now(UTC), channel, alert_key],
    )


def mark_failed(con: duckdb.DuckDBPyConnection, alert_key: str, error: str) -> None:
    tables.commit(
        con,
        "update alerts.alert_outbox set status = 'failed', last_error = ? where alert_key = ?",
        [error, alert_key],
    )


def note_error(con: duckdb.DuckDBPyConnection, alert_key: str, error: str) -> None:
    """A transient failure: the alert stays pending, with the reason visible."""
    tables.commit(
        con, "update alerts.alert_outbox set last_error = ? where alert_key = ?", [error, alert_key]
    )
