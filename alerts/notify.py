"""Deciding what to alert on: queue anomaly, budget and digest alerts in the outbox.

Runs inside the detection transaction (`alerts.pipeline`), so what was found and what will be said about it
commit together. Rules:

* one alert per event, for its primary anomaly, when its severity is at least `alerts.min_severity` and its
  window ended within `alerts.recent_hours` of the newest data (history found on a first run is recorded,
  not broadcast) — and no alert was queued before for that event or any of its anomalies (a later run may
  regroup an incident under another primary);
* anomalies in a scope whose budget is at or above critical are escalated one severity level;
* budget tier crossings, quota tiers and forecast breaches from `alerts.budgets`;
* the daily digest (`digest:<date>`), queued by the scheduler's digest job or `burnrate alert --digest`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import polars as pl

from alerts import budgets, messages, outbox
from burnrate.config import Config

SEVERITIES = ("low", "medium", "high", "critical")


def escalate(found: pl.DataFrame, high: dict, team_of: dict) -> pl.DataFrame:
    """Raise the severity of anomalies in scopes whose budget is at or above critical (is_escalated)."""
    if found.is_empty():
        return found.with_columns(pl.lit(False).alias("is_escalated"))
    severities, escalated = [], []
    for row in found.iter_rows(named=True):
        over = budgets.budget_over((row["scope_type"], row["scope_value"]), high, team_of)
        level = SEVERITIES.index(row["severity"])
        severities.append(SEVERITIES[min(level + 1, 3)] if over else row["severity"])
        escalated.append(over is not None)
    return found.with_columns(pl.Series("severity", severities), pl.Series("is_escalated", escalated))


def queue_anomalies(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    found: pl.DataFrame,
    newest: datetime,
    budget_rows: list[dict],
    team_of: dict,
) -> int:
    """Queue alerts for the primary anomalies that call for one; returns how many were new."""
    if found.is_empty():
        return 0
    floor = SEVERITIES.index(cfg.alerts.min_severity) if cfg.alerts.min_severity in SEVERITIES else 0
    recent = newest - timedelta(hours=float(cfg.alerts.recent_hours))
    done = outbox.alerted(con)
    members: dict[str, set[str]] = {}
    for event_id, anomaly_id in found.select("event_id", "anomaly_id").iter_rows():
        members.setdefault(event_id, set()).add(anomaly_id)
    queued = 0
    rows = found.filter(pl.col("is_primary")).sort("window_start").iter_rows(named=True)
    for a in rows:
        if SEVERITIES.index(a["severity"]) < floor or a["window_end"] < recent:
            continue
        if a["event_id"] in done or members[a["event_id"]] & done:
            continue  # this incident was alerted already, perhaps under another primary
        key = f"anomaly:{a['anomaly_id']}"
        budget = budgets.pct_of_budget((a["scope_type"], a["scope_value"]), budget_rows, team_of)
        payload, url = messages.anomaly(a, key, cfg.alerts.dashboard_url, budget)
        queued += outbox.enqueue(
            con,
            key,
            "anomaly",
            a["severity"],
            payload,
            url,
            subject_id=a["anomaly_id"],
            event_id=a["event_id"],
        )
    return queued


def queue_budgets(con: duckdb.DuckDBPyConnection, cfg: Config, rows: list[dict]) -> int:
    """Queue the budget, quota and forecast alerts the budget mart calls for; returns how many were new."""
    queued = 0
    for alert in budgets.alerts_for(rows):
        payload, url = messages.budget(
            alert.alert_key, alert.kind, alert.budget, alert.tier, cfg.alerts.dashboard_url
        )
        queued += outbox.enqueue(
            con,
            alert.alert_key,
            alert.kind,
            alert.severity,
            payload,
            url,
            subject_id=alert.budget["budget_id"],
        )
    return queued


def digest_summary(con: duckdb.DuckDBPyConnection, day: date) -> dict:
    """Spend and requests of `day` and the day before, its anomalies and the budgets (from the marts)."""
    rows = con.execute(
        """
        select request_date, sum(coalesce(effective_cost, 0))::double, count(*)
        from marts.fct_llm_requests where request_date in (?, ?) group by 1
        """,
        [day, day - timedelta(days=1)],
    ).fetchall()
    by_day = {r[0]: (r[1], r[2]) for r in rows}
    cur = con.execute(
        """
        select scope_type, scope_value, pattern, impact_usd::double as impact_usd from alerts.anomalies
        where is_primary and window_start < ? + interval 1 day and window_end > ?
        order by impact_usd desc
        """,
        [day, day],
    )
    anomalies = [dict(zip([d[0] for d in cur.description], r, strict=True)) for r in cur.fetchall()]
    summary = {
        "spend": by_day.get(day, (0.0, 0))[0],
        "requests": by_day.get(day, (0.0, 0))[1],
        "spend_before": by_day.get(day - timedelta(days=1), (0.0, 0))[0],
        "anomalies": anomalies,
    }
    if budgets.available(con):
        summary["budgets"] = sorted(budgets.latest(con), key=lambda b: -(b.get("pct_used") or 0))
    else:
        summary["budget_note"] = budgets.NOT_BUILT
    return summary


def queue_digest(con: duckdb.DuckDBPyConnection, cfg: Config, day: date) -> bool:
    """Queue the digest of `day` (once per day); True when it was new."""
    key = f"digest:{day.isoformat()}"
    payload, url = messages.digest(key, day, digest_summary(con, day), cfg.alerts.dashboard_url)
    return outbox.enqueue(con, key, "digest", "low", payload, url, subject_id=day.isoformat())
