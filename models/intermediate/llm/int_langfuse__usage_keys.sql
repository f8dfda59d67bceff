-- Materialized, not a view: int_langfuse__generations reads it when it compiles, and its tests read it too.
-- Incremental: a run lists the keys of the observations of the last `incremental_lookback_days` days and
-- merges them in (a key seen once stays).
{{ config(materialized='incremental', **replace_by_key('usage_key')) }}
-- Every usage key Langfuse observations carry, classified into a token bucket by its name. SDKs name the
-- same bucket differently (input_cached_tokens, cache_read_input_tokens, input_cache_read,
-- prompt_details.cache_read…; see shared/reference/llm-logs.md §1.6): the patterns below are tried in order.

with

keys as (

    select usage_key, max(started_at) as last_seen_at
    from (
        select {{ json_keys_unnested('usage_details') }} as usage_key, started_at
        from {{ ref('stg_langfuse__observations') }}
        {% if is_incremental() %}where started_at >= {{ incremental_cutoff('last_seen_at') }}{% endif %}
    ) as observation_keys
    group by usage_key

),

classified as (

    select
        usage_key,
        last_seen_at,
        case
            when lower(usage_key) in ('total', 'total_tokens') then 'total'
            when {{ regex_matches('lower(usage_key)', "'cache_read|cached'") }} then 'cache_read'
            when {{ regex_matches('lower(usage_key)', "'cache_creation|cache_write'") }} then 'cache_write'
            when {{ regex_matches('lower(usage_key)', "'reasoning|thought'") }} then 'reasoning'
            when {{ regex_matches('lower(usage_key)', "'audio'") }}
                and {{ regex_matches('lower(usage_key)', "'output|completion'") }} then 'output_audio'
            when {{ regex_matches('lower(usage_key)', "'audio'") }} then 'input_audio'
            when {{ regex_matches('lower(usage_key)', "'input|prompt'") }} then 'input'
            when {{ regex_matches('lower(usage_key)', "'output|completion'") }} then 'output'
            else 'other'
        end as token_bucket,
        -- raw SDK sub-counts (prompt_details.*, completion_details.*) are included in input/output
        {{ regex_matches('usage_key', "'_details\\.'") }} as is_subcount,
        {{ regex_matches('usage_key', "'^[A-Za-z0-9_.:-]+$'") }} as is_safe_name
    from keys

)

select * from classified
