with

source as (

    select * from {{ ref('features') }}

),

renamed as (

    select

        ----------  ids
        feature_id,
        team_id,

        ---------- strings
        feature_name,
        kind as feature_kind,
        nullif(prompt_name, '') as prompt_name

    from source

)

select * from renamed
