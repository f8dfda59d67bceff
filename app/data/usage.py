"""LLM usage below the spend marts' grain: users, prompts, and single requests.

Two relations:

* **usage** — requests summed per day × team × feature × provider × model × user × prompt × environment.
  That is the proposed mart `fct_llm_usage_daily` (contract in `app/contracts.py`), about a hundred times
  smaller than the request log, which the user/prompt level, the efficiency what-if and the GPU page's
  self-hosted tokens read when it is published. Until then the same columns are projected from
  `fct_llm_requests` (`USAGE_FROM_REQUESTS`), correct but a scan of every request in the period.
* **requests** — `fct_llm_requests` itself, for the last level only: one user's or prompt's requests
  (filtered, LIMITed) and one request's detail (looked up within its day).

Filters are written as `=` / `IN` / `IS NULL` on plain columns so DuckDB pushes them into the scan.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from app.data.core import Snapshot, query
from app.data.spend import where
from app.filters import Filters

USAGE_MART = "fct_llm_usage_daily"
USAGE_FROM_REQUESTS = """(
    select request_date, team_id, feature_id, provider, coalesce(model_id, model_requested) as model_id, user_id,
        prompt_name, environment, 1 as requests, case when is_error then 1 else 0 end as failed_requests,
        input_uncached_tokens, cache_read_tokens, cache_write_tokens, input_audio_tokens, output_tokens,
        reasoning_tokens, output_audio_tokens, total_tokens, list_cost, effective_cost,
        requested_at as first_requested_at, requested_at as last_requested_at
    from marts.fct_llm_requests
)"""
# global filter -> column of the usage relation
USAGE_COLUMNS = {
    "team": "team_id",
    "feature": "feature_id",
    "provider": "provider",
    "model": "model_id",
    "env": "environment",
}

# global filter -> expression on fct_llm_requests (the last level)
REQUEST_COLUMNS = {
    "team": "team_id",
    "feature": "feature_id",
    "provider": "provider",
    "model": "coalesce(model_id, model_requested)",
    "env": "environment",
}


def usage_relation(snap: Snapshot) -> str:
    """The day-grain usage mart when published, else the same columns from the request log."""
    return (
        f"marts.{USAGE_MART}"
        if snap.has(USAGE_MART, ["request_date", "user_id", "requests"])
        else USAGE_FROM_REQUESTS
    )


def request_filter(
    f: Filters, start: date, end: date, page: dict[str, str], columns: dict[str, str] = REQUEST_COLUMNS
) -> tuple[str, list]:
    """Condition for the period, the global filters and a pinned user or prompt (on `columns`)."""
    cond, params = where(f, columns)
    sql = f"request_date between ? and ? and {cond}"
    params = [start, end, *params]
    for key, column in (("user", "user_id"), ("prompt", "prompt_name")):
        if page.get(key) == "(none)":
            sql += f" and {column} is null"
        elif page.get(key):
            sql += f" and {column} = ?"  # pushed into the scan
            params.append(page[key])
    return sql, params


def requests_by(
    snap: Snapshot, f: Filters, start: date, end: date, by: str, *, top: int = 8, limit: int = 200
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Requests grouped by user or prompt, and their daily spend, in one scan of the usage relation.

    Returns (totals per user/prompt: volume, tokens, cost, errors, most expensive first, LIMITed;
    daily spend per user/prompt with those past the top `top` summed as 'other').
    """
    column = {"user": "user_id", "prompt": "prompt_name"}[by]
    cond, params = request_filter(f, start, end, {}, USAGE_COLUMNS)
    frame = query(
        snap,
        f"""with g as materialized (
            select grouping(request_date) = 1 as is_total, request_date, coalesce({column}, '(none)') as key,
                sum(requests)::bigint as requests, sum(total_tokens)::bigint as tokens,
                coalesce(sum(effective_cost), 0)::double as spend, sum(failed_requests)::bigint as errors,
                min(first_requested_at) as first_request, max(last_requested_at) as last_request
            from {usage_relation(snap)} where {cond}
            group by grouping sets ((coalesce({column}, '(none)')), (request_date, coalesce({column}, '(none)')))
        ), ranked as (
            select key, row_number() over (order by spend desc, requests desc, key) as rank from g where is_total
        )
        select g.is_total, g.request_date as charge_date,
            case when g.is_total or r.rank <= ? then g.key else 'other' end as key,
            sum(g.requests)::bigint as requests, sum(g.tokens)::bigint as tokens, sum(g.spend) as spend,
            sum(g.errors)::bigint as errors, min(g.first_request) as first_request,
            max(g.last_request) as last_request, min(r.rank) as rank
        from g join ranked r using (key)
        where not g.is_total or r.rank <= ?
        group by all order by is_total desc, rank, charge_date""",
        [*params, top, limit],
    )
    totals = frame.filter(pl.col("is_total")).drop("is_total", "charge_date", "rank")
    totals = totals.with_columns(
        cost_per_request=pl.col("spend") / pl.col("requests"), share=pl.col("spend") / pl.col("spend").sum()
    )
    daily = frame.filter(~pl.col("is_total")).select("charge_date", "key", "spend").sort("charge_date")
    return totals, daily


def requests_daily(snap: Snapshot, f: Filters, start: date, end: date, page: dict) -> pl.DataFrame:
    """Daily spend and requests of a pinned user or prompt (the requests level's time series)."""
    cond, params = request_filter(f, start, end, page, USAGE_COLUMNS)
    return query(
        snap,
        f"""select request_date as charge_date, coalesce(sum(effective_cost), 0)::double as spend,
            sum(requests)::bigint as requests
        from {usage_relation(snap)} where {cond} group by 1 order by 1""",
        params,
    )


def request_list(
    snap: Snapshot, f: Filters, start: date, end: date, page: dict, limit: int = 500
) -> pl.DataFrame:
    """The individual requests of a pinned user or prompt, most expensive first."""
    cond, params = request_filter(f, start, end, page)
    return query(
        snap,
        f"""select request_id, requested_at, request_date, coalesce(model_id, model_requested) as model, prompt_name,
            environment, total_tokens, input_tokens, output_tokens, cache_read_tokens,
            effective_cost::double as effective_cost, list_cost::double as list_cost, latency_ms, is_error, level
        from marts.fct_llm_requests where {cond}
        order by effective_cost desc nulls last, requested_at desc limit ?""",
        [*params, limit],
    )


def request_detail(snap: Snapshot, request_id: str, day: date | None = None) -> dict | None:
    """Every column of one request. With its day (known from the request list) the lookup reads one day's
    row groups; without it (a link to a request outside the current view) it scans the whole log."""
    frame = None
    if day is not None:
        frame = query(
            snap,
            "select * from marts.fct_llm_requests where request_date = ? and request_id = ?",
            [day, request_id],
        )
    if frame is None or frame.height == 0:
        frame = query(snap, "select * from marts.fct_llm_requests where request_id = ?", [request_id])
    return frame.row(0, named=True) if frame.height else None
