"""Budget alerts from `marts.fct_budget_status` (the contract in the models integration brief).

One alert per budget × period × tier crossed (the highest tier reached when first seen: a budget that jumps
from nothing to 95 % gets one *critical* alert, not a warning and a critical at once), one per token-quota
tier (warn 80 / soft limit 100 / hard limit 120 %), and one per forecast breach ("forecast to exceed on
24 Nov") while the spend has not yet reached the budget. Alert keys make each one happen once:
`budget:<budget_id>:<period_start>:<tier>` and `forecast:<budget_id>:<period_start>`.

Anomalies in a scope whose budget is already at or above its critical tier are escalated one severity level
(`escalation_levels`): the budget's own scope, or one containing it (the anomaly's team, or a global budget).

Until the budget mart is built the module says so and does nothing (`available`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from alerts import tables

MART = ("marts", "fct_budget_status")
SPEND_TIERS = ("warning", "critical", "emergency")
QUOTA_TIERS = ("warn", "soft_limit", "hard_limit")
TIER_SEVERITY = {
    "warning": "medium",
    "critical": "high",
    "emergency": "critical",
    "warn": "medium",
    "soft_limit": "high",
    "hard_limit": "critical",
}
NOT_BUILT = "budget alerts skipped: marts.fct_budget_status is not built yet (run `burnrate build` once the budget marts land)"


@dataclass
class BudgetAlert:
    alert_key: str
    kind: str  # budget | quota | forecast
    severity: str
    budget: dict
    tier: str | None = None


def available(con: duckdb.DuckDBPyConnection) -> bool:
    return tables.has_table(con, *MART)


def latest(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The newest status row of every budget × period (the mart may keep one row per as-of date)."""
    cur = con.execute(
        """
        select * from marts.fct_budget_status
        qualify row_number() over (partition by budget_id, period_start order by as_of_date desc) = 1
        order by budget_id, period_start
        """
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def alerts_for(rows: list[dict]) -> list[BudgetAlert]:
    """The budget, quota and forecast alerts the status rows call for (keys decide what is new)."""
    out: list[BudgetAlert] = []
    for b in rows:
        period = _iso(b["period_start"])
        tier = b.get("tier_reached") or "none"
        if tier in SPEND_TIERS:
            out.append(
                BudgetAlert(
                    f"budget:{b['budget_id']}:{period}:{tier}", "budget", TIER_SEVERITY[tier], b, tier
                )
            )
        quota = b.get("quota_tier") or "none"
        if quota in QUOTA_TIERS:
            out.append(
                BudgetAlert(
                    f"budget:{b['budget_id']}:{period}:{quota}", "quota", TIER_SEVERITY[quota], b, quota
                )
            )
        if b.get("projected_breach_date") is not None and tier != "emergency":
            severity = "high" if tier == "critical" else "medium"
            out.append(
                BudgetAlert(
                    f"forecast:{b['budget_id']}:{period}", "forecast", severity, b, b.get("forecast_tier")
                )
            )
    return out


def escalation_levels(rows: list[dict]) -> dict[tuple[str, str], dict]:
    """(scope_type, scope_value) -> the budget row of scopes at or above their critical tier."""
    out = {}
    for b in rows:
        if (b.get("tier_reached") or "none") in ("critical", "emergency"):
            out[(b["scope_type"], b["scope_value"])] = b
    return out


def budget_over(
    scope: tuple[str, str], high: dict[tuple[str, str], dict], team_of: dict[tuple[str, str], str]
) -> dict | None:
    """The high budget that covers an anomaly's scope: its own, its team's, or a global one."""
    if scope in high:
        return high[scope]
    team = team_of.get(scope)
    if team and ("team", team) in high:
        return high[("team", team)]
    return next((b for (t, _), b in high.items() if t == "global"), None)


def pct_of_budget(
    scope: tuple[str, str], rows: list[dict], team_of: dict[tuple[str, str], str]
) -> dict | None:
    """The budget row closest to a scope (its own, else its team's), for '% of budget' in messages."""
    by_scope = {(b["scope_type"], b["scope_value"]): b for b in rows}
    if scope in by_scope:
        return by_scope[scope]
    team = team_of.get(scope)
    return by_scope.get(("team", team)) if team else None


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
