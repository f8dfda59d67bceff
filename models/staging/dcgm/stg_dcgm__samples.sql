-- DCGM samples, one row per metric × GPU series × scrape time (its latest load), renamed. Long format: the
-- intermediate models pivot the metrics they use. An idle GPU has null pod/namespace/container.

{%- set identity = ['metric', 'hostname', 'gpu', 'uuid', 'device', 'model_name', 'pci_bus_id', 'gpu_i_profile',
                    'gpu_i_id', 'pod', 'namespace', 'container', 'sampled_at'] %}

with

source as (

    select * from {{ source('dcgm', 'dcgm_samples') }}

),

latest as (

    select
        *,
        row_number() over (
            partition by {{ identity | join(', ') }}
            order by _ingested_at desc, _batch_id desc
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
