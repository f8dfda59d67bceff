"""The self-hosted GPU fleet: utilization, allocated vs idle cost, and cost per 1 M tokens.

Reads `fct_gpu_usage_hourly` (hour × GPU × workload, idle rows included). Utilization is weighted by
GPU-hours. Self-hosted cost per 1 M tokens joins the GPU cost of the pods serving a model (`model_key`,
as in `fct_llm_requests`) to the tokens that model served (provider `self_hosted`); a GPU mart without
`model_key` has its whole cost spread over all self-hosted tokens (an upper bound: batch jobs included). The API alternative prices the same token
mix at a chosen catalog model's current list prices (`dim_models`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from app.data.core import Snapshot, in_list, query
from app.data.usage import usage_relation


def _team(teams: tuple[str, ...]) -> tuple[str, list]:
    return in_list("team_id", list(teams))


def _bounds(start: date, end: date) -> list:
    return [
        datetime.combine(start, datetime.min.time()),
        datetime.combine(end + timedelta(days=1), datetime.min.time()),
    ]


def utilization(snap: Snapshot, start: date, end: date, teams: tuple[str, ...] = ()) -> pl.DataFrame:
    """GPU-hour-weighted utilization per node and bucket (hourly up to 7 days, daily beyond)."""
    grain = "hour" if (end - start).days < 7 else "day"
    cond, params = _team(teams)
    return query(
        snap,
        f"""select date_trunc('{grain}', charge_period_start) as bucket, hostname,
            sum(gpu_utilization * gpu_hours) / nullif(sum(gpu_hours), 0) as utilization
        from marts.fct_gpu_usage_hourly where charge_period_start >= ? and charge_period_start < ? and {cond}
        group by 1, 2 order by 1, 2""",
        [*_bounds(start, end), *params],
    )


def gpu_heatmap(snap: Snapshot, start: date, end: date, hostname: str) -> pl.DataFrame:
    """Utilization per GPU of one node per day (rows: GPUs; columns: days)."""
    return query(
        snap,
        """select gpu_uuid, date_trunc('day', charge_period_start)::date as day,
            sum(gpu_utilization * gpu_hours) / nullif(sum(gpu_hours), 0) as utilization
        from marts.fct_gpu_usage_hourly where charge_period_start >= ? and charge_period_start < ? and hostname = ?
        group by 1, 2 order by 1, 2""",
        [*_bounds(start, end), hostname],
    )


def nodes(snap: Snapshot, start: date, end: date, teams: tuple[str, ...] = ()) -> pl.DataFrame:
    """Per node: GPU model, GPU-hours, utilization, allocated and idle cost, idle share."""
    cond, params = _team(teams)
    return query(
        snap,
        f"""select hostname, any_value(gpu_model) as gpu_model, count(distinct gpu_uuid) as gpus,
            sum(gpu_hours) as gpu_hours,
            sum(gpu_utilization * gpu_hours) / nullif(sum(gpu_hours), 0) as utilization,
            sum(allocated_cost)::double as allocated_cost, sum(idle_cost)::double as idle_cost,
            sum(idle_cost)::double / nullif(sum(allocated_cost) + sum(idle_cost), 0)::double as idle_share
        from marts.fct_gpu_usage_hourly where charge_period_start >= ? and charge_period_start < ? and {cond}
        group by 1 order by sum(allocated_cost) + sum(idle_cost) desc""",
        [*_bounds(start, end), *params],
    )


def cost_daily(snap: Snapshot, start: date, end: date, teams: tuple[str, ...] = ()) -> pl.DataFrame:
    """Allocated vs idle GPU cost per day."""
    cond, params = _team(teams)
    return query(
        snap,
        f"""select charge_period_start::date as day, sum(allocated_cost)::double as allocated_cost,
            sum(idle_cost)::double as idle_cost
        from marts.fct_gpu_usage_hourly where charge_period_start >= ? and charge_period_start < ? and {cond}
        group by 1 order by 1""",
        [*_bounds(start, end), *params],
    )


def api_models(snap: Snapshot) -> pl.DataFrame:
    """Catalog-priced models one could call instead (current list prices, USD per 1 M tokens)."""
    return query(
        snap,
        """select model_key, provider, model_requested, current_input_mtok::double as input_mtok,
            current_output_mtok::double as output_mtok
        from marts.dim_models where current_input_mtok is not null and provider <> 'self_hosted'
        order by current_input_mtok + current_output_mtok""",
    )


def unit_costs(snap: Snapshot, start: date, end: date, compare_model_key: str | None) -> pl.DataFrame:
    """Self-hosted cost per 1 M tokens per served model next to the API price of the same tokens.

    With `model_key` on the GPU mart (the pods serving a self-hosted model), a model's GPU cost is the
    allocated cost of its pods; otherwise the whole fleet's cost is spread over all self-hosted tokens.
    """
    per_model = snap.has("fct_gpu_usage_hourly", ["model_key"])
    gpu_cost = (
        """select model_key, sum(allocated_cost + idle_cost)::double as gpu_cost
        from marts.fct_gpu_usage_hourly
        where charge_period_start >= ? and charge_period_start < ? and model_key is not null group by 1"""
        if per_model
        else """select null as model_key, sum(allocated_cost + idle_cost)::double as gpu_cost
        from marts.fct_gpu_usage_hourly where charge_period_start >= ? and charge_period_start < ?"""
    )
    join = "g.model_key = t.model_key" if per_model else "true"
    share = "1.0" if per_model else "t.tokens / sum(t.tokens) over ()"
    return query(
        snap,
        f"""with tokens as (
            select provider || ':' || model_id as model_key, model_id as model, sum(requests)::bigint as requests,
                sum(total_tokens)::double as tokens,
                sum(input_uncached_tokens + cache_read_tokens + cache_write_tokens + input_audio_tokens)::double
                    as input_tokens,
                sum(output_tokens + reasoning_tokens + output_audio_tokens)::double as output_tokens,
                sum(effective_cost)::double as internal_cost
            from {usage_relation(snap)}
            where provider = 'self_hosted' and request_date between ? and ? group by 1, 2
        ), gpu as ({gpu_cost}), api as (
            select current_input_mtok::double as input_mtok, current_output_mtok::double as output_mtok
            from marts.dim_models where model_key = ?
        )
        select t.model, t.requests, t.tokens, g.gpu_cost * {share} as gpu_cost,
            g.gpu_cost * {share} / nullif(t.tokens, 0) * 1e6 as gpu_cost_per_mtok,
            t.internal_cost / nullif(t.tokens, 0) * 1e6 as internal_price_per_mtok,
            (t.input_tokens * a.input_mtok + t.output_tokens * a.output_mtok) / nullif(t.tokens, 0) as api_cost_per_mtok,
            (t.input_tokens * a.input_mtok + t.output_tokens * a.output_mtok) / 1e6 as api_cost
        from tokens t left join gpu g on {join} left join api a on true
        order by t.tokens desc""",
        [start, end, *_bounds(start, end), compare_model_key],
    ).with_columns(per_model=pl.lit(per_model))
