with

source as (

    select * from {{ ref('namespace_teams') }}

),

renamed as (

    select

        ----------  ids
        team_id,

        ---------- strings
        namespace

    from source

)

select * from renamed
