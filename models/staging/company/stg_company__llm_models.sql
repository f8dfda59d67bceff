with

source as (

    select * from {{ ref('llm_models') }}

),

renamed as (

    select

        ----------  ids
        model_key,

        ---------- strings
        model as model_name,
        route as provider,
        nullif(genai_prices_provider, '') as price_provider_id,
        nullif(genai_prices_ref, '') as price_model_ref,
        nullif(billing_name, '') as billing_name,

        ---------- numerics
        context_window,

        ---------- booleans
        has_public_price,
        supports_cache_read,
        supports_cache_write,
        supports_reasoning,
        supports_audio

    from source

)

select * from renamed
