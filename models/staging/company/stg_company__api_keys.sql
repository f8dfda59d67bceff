with

source as (

    select * from {{ ref('api_keys') }}

),

renamed as (

    select

        ----------  ids
        api_key_id,
        user_id,
        team_id,

        ---------- strings
        key_hint,

        ---------- dates
        created_date

    from source

)

select * from renamed
