{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **replace_by_key('request_date')
    )
}}
-- One row per feature × UTC day with requests: volume, success, cost distribution, caching and waste.
-- A retry is a request that follows a failed request of the same user, feature, model and prompt within
-- `retry_window_seconds` (var, default 60) — the backoff-and-retry pattern of SDKs and agents. Costs are
-- effective (after discounts and internal prices); cache savings are at list price: what the cache-read
-- tokens would have cost as uncached input minus what they cost.
-- Incremental by request day like fct_llm_requests: a run replaces the days from its last day minus the lookback,
-- reading one day more so a retry just after midnight still sees the failure before it.

{%- set retry_window_seconds = var('retry_window_seconds', 60) %}

with

requests as (

    select * from {{ ref('fct_llm_requests') }}
    {% if is_incremental() %}
    where request_date >= {{ incremental_cutoff(extra_days=1) }}
    {% endif %}

),

sequenced as (

    select
        *,
        lag(is_error) over (
            partition by user_id, feature_id, model_requested, prompt_name order by requested_at, request_id
        ) as previous_is_error,
        lag(requested_at) over (
            partition by user_id, feature_id, model_requested, prompt_name order by requested_at, request_id
        ) as previous_requested_at
    from requests

),

flagged as (

    select
        *,
        coalesce(
            user_id is not null
            and previous_is_error
            and {{ dbt.datediff('previous_requested_at', 'requested_at', 'second') }} <= {{ retry_window_seconds }},
            false
        ) as is_retry
    from sequenced

)

select
    f.feature_id,
    f.request_date,
    d.team_id as feature_team_id,
    count(*) as requests,
    sum(case when not f.is_error then 1 else 0 end) as successful_requests,
    sum(case when f.is_error then 1 else 0 end) as failed_requests,
    sum(case when f.is_retry then 1 else 0 end) as retry_requests,
    sum(case when f.is_priced then 1 else 0 end) as priced_requests,
    sum(f.list_cost) as list_cost,
    sum(f.effective_cost) as effective_cost,
    cast({{ percentile('f.effective_cost', 0.5) }} as {{ money_type() }}) as cost_per_request_p50,
    cast({{ percentile('f.effective_cost', 0.95) }} as {{ money_type() }}) as cost_per_request_p95,
    cast({{ percentile('f.effective_cost', 0.99) }} as {{ money_type() }}) as cost_per_request_p99,
    cast(
        sum(f.effective_cost) / nullif(sum(case when not f.is_error and f.is_priced then 1 else 0 end), 0)
        as {{ money_type() }}
    ) as cost_per_successful_request,
    sum(case when f.is_cache_hit then 1 else 0 end) as cache_hit_requests,
    cast(sum(case when f.is_cache_hit then 1 else 0 end) as {{ dbt.type_float() }}) / count(*) as cache_hit_rate,
    sum(f.cache_read_tokens) as cache_read_tokens,
    sum(f.input_tokens) as input_tokens,
    coalesce(sum(f.cache_read_savings), 0) as cache_savings,
    coalesce(sum(case when f.is_error then f.effective_cost end), 0) as failed_request_cost,
    coalesce(sum(case when f.is_retry then f.effective_cost end), 0) as retry_cost,
    'USD' as billing_currency
from flagged as f
left join {{ ref('dim_features') }} as d on f.feature_id = d.feature_id
{% if is_incremental() %}
where f.request_date >= {{ incremental_cutoff() }}
{% endif %}
group by f.feature_id, f.request_date, d.team_id
