"""The `alerts` schema: anomalies, the alert outbox and the run history (documented in docs/alerts_tables.md).

Created on first use by every writer that touches them; published with the marts so the dashboard and
analysts read them from the snapshot.
"""

from __future__ import annotations

import duckdb

DDL = """
create schema if not exists alerts;
create table if not exists alerts.anomalies (
    anomaly_id            varchar primary key,
    event_id              varchar,
    is_primary            boolean,
    scope_type            varchar not null,
    scope_value           varchar not null,
    grain                 varchar not null,
    window_start          timestamp not null,
    window_end            timestamp not null,
    score                 double,
    severity              varchar,
    is_escalated          boolean,
    actual_spend          decimal(38, 12),
    expected_spend        decimal(38, 12),
    impact_usd            decimal(38, 12),
    impact_usd_per_hour   decimal(38, 12),
    impact_pct            double,
    pattern               varchar,
    top_contributor_type  varchar,
    top_contributor_value varchar,
    top_contributor_share double,
    root_cause            varchar,
    features_moved        json,
    requests              bigint,
    expected_requests     double,
    detected_at           timestamptz not null,
    first_detected_at     timestamptz not null
);
create table if not exists alerts.alert_outbox (
    alert_key       varchar primary key,
    seq             bigint not null,
    kind            varchar not null,
    subject_id      varchar,
    event_id        varchar,
    severity        varchar,
    created_at      timestamptz not null,
    status          varchar not null,
    attempts        integer not null default 0,
    last_attempt_at timestamptz,
    last_error      varchar,
    sent_at         timestamptz,
    channel         varchar,
    payload         json not null,
    dashboard_url   varchar
);
create table if not exists alerts.run_history (
    run_id      varchar primary key,
    trigger     varchar not null,
    pid         integer,
    started_at  timestamptz not null,
    finished_at timestamptz,
    status      varchar not null,
    step        varchar,
    rows        json,
    error       varchar
);
"""


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Create the alerts schema and its tables when missing."""
    con.execute(DDL)


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ? "
            "and database_name = current_database()",
            [schema, table],
        ).fetchall()[0][0]
        or con.execute(
            "select count(*) from duckdb_views() where schema_name = ? and view_name = ? "
            "and database_name = current_database()",
            [schema, table],
        ).fetchall()[0][0]
    )


def commit(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> None:
    """Run one statement in its own transaction (the outbox's and run history's small, durable updates)."""
    ensure(con)
    con.execute("begin transaction")
    try:
        con.execute(sql, params)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
