-- Helicone requests in the canonical request shape. Helicone reports disjoint token columns: prompt_tokens is
-- uncached text input, cache reads/writes, reasoning and audio are separate (the reading of Helicone's cost
-- code the demo generator follows; the vendor does not document it).

with

requests as (

    select * from {{ ref('stg_helicone__requests') }}

)

select
    ----------  ids
    request_id as source_id,
    cast(null as {{ dbt.type_string() }}) as helicone_request_id,
    cast(null as {{ dbt.type_string() }}) as trace_id,
    session_id,
    api_key_id,

    ---------- strings
    'helicone' as source,
    reported_provider,
    model_name as model_requested,
    response_model as model_response,
    processing,
    service_tier,
    environment,
    user_id,
    tagged_team_id,
    tagged_feature_id,
    prompt_id as prompt_name,
    {{ dbt.safe_cast('prompt_version', dbt.type_bigint()) }} as prompt_version,
    case when http_status >= 400 then 'ERROR' else 'DEFAULT' end as level,
    cast(null as {{ dbt.type_string() }}) as status_message,

    ---------- numerics
    cast(http_status as {{ dbt.type_int() }}) as http_status,
    latency_ms,
    ttft_ms,
    coalesce(prompt_tokens, 0) as input_uncached_tokens,
    coalesce(prompt_cache_read_tokens, 0) as cache_read_tokens,
    coalesce(prompt_cache_write_tokens, 0) as cache_write_tokens,
    coalesce(prompt_audio_tokens, 0) as input_audio_tokens,
    coalesce(completion_tokens, 0) as output_tokens,
    coalesce(reasoning_tokens, 0) as reasoning_tokens,
    coalesce(completion_audio_tokens, 0) as output_audio_tokens,
    reported_cost,

    ---------- timestamps (UTC)
    requested_at,
    completed_at,
    updated_at

from requests
