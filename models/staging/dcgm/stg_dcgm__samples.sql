-- DCGM samples, one row per metric × GPU (physical uuid + MIG instance) × scrape time, its latest load,
-- renamed. Long format: the intermediate models pivot the metrics they use. An idle GPU has null
-- pod/namespace/container. A GPU has one value of a metric at a time, whatever labels the series carried.

with

source as (

    select * from {{ source('dcgm', 'dcgm_samples') }}

),

latest as (

    select
        *,
        row_number() over (
            partition by metric, uuid, gpu_i_id, sampled_at
            order by _ingested_at desc, _line desc
        ) as version_rank
    from source

),

renamed as (

    select

        ----------  ids
        uuid as gpu_uuid,
        gpu_i_id as gpu_instance_id,
        hostname,
        gpu as gpu_index,
        device,
        pci_bus_id,

        ---------- strings
        metric,
        model_name as gpu_model,
        gpu_i_profile as gpu_instance_profile,
        namespace,
        pod,
        container,

        ---------- numerics: in the metric's unit (GPU_UTIL %, FB_* MiB, POWER_USAGE W, PROF_* ratio 0-1)
        value,

        ---------- timestamps (UTC)
        sampled_at,

        ---------- lineage
        _location as raw_location

    from latest
    where version_rank = 1

)

select * from renamed
