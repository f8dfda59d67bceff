with

source as (

    select * from {{ source('langfuse', 'langfuse_observations') }}

),

latest as (

    -- one row per observation id, its latest version: the raw table already is, but an engine that reads
    -- the export files directly (Spark) sees every version. Partitioned by start time too (it never changes
    -- between versions; the unique test on observation_id would catch it) so a day filter of an incremental
    -- run is pushed below the window to the raw scan.
    select
        *,
        row_number() over (
            partition by id, start_time
            order by updated_at desc nulls last, _ingested_at desc, _batch_id desc
        ) as version_rank
    from source

),

renamed as (

    select

        ----------  ids
        id as observation_id,
        trace_id,
        project_id,
        parent_observation_id,
        session_id,
        prompt_id,
        {{ json_text('metadata', 'helicone_request_id') }} as helicone_request_id,
        {{ json_text('metadata', 'api_key_id') }} as api_key_id,

        ---------- strings
        type as observation_type,
        name as observation_name,
        environment,
        level,
        status_message,
        user_id,
        trace_name,
        provided_model_name as model_name,
        lower({{ json_text('metadata', 'provider') }}) as reported_provider,
        coalesce({{ json_text('metadata', 'team') }}, {{ list_tag_value('tags', 'team:') }}) as tagged_team_id,
        coalesce({{ json_text('metadata', 'feature') }}, {{ list_tag_value('tags', 'feature:') }}) as tagged_feature_id,
        coalesce({{ json_text('metadata', 'processing') }}, {{ json_text('model_parameters', 'processing') }}) as processing,
        coalesce({{ json_text('model_parameters', 'service_tier') }}, {{ json_text('metadata', 'service_tier') }}) as service_tier,
        usage_pricing_tier_name,
        prompt_name,
        tags,
        usage_details,

        ---------- numerics
        prompt_version,
        cast(total_cost as {{ money_type() }}) as reported_cost,
        cast(round(latency * 1000) as {{ dbt.type_bigint() }}) as latency_ms,
        cast(round(time_to_first_token * 1000) as {{ dbt.type_bigint() }}) as ttft_ms,

        ---------- timestamps (UTC)
        start_time as started_at,
        end_time as ended_at,
        completion_start_time as completion_started_at,
        created_at,
        updated_at,

        ---------- lineage
        _source as raw_source,
        _location as raw_location

    from latest
    where version_rank = 1

)

select * from renamed
