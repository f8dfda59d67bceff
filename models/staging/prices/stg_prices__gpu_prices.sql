with

source as (

    select * from {{ ref('gpu_prices') }}

),

renamed as (

    select

        ---------- strings
        key_type,
        price_key,
        description,

        ---------- numerics: USD per GPU-hour
        gpu_hour_usd

    from source

)

select * from renamed
