with

source as (

    select * from {{ ref('billing_model_aliases') }}

),

renamed as (

    select

        ----------  ids
        {{ ai_model_key('billing_model_name') }} as billing_model_key,
        price_provider_id,
        model_id,

        ---------- strings
        lower(cloud_provider) as cloud_provider,
        billing_model_name,
        coalesce(lower(deployment), '') as deployment,
        description

    from source

)

select * from renamed
