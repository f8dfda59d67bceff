-- A table, not a view: int_langfuse__generations reads it when it compiles, and its tests read it too;
-- listing the keys of every observation once is enough.
{{ config(materialized='table') }}
-- Every usage key Langfuse observations carry, classified into a token bucket by its name. SDKs name the
-- same bucket differently (input_cached_tokens, cache_read_input_tokens, input_cache_read,
-- prompt_details.cache_read…; see shared/reference/llm-logs.md §1.6): the patterns below are tried in order.

with

keys as (

    select distinct {{ json_keys_unnested('usage_details') }} as usage_key
    from {{ ref('stg_langfuse__observations') }}

),

classified as (

    select
        usage_key,
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
