with

source as (

    select * from {{ ref('llm_provider_aliases') }}

),

renamed as (

    select

        ---------- strings
        lower(reported_provider) as reported_provider,
        provider,
        price_provider_id,
        description

    from source

)

select * from renamed
