with

source as (

    select * from {{ ref('billing_source_priority') }}

),

renamed as (

    select

        ---------- strings
        source_format,
        description,

        ---------- numerics: lower wins
        priority

    from source

)

select * from renamed
