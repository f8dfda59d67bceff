with

source as (

    select * from {{ ref('price_overrides') }}

),

renamed as (

    select

        ----------  ids
        override_id,

        ---------- strings
        provider,
        lower(model) as model_key,
        description,

        ---------- numerics: a discount off list, or internal prices in USD per 1M tokens
        discount_pct,
        input_mtok,
        output_mtok,
        cache_read_mtok,
        cache_write_mtok,
        input_audio_mtok,
        output_audio_mtok,
        output_reasoning_mtok,

        ---------- booleans
        (input_mtok is not null or output_mtok is not null) as has_internal_prices,

        ---------- dates (UTC; valid_to exclusive, null = open)
        valid_from,
        valid_to

    from source

)

select * from renamed
