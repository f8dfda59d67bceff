with

source as (

    select * from {{ source('helicone', 'helicone_requests') }}

),

latest as (

    -- one row per request, its latest version (CSV exports lack request_id: keyed by response_id);
    -- partitioned by its creation time too, as in stg_langfuse__observations, for day-filter pushdown
    select
        *,
        coalesce(request_id, response_id) as helicone_id,
        row_number() over (
            partition by coalesce(request_id, response_id), request_created_at
            order by updated_at desc nulls last, _ingested_at desc, _batch_id desc
        ) as version_rank
    from source

),

renamed as (

    select

        ----------  ids
        helicone_id as request_id,
        response_id,
        {{ json_text('request_properties', 'Helicone-Session-Id') }} as session_id,
        {{ json_text('request_properties', 'Api-Key-Id') }} as api_key_id,
        prompt_id,

        ---------- strings
        lower(provider) as reported_provider,
        coalesce(request_model, model) as model_name,
        response_model,
        request_user_id as user_id,
        {{ json_text('request_properties', 'Environment') }} as environment,
        {{ json_text('request_properties', 'Team') }} as tagged_team_id,
        {{ json_text('request_properties', 'Feature') }} as tagged_feature_id,
        {{ json_text('request_properties', 'Processing') }} as processing,
        {{ json_text('request_properties', 'Service-Tier') }} as service_tier,
        prompt_version,

        ---------- numerics: tokens are disjoint buckets (see burnrate/generate/README.md)
        response_status as http_status,
        prompt_tokens,
        prompt_cache_read_tokens,
        prompt_cache_write_tokens,
        completion_tokens,
        reasoning_tokens,
        prompt_audio_tokens,
        completion_audio_tokens,
        cast(coalesce(cost, {{ adapter.quote("costUSD") }}) as {{ money_type() }}) as reported_cost,
        cast(round(delay_ms) as {{ dbt.type_bigint() }}) as latency_ms,
        cast(round(time_to_first_token) as {{ dbt.type_bigint() }}) as ttft_ms,

        ---------- booleans
        coalesce(cache_reference_id, '00000000-0000-0000-0000-000000000000')
            <> '00000000-0000-0000-0000-000000000000' as is_gateway_cache_hit,

        ---------- timestamps (UTC)
        request_created_at as requested_at,
        response_created_at as completed_at,
        updated_at,

        ---------- lineage
        _source as raw_source,
        _location as raw_location

    from latest
    where version_rank = 1

)

select * from renamed
