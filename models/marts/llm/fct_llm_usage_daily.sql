{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **replace_by_key('request_date')
    )
}}
-- LLM requests summed per UTC day × team × feature × provider × model × user × prompt × environment: the
-- day-grain mart every daily consumer reads instead of scanning requests (Explore's user/prompt level, cost
-- allocation of AI token charges, reconciliation, budgets, self-hosted unit costs). Incremental like
-- fct_llm_requests: each run replaces the days from its last day minus `incremental_lookback_days`.

{%- set grain = [
    'request_date', 'team_id', 'feature_id', 'attribution_method', 'provider', 'price_provider_id', 'model_id',
    'model_key', 'user_id', 'prompt_name', 'environment'] %}

with

requests as (

    select
        *,
        coalesce(model_id, model_requested) as usage_model_id
    from {{ ref('fct_llm_requests') }}
    {% if is_incremental() %}
    where request_date >= {{ incremental_cutoff() }}
    {% endif %}

),

daily as (

    select
        request_date, team_id, feature_id, attribution_method, provider, price_provider_id,
        usage_model_id as model_id, model_key, user_id, prompt_name, environment,
        count(*) as requests,
        sum(case when is_error then 1 else 0 end) as failed_requests,
        sum(case when is_priced then 0 else 1 end) as unpriced_requests,
        sum(input_uncached_tokens) as input_uncached_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_write_tokens) as cache_write_tokens,
        sum(input_audio_tokens) as input_audio_tokens,
        sum(output_tokens) as output_tokens,
        sum(reasoning_tokens) as reasoning_tokens,
        sum(output_audio_tokens) as output_audio_tokens,
        sum(total_tokens) as total_tokens,
        sum(list_cost) as list_cost,
        sum(effective_cost) as effective_cost,
        sum(reported_cost) as reported_cost,
        sum(cache_read_savings) as cache_read_savings,
        min(requested_at) as first_requested_at,
        max(requested_at) as last_requested_at
    from requests
    group by request_date, team_id, feature_id, attribution_method, provider, price_provider_id,
        usage_model_id, model_key, user_id, prompt_name, environment

)

select
    ----------  ids
    {{ grain_key(grain) }} as usage_id,
    team_id,
    feature_id,
    model_id,
    model_key,
    user_id,

    ---------- strings
    provider,
    price_provider_id,
    prompt_name,
    environment,
    attribution_method,
    'USD' as billing_currency,

    ---------- numerics: counts and tokens (disjoint buckets; total_tokens is their sum)
    requests,
    failed_requests,
    unpriced_requests,
    {% for c in ['input_uncached_tokens', 'cache_read_tokens', 'cache_write_tokens', 'input_audio_tokens',
                 'output_tokens', 'reasoning_tokens', 'output_audio_tokens', 'total_tokens'] -%}
    cast({{ c }} as {{ dbt.type_bigint() }}) as {{ c }},
    {% endfor -%}

    ---------- numerics: money (USD)
    cast(list_cost as {{ money_type() }}) as list_cost,
    cast(effective_cost as {{ money_type() }}) as effective_cost,
    cast(reported_cost as {{ money_type() }}) as reported_cost,
    cast(cache_read_savings as {{ money_type() }}) as cache_read_savings,

    ---------- timestamps (UTC)
    first_requested_at,
    last_requested_at,
    request_date

from daily
