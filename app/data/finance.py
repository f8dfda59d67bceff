"""Budgets and reconciliation: the finance lead's monthly close.

Budgets read `fct_budget_status` (one row per budget × period) and `fct_budget_daily` (budget × day:
actual spend so far, forecast for the days left); reconciliation reads `fct_reconciliation_monthly` and
`fct_reconciliation_daily` (logged vs billed per provider × model). Cumulative lines are window sums here,
in SQL.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from app.data.core import Snapshot, in_list, query
from app.filters import Filters

# budget scope type -> the global filter that narrows it
SCOPE_FILTERS = {"team": "team", "feature": "feature", "model": "model", "provider": "provider"}


def _scope_condition(f: Filters) -> tuple[str, list]:
    """Budgets whose scope a global filter excludes are hidden; global budgets always show."""
    parts, params = [], []
    for scope, dim in SCOPE_FILTERS.items():
        if f.values(dim):
            sql, p = in_list("scope_value", list(f.values(dim)))
            parts.append(f"(scope_type <> '{scope}' or {sql})")
            params += p
    return " and ".join(parts) or "true", params


def budgets(snap: Snapshot, f: Filters, as_of_day: date) -> pl.DataFrame:
    """Each budget's current period (the latest that started on or before `as_of_day`)."""
    cond, params = _scope_condition(f)
    return query(
        snap,
        f"""select budget_id, budget_name, scope_type, scope_value, period_type, period_start, period_end,
            as_of_date, amount::double as amount, spend_to_date::double as spend_to_date, pct_used,
            tier_reached, warning_pct, critical_pct, emergency_pct, forecast_spend::double as forecast_spend,
            forecast_pct, forecast_tier, projected_breach_date, token_quota, tokens_to_date, quota_pct, quota_tier
        from marts.fct_budget_status
        where period_start <= ? and {cond}
        qualify row_number() over (partition by budget_id order by period_start desc, as_of_date desc) = 1
        order by pct_used desc nulls last, budget_id""",
        [as_of_day, *params],
    )


def budget_periods(snap: Snapshot, budget_id: str) -> pl.DataFrame:
    """Every period of one budget: amount, spend, tier (history of the budget)."""
    return query(
        snap,
        """select period_start, period_end, amount::double as amount, spend_to_date::double as spend_to_date,
            pct_used, tier_reached, forecast_spend::double as forecast_spend, projected_breach_date
        from marts.fct_budget_status where budget_id = ?
        qualify row_number() over (partition by period_start order by as_of_date desc) = 1
        order by period_start""",
        [budget_id],
    )


def budget_daily(snap: Snapshot, budget_id: str, period_start: date) -> pl.DataFrame:
    """Cumulative actual spend and the cumulative forecast to period end, per day of one budget period."""
    return query(
        snap,
        """with days as (
            select charge_date, coalesce(actual_spend, 0)::double as actual,
                coalesce(forecast_spend, 0)::double as forecast, actual_spend is not null as has_actual
            from marts.fct_budget_daily where budget_id = ? and period_start = ?
        )
        select charge_date,
            case when has_actual then sum(actual) over w end as cumulative_actual,
            sum(case when has_actual then actual else forecast end) over w as cumulative_forecast
        from days window w as (order by charge_date rows between unbounded preceding and current row)
        order by charge_date""",
        [budget_id, period_start],
    )


def _provider_model(f: Filters) -> tuple[str, list]:
    """The provider (case-insensitive) and model filters on a reconciliation mart."""
    cond_p, p_p = in_list("lower(provider_name)", [v.lower() for v in f.values("provider")])
    cond_m, p_m = in_list("model_id", list(f.values("model")))
    return f"{cond_p} and {cond_m}", [*p_p, *p_m]


def _month_range(start: date, end: date) -> tuple[date, date]:
    return start.replace(day=1), end


def reconciliation_monthly(snap: Snapshot, f: Filters, start: date, end: date) -> pl.DataFrame:
    """Logged vs billed per provider × model × month, for the months the period touches."""
    m_start, m_end = _month_range(start, end)
    cond, params = _provider_model(f)
    return query(
        snap,
        f"""select billing_month, provider_name, model_id, logged_requests, logged_tokens, billed_tokens,
            untracked_tokens, logged_list_cost::double as logged_list_cost,
            logged_effective_cost::double as logged_effective_cost, billed_list_cost::double as billed_list_cost,
            billed_cost::double as billed_cost, billed_effective_cost::double as billed_effective_cost,
            untracked_cost::double as untracked_cost, token_coverage, realized_discount
        from marts.fct_reconciliation_monthly
        where billing_month between ? and ? and {cond}
        order by billing_month desc, billed_cost desc nulls last""",
        [m_start, m_end, *params],
    )


def reconciliation_by_provider(snap: Snapshot, f: Filters, start: date, end: date) -> pl.DataFrame:
    """The same rolled up to provider × month: coverage, untracked spend and the realized discount."""
    m_start, m_end = _month_range(start, end)
    cond, params = _provider_model(f)
    return query(
        snap,
        f"""select billing_month, provider_name,
            sum(logged_effective_cost)::double as logged_cost, sum(billed_cost)::double as billed_cost,
            sum(untracked_cost)::double as untracked_cost,
            sum(logged_tokens)::double / nullif(sum(billed_tokens), 0) as token_coverage,
            1 - sum(billed_cost)::double / nullif(sum(billed_list_cost), 0)::double as realized_discount,
            sum(billed_cost)::double - sum(logged_effective_cost)::double as gap
        from marts.fct_reconciliation_monthly
        where billing_month between ? and ? and {cond}
        group by all order by billing_month desc, billed_cost desc nulls last""",
        [m_start, m_end, *params],
    )


def reconciliation_daily(snap: Snapshot, f: Filters, start: date, end: date) -> pl.DataFrame:
    """Daily logged vs billed cost (all providers in the filter) for the chart."""
    cond, params = _provider_model(f)
    return query(
        snap,
        f"""select charge_date, sum(logged_effective_cost)::double as logged_cost,
            sum(billed_cost)::double as billed_cost, sum(untracked_cost)::double as untracked_cost
        from marts.fct_reconciliation_daily
        where charge_date between ? and ? and {cond}
        group by 1 order by 1""",
        [start, end, *params],
    )
