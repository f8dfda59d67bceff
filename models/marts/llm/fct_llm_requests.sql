{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **replace_by_key('request_date')
    )
}}
-- One row per LLM request (Langfuse and Helicone, counted once), priced and attributed.
-- Incremental by UTC request day: each run re-processes the last `incremental_lookback_days` whole days and
-- replaces them (delete+insert by request_date: cheaper than by request id, and exact because a run always
-- rebuilds whole days), picking up late updates (unfinished Langfuse observations completed later, a Helicone
-- twin arriving after its Langfuse observation); older days are kept as they are.

with

requests as (

    select * from {{ ref('int_llm_requests_priced') }}
    {% if is_incremental() %}
    where requested_at >= {{ incremental_cutoff() }}
    {% endif %}

)

select
    ----------  ids
    request_id,
    source_id,
    linked_source_id,
    trace_id,
    session_id,
    user_id,
    api_key_id,
    team_id,
    feature_id,
    {{ dbt.concat(['provider', "':'", 'model_requested']) }} as model_key,
    model_id,
    price_id,
    override_id,

    ---------- strings
    source,
    provider,
    price_provider_id,
    catalog_provider_id,
    model_requested,
    model_response,
    requested_variant,
    price_variant,
    environment,
    attribution_method,
    feature_attribution_method,
    prompt_name,
    level,
    status_message,
    price_source,
    'USD' as billing_currency,

    ---------- numerics: tokens (disjoint buckets; total_tokens is their sum)
    prompt_version,
    http_status,
    latency_ms,
    ttft_ms,
    input_uncached_tokens,
    cache_read_tokens,
    cache_write_tokens,
    input_audio_tokens,
    output_tokens,
    reasoning_tokens,
    output_audio_tokens,
    input_tokens,
    input_uncached_tokens + cache_read_tokens + cache_write_tokens + input_audio_tokens
        + output_tokens + reasoning_tokens + output_audio_tokens as total_tokens,

    ---------- numerics: money (USD)
    reported_cost,
    {% for kind, _t, _p, _f in token_kinds() %}{{ kind }}_list_cost,
    {% endfor -%}
    list_cost,
    effective_cost,
    cache_read_savings,
    discount_pct,

    ---------- booleans
    (level = 'ERROR' or coalesce(http_status >= 400, false)) as is_error,
    cache_read_tokens > 0 as is_cache_hit,
    effective_cost is not null as is_priced,
    price_id is not null as has_catalog_price,

    ---------- timestamps (UTC)
    requested_at,
    completed_at,
    updated_at,
    request_date

from requests
-- stored in this order so DuckDB's zone maps skip row groups on the dashboard's day / team / feature / model filters
order by request_date, team_id, feature_id, model_id
