-- depends_on: {{ ref('int_langfuse__usage_keys') }}
{%- set keys = langfuse_usage_keys() %}

with

observations as (

    select * from {{ ref('stg_langfuse__observations') }}
    where observation_type = 'GENERATION'

),

traces as (

    select * from {{ ref('stg_langfuse__traces') }}

),

usage_summed as (

    -- usage keys summed per bucket; `is_inclusive`: input/output already include their sub-counts (the
    -- raw SDK convention, Langfuse #10592): the non-total keys then add up to more than `total`
    select
        *,
        {% for bucket in ['input', 'cache_read', 'cache_write', 'input_audio', 'output', 'reasoning', 'output_audio'] -%}
        {{ langfuse_usage_sum('usage', keys, bucket) }} as usage_{{ bucket }},
        {% endfor -%}
        coalesce(
            ({{ langfuse_usage_sum('usage', keys, 'all') }}) > {{ langfuse_usage_total('usage', keys) }},
            ({{ langfuse_usage_sum('usage', keys, 'subcount') }}) > 0
        ) as is_inclusive
    from (
        select *, {{ json_to_struct('usage_details', keys | map(attribute=0) | list, dbt.type_bigint()) }} as usage
        from observations
    ) as parsed

),

normalized as (

    select
        u.*,
        case when is_inclusive
            then greatest(usage_input - usage_cache_read - usage_cache_write - usage_input_audio, 0)
            else usage_input end as input_uncached_tokens,
        case when is_inclusive
            then greatest(usage_output - usage_reasoning - usage_output_audio, 0)
            else usage_output end as output_text_tokens
    from usage_summed as u

)

select
    ----------  ids
    n.observation_id as source_id,
    n.helicone_request_id,
    n.trace_id,
    coalesce(n.session_id, t.session_id) as session_id,
    n.api_key_id,

    ---------- strings
    'langfuse' as source,
    n.reported_provider,
    n.model_name as model_requested,
    cast(null as {{ dbt.type_string() }}) as model_response,
    n.processing,
    n.service_tier,
    coalesce(n.environment, t.environment) as environment,
    coalesce(n.user_id, t.user_id) as user_id,
    coalesce(n.tagged_team_id, t.tagged_team_id) as tagged_team_id,
    coalesce(n.tagged_feature_id, t.tagged_feature_id) as tagged_feature_id,
    n.prompt_name,
    n.prompt_version,
    n.level,
    n.status_message,

    ---------- numerics
    {{ dbt.safe_cast(regex_extract('n.status_message', "'^([1-5][0-9][0-9])[^0-9]'", 1), dbt.type_int()) }} as http_status,
    n.latency_ms,
    n.ttft_ms,
    n.input_uncached_tokens,
    n.usage_cache_read as cache_read_tokens,
    n.usage_cache_write as cache_write_tokens,
    n.usage_input_audio as input_audio_tokens,
    n.output_text_tokens as output_tokens,
    n.usage_reasoning as reasoning_tokens,
    n.usage_output_audio as output_audio_tokens,
    n.reported_cost,

    ---------- timestamps (UTC)
    n.started_at as requested_at,
    n.ended_at as completed_at,
    n.updated_at

from normalized as n
left join traces as t on n.trace_id = t.trace_id
