with

source as (

    select * from {{ ref('price_catalog') }}

),

renamed as (

    select

        ----------  ids
        price_id,
        provider_id as price_provider_id,
        model_id,

        ---------- strings
        model_name,
        coalesce(variant, '') as price_variant,
        {{ dbt.safe_cast('time_of_day_start', dbt.type_string()) }} as time_of_day_start,
        {{ dbt.safe_cast('time_of_day_end', dbt.type_string()) }} as time_of_day_end,
        catalog_source,

        ---------- numerics: tier band (min, max] of the request's total input tokens; USD per 1M tokens
        min_input_tokens,
        max_input_tokens,
        input_mtok,
        output_mtok,
        cache_read_mtok,
        cache_write_mtok,
        cache_write_1h_mtok,
        input_audio_mtok,
        output_audio_mtok,
        cache_audio_read_mtok,
        output_reasoning_mtok,

        ---------- dates (UTC; valid_to exclusive, null = open)
        valid_from,
        valid_to

    from source

)

select * from renamed
