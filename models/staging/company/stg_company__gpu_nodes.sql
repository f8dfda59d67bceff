with

source as (

    select * from {{ ref('gpu_nodes') }}

),

renamed as (

    select

        ----------  ids
        hostname,
        instance_id,
        cast(account_id as {{ dbt.type_string() }}) as sub_account_id,

        ---------- strings
        instance_type,
        gpu_model,
        k8s_cluster,
        namespace,

        ---------- numerics
        gpu_count

    from source

)

select * from renamed
