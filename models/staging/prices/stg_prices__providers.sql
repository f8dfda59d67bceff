with

source as (

    select * from {{ ref('price_providers') }}

),

renamed as (

    select

        ----------  ids
        provider_id as price_provider_id,
        fallback_provider_id,

        ---------- strings
        provider_name,

        ---------- numerics: 0 = the provider itself, then its fallbacks in order
        fallback_order

    from source

)

select * from renamed
