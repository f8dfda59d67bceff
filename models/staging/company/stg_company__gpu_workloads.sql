with

source as (

    select * from {{ ref('gpu_workloads') }}

),

renamed as (

    select

        ----------  ids
        nullif(model_key, '') as llm_model_key,

        ---------- strings
        namespace,
        pod_prefix,
        container

    from source

)

select * from renamed
