with

source as (

    select * from {{ ref('teams') }}

),

renamed as (

    select

        ----------  ids
        team_id,

        ---------- strings
        team_name,
        cost_center,
        log_sink,
        slack_channel

    from source

)

select * from renamed
