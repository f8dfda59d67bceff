with

source as (

    select * from {{ source('langfuse', 'langfuse_traces') }}

),

latest as (

    select
        *,
        row_number() over (
            partition by id
            order by updated_at desc nulls last, _ingested_at desc, _batch_id desc
        ) as version_rank
    from source

),

renamed as (

    select

        ----------  ids
        id as trace_id,
        project_id,
        session_id,

        ---------- strings
        name as trace_name,
        environment,
        user_id,
        release,
        tags,
        {{ list_tag_value('tags', 'team:') }} as tagged_team_id,
        {{ list_tag_value('tags', 'feature:') }} as tagged_feature_id,

        ---------- timestamps (UTC)
        {{ adapter.quote("timestamp") }} as trace_started_at,
        updated_at

    from latest
    where version_rank = 1

)

select * from renamed
