{{ config(materialized='incremental', **replace_by_key('sample_date')) }}
-- One row per GPU unit (physical GPU uuid, or one MIG instance of it) × scrape: the metrics the GPU models use,
-- pivoted, the workload the GPU served at that scrape (null pod = idle), and the seconds the scrape stands
-- for: the time to the unit's next scrape (the last one: the time since the previous), at most
-- var('dcgm_max_sample_gap_seconds'), so a gap in scraping is not counted as usage. A table: four models read it.

with

samples as (

    select * from {{ ref('stg_dcgm__samples') }}
    {% if is_incremental() %}where sampled_at >= {{ incremental_cutoff('sample_date', extra_days=1, family='dcgm') }}{% endif %}

),

scrapes as (

    select
        coalesce(hostname, 'unknown') as hostname,
        gpu_uuid,
        gpu_instance_id,
        sampled_at,
        max(gpu_index) as gpu_index,
        max(gpu_model) as gpu_model,
        max(gpu_instance_profile) as gpu_instance_profile,
        max(namespace) as namespace,
        max(pod) as pod,
        max(container) as container,
        max(case when metric = 'DCGM_FI_PROF_GR_ENGINE_ACTIVE' then value end) as engine_active,
        max(case when metric = 'DCGM_FI_DEV_GPU_UTIL' then value end) as gpu_util_pct,
        max(case when metric = 'DCGM_FI_DEV_FB_USED' then value end) as memory_used_mib,
        max(case when metric = 'DCGM_FI_DEV_POWER_USAGE' then value end) as power_w
    from samples
    group by coalesce(hostname, 'unknown'), gpu_uuid, gpu_instance_id, sampled_at

),

timed as (

    select
        *,
        coalesce(
            {{ dbt.datediff('sampled_at', 'lead(sampled_at) over (partition by hostname, gpu_uuid, gpu_instance_id order by sampled_at)', 'second') }},
            {{ dbt.datediff('lag(sampled_at) over (partition by hostname, gpu_uuid, gpu_instance_id order by sampled_at)', 'sampled_at', 'second') }},
            {{ var('dcgm_max_sample_gap_seconds') }}
        ) as interval_seconds
    from scrapes

)

select
    ----------  ids
    hostname,
    gpu_uuid,
    gpu_instance_id,
    gpu_index,

    ---------- strings
    gpu_model,
    gpu_instance_profile,
    namespace,
    pod,
    container,

    ---------- numerics: utilization 0-1 (GR_ENGINE_ACTIVE when exported, else GPU_UTIL / 100)
    coalesce(engine_active, gpu_util_pct / 100.0) as gpu_utilization,
    memory_used_mib,
    power_w,
    least(interval_seconds, {{ var('dcgm_max_sample_gap_seconds') }}) as sample_seconds,

    ---------- booleans
    pod is null as is_idle,

    ---------- timestamps (UTC)
    sampled_at,
    {{ dbt.date_trunc('hour', 'sampled_at') }} as hour_start,
    cast(sampled_at as date) as sample_date

from timed
{% if is_incremental() %}where sampled_at >= {{ incremental_cutoff('sample_date', family='dcgm') }}{% endif %}
