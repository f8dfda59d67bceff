"""Spend across every source: the Overview's totals, trends and movers, and Explore's drill-down levels.

All of it reads one relation of daily cost rows. That is `marts.fct_costs_daily` (every dollar: invoices,
LLM API logs, GPU allocation) when it is built; until then — or when an environment filter is set and the
mart has no `environment` column — it is the LLM request log (`fct_llm_requests`) projected onto the same
columns, and `Spend.note` says so on the page. The user/prompt and request levels are in `app.data.usage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from app.data.core import Snapshot, in_list, query, scalar, to_date
from app.filters import DIMENSIONS, Filters, previous_window

# global filter -> column of the daily spend relation
SPEND_COLUMNS = {
    "team": "team_id",
    "feature": "feature_id",
    "provider": "provider_name",
    "model": "model_id",
    "env": "environment",
}
LLM_SPEND = """(
    select request_date as charge_date, 'llm_api_logs' as cost_source, 'llm_api' as spend_category,
        provider as provider_name, team_id, feature_id, coalesce(model_id, model_requested) as model_id,
        environment, effective_cost, list_cost, effective_cost as billed_cost
    from marts.fct_llm_requests
)"""
CATEGORY_LABELS = {"llm_api": "LLM APIs", "gpu": "GPUs", "other_cloud": "Other cloud"}
# drill-down levels over the spend relation, then over requests
LEVELS = ("team", "feature", "model")


@dataclass(frozen=True)
class Spend:
    """The daily spend relation a view reads, and what the page should say about it (if anything)."""

    relation: str
    note: str | None = None
    llm_only: bool = False


def spend_source(snap: Snapshot, f: Filters | None = None) -> Spend:
    if snap.has("fct_costs_daily", ["charge_date", "spend_category", "effective_cost"]):
        if f is None or not f.values("env") or "environment" in snap.columns_of("fct_costs_daily"):
            return Spend("marts.fct_costs_daily")
        return Spend(
            LLM_SPEND,
            "An environment filter applies to LLM requests only: showing LLM API spend from the request logs.",
            llm_only=True,
        )
    return Spend(
        LLM_SPEND,
        "LLM API spend from the request logs only: `fct_costs_daily` (invoices, GPUs, other cloud) is not "
        "built yet — run `burnrate build`.",
        llm_only=True,
    )


def where(f: Filters, columns: dict[str, str], *, skip: tuple[str, ...] = ()) -> tuple[str, list]:
    """The global filters as a SQL condition on `columns` (provider compared case-insensitively)."""
    parts, params = [], []
    for dim in DIMENSIONS:
        if dim in skip or not f.values(dim):
            continue
        column = columns[dim]
        values = list(f.values(dim))
        if dim == "provider":
            column, values = f"lower({column})", [v.lower() for v in values]
        sql, p = in_list(column, values)
        parts.append(sql)
        params += p
    return (" and ".join(parts) or "true"), params


def as_of(snap: Snapshot) -> date | None:
    """The last day with spend: periods end here (the data's today)."""
    src = spend_source(snap)
    return to_date(scalar(snap, f"select max(charge_date) from {src.relation}"))


def options(snap: Snapshot) -> dict[str, list[str]]:
    """Values each global filter can take (from the spend relation; environments seen in the logs' last week)."""
    src = spend_source(snap)
    frame = query(
        snap,
        f"""select 'team' as dim, team_id as value from {src.relation} group by all
        union all select 'feature', feature_id from {src.relation} group by all
        union all select 'provider', provider_name from {src.relation} group by all
        union all select 'model', model_id from {src.relation} group by all
        union all select 'env', environment from marts.fct_llm_requests
            where request_date >= (select max(request_date) - 6 from marts.fct_llm_requests) group by all
        order by 1, 2""",
    )
    out: dict[str, list[str]] = {dim: [] for dim in DIMENSIONS}
    for dim, value in frame.drop_nulls().iter_rows():
        out[dim].append(value)
    return out


def labels(snap: Snapshot) -> dict[str, dict[str, str]]:
    """Display names of teams and features (id -> name)."""
    frame = query(
        snap,
        "select 'team' as dim, team_id as id, team_name as name from marts.dim_teams "
        "union all select 'feature', feature_id, feature_name from marts.dim_features",
    )
    out: dict[str, dict[str, str]] = {"team": {}, "feature": {}}
    for dim, key, name in frame.iter_rows():
        out[dim][key] = name
    return out


def summary(snap: Snapshot, f: Filters, start: date, end: date) -> dict:
    """Spend in the period and the one before, and the share attributed to a team and to a feature."""
    src = spend_source(snap, f)
    cond, params = where(f, SPEND_COLUMNS)
    p_start, p_end = previous_window(start, end)
    row = query(
        snap,
        f"""select
            sum(effective_cost) filter (where charge_date between ? and ?)::double as spend,
            sum(effective_cost) filter (where charge_date between ? and ?)::double as previous_spend,
            sum(effective_cost) filter (where charge_date between ? and ? and team_id <> 'unattributed')::double
                / nullif(sum(effective_cost) filter (where charge_date between ? and ?), 0)::double as team_coverage,
            sum(effective_cost) filter (where charge_date between ? and ? and feature_id <> 'unattributed')::double
                / nullif(sum(effective_cost) filter (where charge_date between ? and ?), 0)::double as feature_coverage
        from {src.relation} where charge_date between ? and ? and {cond}""",
        [start, end, p_start, p_end, start, end, start, end, start, end, start, end, p_start, end, *params],
    ).row(0, named=True)
    return row


def daily_by(snap: Snapshot, f: Filters, start: date, end: date, dim: str, top: int = 8) -> pl.DataFrame:
    """Spend per day per value of `dim` (a column of the spend relation); values past the top `top` summed as 'other'."""
    src = spend_source(snap, f)
    cond, params = where(f, SPEND_COLUMNS)
    return query(
        snap,
        f"""with rows as (
            select charge_date, coalesce({dim}, '(none)') as key, effective_cost
            from {src.relation} where charge_date between ? and ? and {cond}
        ), ranked as (
            select key, row_number() over (order by sum(effective_cost) desc) as rank from rows group by key
        )
        select r.charge_date, case when k.rank <= ? then r.key else 'other' end as key,
            sum(r.effective_cost)::double as spend
        from rows r join ranked k using (key) group by all order by 1, 3 desc""",
        [start, end, *params, top],
    )


def movers(snap: Snapshot, f: Filters, as_of_day: date, limit: int = 10) -> pl.DataFrame:
    """Teams, features and models whose spend changed most: the last 7 days vs the 7 before."""
    src = spend_source(snap, f)
    cond, params = where(f, SPEND_COLUMNS)
    week = as_of_day - timedelta(days=6)
    return query(
        snap,
        f"""with rows as (
            select team_id, feature_id, model_id, charge_date >= ? as this_week, effective_cost
            from {src.relation} where charge_date between ? and ? and {cond}
        ), grouped as (
            select
                case when grouping(team_id) = 0 then 'team' when grouping(feature_id) = 0 then 'feature'
                     else 'model' end as dim,
                coalesce(team_id, feature_id, model_id) as value,
                coalesce(sum(effective_cost) filter (where this_week), 0)::double as this_week,
                coalesce(sum(effective_cost) filter (where not this_week), 0)::double as last_week
            from rows group by grouping sets ((team_id), (feature_id), (model_id))
        )
        select dim, value, this_week, last_week, this_week - last_week as change,
            (this_week - last_week) / nullif(last_week, 0) as change_pct
        from grouped where value is not null
        order by abs(this_week - last_week) desc limit ?""",
        [week, week - timedelta(days=7), as_of_day, *params, limit],
    )


def coverage(snap: Snapshot, f: Filters, start: date, end: date) -> pl.DataFrame:
    """Allocation coverage by source: spend, and the share of it charged to a team / a feature."""
    src = spend_source(snap, f)
    cond, params = where(f, SPEND_COLUMNS)
    return query(
        snap,
        f"""select spend_category, sum(effective_cost)::double as spend,
            coalesce(sum(effective_cost) filter (where team_id = 'unattributed'), 0)::double as unattributed_team,
            coalesce(sum(effective_cost) filter (where feature_id = 'unattributed'), 0)::double as unattributed_feature
        from {src.relation} where charge_date between ? and ? and {cond}
        group by 1 order by 2 desc""",
        [start, end, *params],
    )


def level_of(f: Filters, page: dict[str, str]) -> str:
    """The drill-down level a view shows.

    A pinned user or prompt (or request) shows requests; otherwise the first of team, feature, model after
    the deepest one pinned to a single value (a feature picked from Overview's movers goes straight to its
    models), then users (or prompts with `by=prompt`).
    """
    by = page.get("by") if page.get("by") in ("user", "prompt") else "user"
    if page.get("request") or page.get(by):
        return "requests"
    pinned = [i for i, dim in enumerate(LEVELS) if f.pinned(dim) is not None]
    after = (max(pinned) + 1) if pinned else 0
    return LEVELS[after] if after < len(LEVELS) else by


def breakdown(snap: Snapshot, f: Filters, start: date, end: date, dim: str) -> pl.DataFrame:
    """Spend per value of a level (team, feature or model) in the period, with the previous period and share."""
    src = spend_source(snap, f)
    cond, params = where(f, SPEND_COLUMNS)
    column = SPEND_COLUMNS[dim]
    p_start, p_end = previous_window(start, end)
    return query(
        snap,
        f"""select coalesce({column}, '(none)') as key,
            coalesce(sum(effective_cost) filter (where charge_date >= ?), 0)::double as spend,
            coalesce(sum(effective_cost) filter (where charge_date < ?), 0)::double as previous_spend,
            coalesce(sum(billed_cost) filter (where charge_date >= ?), 0)::double as billed_cost,
            coalesce(sum(list_cost) filter (where charge_date >= ?), 0)::double as list_cost
        from {src.relation} where charge_date between ? and ? and {cond}
        group by 1 having spend <> 0 or previous_spend <> 0
        order by spend desc""",
        [start, start, start, start, p_start, end, *params],
    ).with_columns(
        share=pl.col("spend") / pl.col("spend").sum(),
        change_pct=(pl.col("spend") - pl.col("previous_spend")) / pl.col("previous_spend").replace(0, None),
    )
