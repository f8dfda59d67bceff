with

source as (

    select * from {{ ref('cloud_service_categories') }}

),

renamed as (

    select

        ---------- strings
        lower(cloud_provider) as cloud_provider,
        service_name,
        service_category,
        service_subcategory

    from source

)

select * from renamed
