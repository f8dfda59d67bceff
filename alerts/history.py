"""The run history (`alerts.run_history`): one row per cycle, what each step did, how it ended.

A cycle holds the warehouse's writer lock from start to end, so when a new cycle has the lock, a run still
marked `running` belongs to a process that died (SIGKILL, power loss): `close_stale` marks it
`interrupted`. Every update is its own short transaction, so the history survives a crash of the step.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime

import duckdb

from alerts import tables


def close_stale(con: duckdb.DuckDBPyConnection) -> int:
    """Mark runs left `running` by a dead process as interrupted; returns how many."""
    tables.ensure(con)
    n = con.execute("select count(*) from alerts.run_history where status = 'running'").fetchall()[0][0]
    if n:
        tables.commit(
            con,
            "update alerts.run_history set status = 'interrupted', finished_at = coalesce(finished_at, ?), "
            "error = coalesce(error, 'the process stopped before the run finished (killed?)') "
            "where status = 'running'",
            [datetime.now(UTC)],
        )
    return n


def start(con: duckdb.DuckDBPyConnection, trigger: str) -> str:
    run_id = uuid.uuid4().hex[:16]
    tables.commit(
        con,
        "insert into alerts.run_history (run_id, trigger, pid, started_at, status, step, rows) "
        "values (?, ?, ?, ?, 'running', 'start', '{}')",
        [run_id, trigger, os.getpid(), datetime.now(UTC)],
    )
    return run_id


def step(con: duckdb.DuckDBPyConnection, run_id: str, name: str, rows: dict) -> None:
    tables.commit(
        con,
        "update alerts.run_history set step = ?, rows = ? where run_id = ?",
        [name, json.dumps(rows, default=str), run_id],
    )


def finish(con: duckdb.DuckDBPyConnection, run_id: str, status: str, rows: dict, error: str | None) -> None:
    tables.commit(
        con,
        "update alerts.run_history set status = ?, finished_at = ?, rows = ?, error = ? where run_id = ?",
        [status, datetime.now(UTC), json.dumps(rows, default=str), error, run_id],
    )
