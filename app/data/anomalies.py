"""Anomalies (from `alerts.anomalies`) and the spend series around one of them.

The list reads the alerts table; the series and the contributor breakdown read `fct_llm_requests` for
the anomaly's scope over a bounded time range (the window plus a baseline before it), at the anomaly's
grain (hour or day) — request-level, but always filtered by scope and time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from app.data.core import Snapshot, in_list, query
from app.filters import Filters

# anomaly scope / contributor type -> expression on fct_llm_requests
SCOPE_COLUMNS = {
    "team": "team_id",
    "feature": "feature_id",
    "model": "coalesce(model_id, model_requested)",
    "user": "user_id",
    "api_key": "api_key_id",
    "key": "api_key_id",
    "prompt": "prompt_name",
    "provider": "provider",
}
# how far back the baseline of the series goes, per grain
BASELINE = {"hour": timedelta(days=3), "day": timedelta(days=14)}


def scope_condition(scope_type: str, scope_value: str) -> tuple[str, list]:
    """fct_llm_requests rows in an anomaly's scope (a model matches by catalog id, name or key)."""
    if scope_type == "global":
        return "true", []
    if scope_type == "model":
        return "? in (model_id, model_requested, model_key)", [scope_value]
    column = SCOPE_COLUMNS.get(scope_type)
    if column is None:
        return "false", []
    return f"{column} = ?", [scope_value]


def anomalies(snap: Snapshot, f: Filters, start: date, end: date) -> pl.DataFrame:
    """Anomalies whose window overlaps the period; a global filter hides anomalies of its dimension it excludes."""
    parts, params = [], []
    for dim in ("team", "feature", "model"):
        if f.values(dim):
            sql, p = in_list("scope_value", list(f.values(dim)))
            parts.append(f"(scope_type <> '{dim}' or {sql})")
            params += p
    cond = " and ".join(parts) or "true"
    return query(
        snap,
        f"""select anomaly_id, window_start, window_end, grain, scope_type, scope_value, severity, pattern,
            impact_usd::double as impact_usd, impact_pct, actual_spend::double as actual_spend,
            expected_spend::double as expected_spend, top_contributor_type, top_contributor_value,
            top_contributor_share, root_cause, score, first_detected_at
        from alerts.anomalies
        where window_start < ? and window_end >= ? and {cond}
        order by window_start desc, impact_usd desc""",
        [datetime.combine(end + timedelta(days=1), datetime.min.time()), start, *params],
    )


def anomaly(snap: Snapshot, anomaly_id: str) -> dict | None:
    frame = query(
        snap,
        """select *, impact_usd::double as impact, actual_spend::double as actual,
            expected_spend::double as expected
        from alerts.anomalies where anomaly_id = ?""",
        [anomaly_id],
    )
    return frame.row(0, named=True) if frame.height else None


def _range(a: dict) -> tuple[datetime, datetime, str]:
    grain = a["grain"] if a["grain"] in BASELINE else "hour"
    return a["window_start"] - BASELINE[grain], a["window_end"] + BASELINE[grain] / 3, grain


def series(snap: Snapshot, a: dict) -> pl.DataFrame:
    """Spend, requests and errors of the anomaly's scope per bucket, from the baseline through the window."""
    start, end, grain = _range(a)
    cond, params = scope_condition(a["scope_type"], a["scope_value"])
    return query(
        snap,
        f"""select date_trunc('{grain}', requested_at) as bucket, coalesce(sum(effective_cost), 0)::double as spend,
            count(*) as requests, sum(case when is_error then 1 else 0 end)::bigint as errors,
            (sum(total_tokens) / count(*))::double as tokens_per_request,
            bucket >= ? and bucket < ? as in_window
        from marts.fct_llm_requests
        where request_date between ? and ? and requested_at >= ? and requested_at < ? and {cond}
        group by 1 order by 1""",
        [a["window_start"], a["window_end"], start.date(), end.date(), start, end, *params],
    )


def contributors(snap: Snapshot, a: dict, limit: int = 10) -> pl.DataFrame:
    """The contributing dimension's values: spend in the window vs the same-length baseline before it."""
    kind = a.get("top_contributor_type") or "user"
    column = SCOPE_COLUMNS.get(kind, "user_id")
    cond, params = scope_condition(a["scope_type"], a["scope_value"])
    width = a["window_end"] - a["window_start"]
    base_start = a["window_start"] - width
    return query(
        snap,
        f"""select coalesce({column}, '(none)') as value,
            coalesce(sum(effective_cost) filter (where requested_at >= ?), 0)::double as window_spend,
            coalesce(sum(effective_cost) filter (where requested_at < ?), 0)::double as baseline_spend,
            count(*) filter (where requested_at >= ?) as window_requests,
            count(*) filter (where requested_at < ?) as baseline_requests
        from marts.fct_llm_requests
        where request_date between ? and ? and requested_at >= ? and requested_at < ? and {cond}
        group by 1 order by window_spend - baseline_spend desc limit ?""",
        [
            a["window_start"],
            a["window_start"],
            a["window_start"],
            a["window_start"],
            base_start.date(),
            a["window_end"].date(),
            base_start,
            a["window_end"],
            *params,
            limit,
        ],
    ).with_columns(change=pl.col("window_spend") - pl.col("baseline_spend"))


def pending_alerts(snap: Snapshot) -> int:
    frame = query(snap, "select count(*) from alerts.alert_outbox where status = 'pending'")
    return int(frame.item(0, 0)) if frame.height else 0
