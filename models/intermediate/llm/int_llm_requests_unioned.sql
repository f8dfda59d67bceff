{{ config(materialized='incremental', **replace_by_key('request_date')) }}
-- Materialized, not a view: four models read it (model resolution, price days, overrides, attribution).
-- Incremental like fct_llm_requests: a run re-reads the last `incremental_lookback_days` whole days and
-- replaces those days (delete+insert by request_date), so a daily run parses only recent raw logs — the day
-- filter reaches the raw scans through the staging dedupe windows.
-- One row per LLM request from every log source, in one shape, routed to a provider.
-- Counted once: a request logged by both Helicone and Langfuse (Langfuse metadata.helicone_request_id =
-- Helicone request_id) keeps Helicone's row (the gateway's record of the provider's response: HTTP status,
-- usage as the provider returned it, complete on first write) and takes the trace, session, prompt and tags
-- Helicone lacks from the Langfuse observation. Both spellings of such a request share one request_id, so when an
-- incremental run sees the Langfuse observation first, a later run replaces it with the Helicone row.

{%- set context = ['trace_id', 'session_id', 'api_key_id', 'user_id', 'tagged_team_id', 'tagged_feature_id',
                   'prompt_name', 'prompt_version'] %}
{%- set passthrough = ['source', 'source_id', 'reported_provider', 'model_requested', 'model_response',
    'processing', 'service_tier', 'environment', 'level', 'status_message', 'http_status', 'latency_ms',
    'ttft_ms', 'input_uncached_tokens', 'cache_read_tokens', 'cache_write_tokens', 'input_audio_tokens',
    'output_tokens', 'reasoning_tokens', 'output_audio_tokens', 'reported_cost', 'requested_at',
    'completed_at', 'updated_at'] %}

with

langfuse as (

    select * from {{ ref('int_langfuse__generations') }}
    {% if is_incremental() %}where requested_at >= {{ incremental_cutoff() }}{% endif %}

),

helicone as (

    select * from {{ ref('int_helicone__requests') }}
    {% if is_incremental() %}where requested_at >= {{ incremental_cutoff() }}{% endif %}

),

-- the other source's rows a request may be matched with: the same window and one more day, so a twin logged
-- a moment earlier across the window's edge is still found
langfuse_lookup as (

    select * from {{ ref('int_langfuse__generations') }}
    {% if is_incremental() %}where requested_at >= {{ incremental_cutoff(extra_days=1) }}{% endif %}

),

helicone_lookup as (

    select * from {{ ref('int_helicone__requests') }}
    {% if is_incremental() %}where requested_at >= {{ incremental_cutoff(extra_days=1) }}{% endif %}

),

helicone_with_langfuse_context as (

    select
        {{ dbt.concat(["'helicone:'", 'h.source_id']) }} as request_id,
        l.source_id as linked_source_id,
        {% for c in passthrough %}h.{{ c }},{% endfor %}
        {% for c in context %}coalesce(h.{{ c }}, l.{{ c }}) as {{ c }}{{ ',' if not loop.last }}{% endfor %}
    from helicone as h
    left join langfuse_lookup as l on l.helicone_request_id = h.source_id

),

langfuse_only as (

    select
        case when l.helicone_request_id is not null
            then {{ dbt.concat(["'helicone:'", 'l.helicone_request_id']) }}
            else {{ dbt.concat(["'langfuse:'", 'l.source_id']) }}
        end as request_id,
        cast(null as {{ dbt.type_string() }}) as linked_source_id,
        {% for c in passthrough %}l.{{ c }},{% endfor %}
        {% for c in context %}l.{{ c }}{{ ',' if not loop.last }}{% endfor %}
    from langfuse as l
    left join helicone_lookup as h on l.helicone_request_id = h.source_id
    where h.source_id is null

),

unioned as (

    select * from helicone_with_langfuse_context
    union all
    select * from langfuse_only

),

aliases as (

    select * from {{ ref('stg_prices__provider_aliases') }}

),

company_models as (

    select * from {{ ref('stg_company__llm_models') }}

)

-- provider route: the provider the log names (alias seed), else the company's model list
select
    u.*,
    coalesce(a.provider, m.provider, 'unknown') as provider,
    case when a.provider is not null then a.price_provider_id else m.price_provider_id end as price_provider_id,
    -- the price variant the log asks for, as genai-prices' price context (batch wins over a service tier)
    case
        when lower(u.processing) = 'batch' then 'processing=batch'
        when u.service_tier is not null then {{ dbt.concat(["'service_tier='", 'lower(u.service_tier)']) }}
        else ''
    end as requested_variant,
    cast(u.requested_at as date) as request_date
from unioned as u
left join aliases as a on u.reported_provider = a.reported_provider
left join company_models as m on u.model_requested = m.model_name
