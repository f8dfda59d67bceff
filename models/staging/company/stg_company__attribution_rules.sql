with

source as (

    select * from {{ ref('attribution_rules') }}

),

renamed as (

    select

        ---------- strings
        attribute,
        method,
        source as rule_source,
        description,

        ---------- numerics: lower runs first
        rule_order

    from source

)

select * from renamed
