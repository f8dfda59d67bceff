with

source as (

    select * from {{ ref('user_teams') }}

),

renamed as (

    select

        ----------  ids
        user_id,
        team_id

    from source

)

select * from renamed
