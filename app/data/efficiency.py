"""Efficiency: cost per request by feature, caching, waste, and the model-switch what-if.

Reads `fct_feature_efficiency_daily` (feature × day). Daily percentiles cannot be summed, so a period's
p50/p95/p99 are the request-weighted means of the daily values (labelled so on the page). The what-if
prices a feature's own token mix — per token kind, from the usage relation (`app.data.usage`) for that
one feature and period — at another model's current list prices (`dim_models`; cache reads/writes and reasoning fall back
to input/output prices where the catalog has none, as genai-prices does).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from app.data.core import Snapshot, in_list, query
from app.data.usage import usage_relation
from app.filters import Filters


def _where(f: Filters) -> tuple[str, list]:
    team_sql, team_p = in_list("feature_team_id", list(f.values("team")))
    feat_sql, feat_p = in_list("feature_id", list(f.values("feature")))
    return f"{team_sql} and {feat_sql}", [*team_p, *feat_p]


def by_feature(snap: Snapshot, f: Filters, start: date, end: date) -> pl.DataFrame:
    """Per feature over the period: volume, spend, cost per request percentiles, caching and waste."""
    cond, params = _where(f)
    return query(
        snap,
        f"""select feature_id, any_value(feature_team_id) as team_id, sum(requests)::bigint as requests,
            sum(effective_cost)::double as spend,
            sum(cost_per_request_p50 * priced_requests)::double / nullif(sum(priced_requests), 0) as p50,
            sum(cost_per_request_p95 * priced_requests)::double / nullif(sum(priced_requests), 0) as p95,
            sum(cost_per_request_p99 * priced_requests)::double / nullif(sum(priced_requests), 0) as p99,
            sum(effective_cost)::double / nullif(sum(successful_requests), 0) as cost_per_successful_request,
            sum(cache_hit_requests)::double / nullif(sum(requests), 0) as cache_hit_rate,
            sum(cache_savings)::double as cache_savings,
            sum(failed_requests)::double / nullif(sum(requests), 0) as failure_rate,
            sum(failed_request_cost)::double as failed_request_cost, sum(retry_requests)::bigint as retry_requests,
            sum(retry_cost)::double as retry_cost
        from marts.fct_feature_efficiency_daily
        where request_date between ? and ? and {cond}
        group by 1 order by spend desc nulls last""",
        [start, end, *params],
    )


def daily(snap: Snapshot, f: Filters, start: date, end: date, features: list[str]) -> pl.DataFrame:
    """Daily p50/p95/p99 cost per request for some features."""
    cond, params = in_list("feature_id", features)
    return query(
        snap,
        f"""select request_date, feature_id, cost_per_request_p50::double as p50,
            cost_per_request_p95::double as p95, cost_per_request_p99::double as p99,
            cache_hit_rate, failed_request_cost::double as failed_request_cost
        from marts.fct_feature_efficiency_daily
        where request_date between ? and ? and {cond} order by 1, 2""",
        [start, end, *params],
    )


def what_if(
    snap: Snapshot, feature_id: str, target_model_key: str, start: date, end: date
) -> tuple[pl.DataFrame, dict]:
    """A feature's token mix per model and its cost now vs on `target_model_key` (one scan of its requests).

    Returns (rows per current model, totals); totals add the period cost scaled to a 30-day month and the
    monthly saving. Prices are the target's current list prices (before negotiated discounts).
    """
    mix = query(
        snap,
        f"""with target as (
            select * from marts.dim_models where model_key = ?
        ), mix as (
            select grouping(model_id) = 1 as is_total, model_id as model, sum(requests)::bigint as requests,
                sum(input_uncached_tokens)::bigint as input_uncached_tokens,
                sum(cache_read_tokens)::bigint as cache_read_tokens, sum(cache_write_tokens)::bigint as cache_write_tokens,
                sum(input_audio_tokens)::bigint as input_audio_tokens, sum(output_tokens)::bigint as output_tokens,
                sum(reasoning_tokens)::bigint as reasoning_tokens, sum(output_audio_tokens)::bigint as output_audio_tokens,
                sum(effective_cost)::double as effective_cost, sum(list_cost)::double as list_cost
            from {usage_relation(snap)} where feature_id = ? and request_date between ? and ?
            group by grouping sets ((model_id), ())
        )
        select m.*,
            ((m.input_uncached_tokens + m.input_audio_tokens) * t.current_input_mtok
             + m.cache_read_tokens * coalesce(t.current_cache_read_mtok, t.current_input_mtok)
             + m.cache_write_tokens * coalesce(t.current_cache_write_mtok, t.current_input_mtok)
             + (m.output_tokens + m.output_audio_tokens) * t.current_output_mtok
             + m.reasoning_tokens * coalesce(t.current_output_reasoning_mtok, t.current_output_mtok))::double / 1e6
                as target_cost,
            30.0 / (date_diff('day', ?::date, ?::date) + 1) as month_factor
        from mix m left join target t on true
        order by is_total, effective_cost desc nulls last""",
        [target_model_key, feature_id, start, end, start, end],
    )
    rows = mix.filter(~mix["is_total"]).drop("is_total", "month_factor")
    total = mix.filter(mix["is_total"])
    if total.height == 0 or not total["requests"][0]:
        return rows, {}
    out = total.row(0, named=True)
    factor = out["month_factor"]
    out["monthly_current"] = (out["effective_cost"] or 0) * factor
    out["monthly_target"] = (out["target_cost"] or 0) * factor
    out["monthly_saving"] = out["monthly_current"] - out["monthly_target"]
    return rows, out


def candidate_models(snap: Snapshot) -> pl.DataFrame:
    """Models with a current catalog list price: targets for the what-if, cheapest first."""
    return query(
        snap,
        """select model_key, model_requested, provider, current_input_mtok::double as input_mtok,
            current_output_mtok::double as output_mtok
        from marts.dim_models where current_input_mtok is not null and current_output_mtok is not null
        order by current_input_mtok + current_output_mtok, model_key""",
    )
