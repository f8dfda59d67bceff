"""Per-scope time buckets of LLM traffic, aggregated in DuckDB from `marts.fct_llm_requests`.

Detection never reads raw or staging tables, and never loops over requests in Python: one SQL pass groups
the requests of the window into *cells* (hour × team × feature × model × user × API key × prompt version),
a temp table that every later step (scope buckets, root-cause breakdowns, the z-score baseline) re-reads.
At 10 M requests the cells are a few million rows; everything after them is small.

Scopes (`scope_type`): `team`, `feature`, `model` (the model name as requested), `user`, `api_key`.
Spend is `effective_cost` (what the company pays after negotiated discounts and internal prices, the basis
of showback and budgets); an unpriced request counts in requests and tokens but adds $0 to spend (it is
listed in `marts.fct_llm_unpriced_models`, never silently priced).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import polars as pl

SCOPE_TYPES: tuple[str, ...] = ("team", "feature", "model", "user", "api_key")
GRAINS: dict[str, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
CELLS = "_alerts_cells"

# scope type -> the cells column holding its value
SCOPE_COLUMNS: dict[str, str] = {
    "team": "team_id",
    "feature": "feature_id",
    "model": "model",
    "user": "user_id",
    "api_key": "api_key_id",
    "prompt": "prompt",
}


def data_range(con: duckdb.DuckDBPyConnection) -> tuple[datetime, datetime] | None:
    """First and last request time in the mart, or None when it holds no requests."""
    row = con.execute("select min(requested_at), max(requested_at) from marts.fct_llm_requests").fetchall()[0]
    return None if row is None or row[0] is None else (row[0], row[1])


def load_cells(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> int:
    """Aggregate the requests in [start, end) into the `_alerts_cells` temp table; returns its row count."""
    con.execute(
        f"""
        create or replace temp table {CELLS} as
        select
            date_trunc('hour', requested_at)                        as bucket_start,
            team_id,
            feature_id,
            coalesce(model_requested, model_key, 'unknown')         as model,
            user_id,
            api_key_id,
            case when prompt_name is null then null
                 else prompt_name || coalesce(':' || prompt_version, '') end as prompt,
            count(*)                                                as requests,
            sum(coalesce(effective_cost, 0))::double                as spend,
            sum(coalesce(total_tokens, 0))::double                  as tokens,
            count(*) filter (where is_error)                        as errors,
            count(*) filter (where is_cache_hit)                    as cache_hits
        from marts.fct_llm_requests
        where requested_at >= ? and requested_at < ?
        group by all
        """,
        [start, end],
    )
    return con.execute(f"select count(*) from {CELLS}").fetchall()[0][0]


def _bucket_expr(grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}")
    return "bucket_start" if grain == "hour" else "date_trunc('day', bucket_start)"


def scope_buckets(
    con: duckdb.DuckDBPyConnection,
    grain: str,
    scopes: tuple[str, ...] = SCOPE_TYPES,
    part: tuple[int, int] = (0, 1),
) -> pl.DataFrame:
    """One row per scope × bucket with traffic: the raw measures the features are made of.

    Columns: scope_type, scope_value, bucket_start, requests, spend, tokens, errors, cache_hits, users,
    top_user_requests (requests of the busiest user in the bucket). `part` = (k, n) returns the k-th of n
    slices by a hash of the scope value: every bucket of a scope lands in the same slice, so baselines
    computed per slice are exact, and memory stays bounded however many users there are.
    """
    bucket = _bucket_expr(grain)
    k, n = part
    unions = " union all ".join(
        f"select '{scope}' as scope_type, {SCOPE_COLUMNS[scope]} as scope_value, {bucket} as b, "
        f"coalesce(user_id, '(none)') as u, requests, spend, tokens, errors, cache_hits from {CELLS} "
        f"where {SCOPE_COLUMNS[scope]} is not null and hash({SCOPE_COLUMNS[scope]}) % {int(n)} = {int(k)}"
        for scope in scopes
    )
    return con.sql(
        f"""
        with scoped as ({unions}),
        per_user as (
            select scope_type, scope_value, b, u, sum(requests) as r, sum(spend) as s, sum(tokens) as t,
                   sum(errors) as e, sum(cache_hits) as c
            from scoped group by all
        )
        select scope_type, scope_value, b as bucket_start,
               sum(r)::double as requests, sum(s) as spend, sum(t) as tokens, sum(e)::double as errors,
               sum(c)::double as cache_hits, count(*)::double as users, max(r)::double as top_user_requests
        from per_user
        group by all
        order by scope_type, scope_value, bucket_start
        """
    ).pl()


def bucket_counts(con: duckdb.DuckDBPyConnection, grain: str) -> dict[str, int]:
    """How many scope × bucket rows each scope type has (to size slices and the training sample)."""
    bucket = _bucket_expr(grain)
    sql = " union all ".join(
        f"select '{scope}', count(*) from (select distinct {SCOPE_COLUMNS[scope]}, {bucket} from {CELLS} "
        f"where {SCOPE_COLUMNS[scope]} is not null)"
        for scope in SCOPE_TYPES
    )
    return {scope: n for scope, n in con.execute(sql).fetchall()}


def breakdowns(
    con: duckdb.DuckDBPyConnection, scope_type: str, dimension: str, windows: pl.DataFrame
) -> pl.DataFrame:
    """Requests, spend, tokens and errors by `dimension` value, in each window and in its baseline.

    `windows` has one row per anomaly window of `scope_type`: key, scope_value, window_start, window_end,
    baseline_start, baseline_end. Returns key, value, w_requests, w_spend, w_tokens, w_errors, b_requests,
    b_spend, b_tokens, b_errors (the baseline is [baseline_start, baseline_end) without the window). One
    query for all the windows of a scope type, however many there are.
    """
    scope_col, dim_col = SCOPE_COLUMNS[scope_type], SCOPE_COLUMNS[dimension]
    con.register("_alerts_windows", windows.to_arrow())
    try:
        return con.sql(
            f"""
            select key, value,
                   sum(requests) filter (where in_w)::double     as w_requests,
                   sum(spend) filter (where in_w)                as w_spend,
                   sum(tokens) filter (where in_w)               as w_tokens,
                   sum(errors) filter (where in_w)::double       as w_errors,
                   sum(requests) filter (where not in_w)::double as b_requests,
                   sum(spend) filter (where not in_w)            as b_spend,
                   sum(tokens) filter (where not in_w)           as b_tokens,
                   sum(errors) filter (where not in_w)::double   as b_errors
            from (
                select w.key, coalesce(c.{dim_col}, '(none)') as value, c.requests, c.spend, c.tokens, c.errors,
                       c.bucket_start >= w.window_start and c.bucket_start < w.window_end as in_w
                from _alerts_windows w
                join {CELLS} c
                  on c.{scope_col} = w.scope_value
                 and c.bucket_start >= w.baseline_start and c.bucket_start < w.baseline_end
            )
            group by all
            """
        ).pl()
    finally:
        con.unregister("_alerts_windows")


def team_of(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """The parent of each feature, user and API key (its team) and prompt version (its feature), by most
    of its requests: which scopes contain which, for grouping anomalies into events."""
    rows = con.execute(
        f"""
        select scope_type, scope_value, arg_max(team_id, r) from (
            select 'feature' as scope_type, feature_id as scope_value, team_id, sum(requests) as r
            from {CELLS} group by all
            union all
            select 'user', user_id, team_id, sum(requests) from {CELLS} where user_id is not null group by all
            union all
            select 'api_key', api_key_id, team_id, sum(requests) from {CELLS}
            where api_key_id is not null group by all
            union all
            select 'prompt', prompt, feature_id, sum(requests) from {CELLS} where prompt is not null group by all
        ) group by 1, 2
        """
    ).fetchall()
    return {(t, v): team for t, v, team in rows}
