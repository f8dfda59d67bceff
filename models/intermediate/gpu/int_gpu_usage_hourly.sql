-- What each GPU did in each hour it was observed: one row per hour × physical GPU × MIG instance × workload
-- (namespace/pod/container; null = idle). gpu_share is the row's share of the physical GPU-hour: for a whole
-- GPU, the share of the hour's sampled time that workload held it; a MIG instance owns (compute slices of its
-- profile, e.g. 3 for 3g.40gb) / var('mig_slices_per_gpu') of its GPU, split by time the same way, and the
-- slices no instance reported are one idle row of the GPU. The shares of a GPU-hour sum to 1.

with

scrapes as (

    select * from {{ ref('int_gpu_scrapes') }}

),

workload_hours as (

    select
        hour_start, hostname, gpu_uuid, gpu_instance_id, namespace, pod, container,
        max(gpu_index) as gpu_index,
        max(gpu_model) as gpu_model,
        max(gpu_instance_profile) as gpu_instance_profile,
        sum(sample_seconds) as sampled_seconds,
        sum(sample_seconds * gpu_utilization) as utilization_seconds,
        sum(case when gpu_utilization is not null then sample_seconds end) as utilization_sampled_seconds,
        sum(sample_seconds * memory_used_mib) as memory_mib_seconds,
        sum(case when memory_used_mib is not null then sample_seconds end) as memory_sampled_seconds,
        sum(sample_seconds * power_w) as power_w_seconds,
        sum(case when power_w is not null then sample_seconds end) as power_sampled_seconds
    from scrapes
    group by hour_start, hostname, gpu_uuid, gpu_instance_id, namespace, pod, container

),

units as (

    -- per unit-hour: its sampled time and, for a MIG instance, its share of the GPU
    select
        hour_start, hostname, gpu_uuid, gpu_instance_id,
        sum(sampled_seconds) as unit_seconds,
        case when gpu_instance_id is not null then
            least(coalesce({{ dbt.safe_cast(regex_extract('max(gpu_instance_profile)', "'^([0-9]+)g'", 1), dbt.type_int()) }}, 1)
                * 1.0 / {{ var('mig_slices_per_gpu') }}, 1.0)
        end as instance_fraction
    from workload_hours
    group by hour_start, hostname, gpu_uuid, gpu_instance_id

),

mig_gpus as (

    select hour_start, hostname, gpu_uuid, sum(instance_fraction) as mig_fraction
    from units
    where gpu_instance_id is not null
    group by hour_start, hostname, gpu_uuid

),

shared as (

    select
        w.*,
        m.mig_fraction,
        w.sampled_seconds * 1.0 / nullif(u.unit_seconds, 0) as time_share,
        u.instance_fraction / greatest(m.mig_fraction, 1.0) as gpu_fraction
    from workload_hours as w
    inner join units as u
        on w.hour_start = u.hour_start and w.hostname = u.hostname and w.gpu_uuid = u.gpu_uuid
        and coalesce(w.gpu_instance_id, '') = coalesce(u.gpu_instance_id, '')
    left join mig_gpus as m on w.hour_start = m.hour_start and w.hostname = m.hostname and w.gpu_uuid = m.gpu_uuid

),

mig_device_rows as (

    -- device-level samples of a MIG GPU (no instance id) carry no workload: only their metrics are kept
    select hour_start, hostname, gpu_uuid, max(gpu_index) as gpu_index, max(gpu_model) as gpu_model,
        sum(sampled_seconds) as sampled_seconds, sum(utilization_seconds) as utilization_seconds,
        sum(utilization_sampled_seconds) as utilization_sampled_seconds, sum(memory_mib_seconds) as memory_mib_seconds,
        sum(memory_sampled_seconds) as memory_sampled_seconds, sum(power_w_seconds) as power_w_seconds,
        sum(power_sampled_seconds) as power_sampled_seconds
    from shared
    where gpu_instance_id is null and mig_fraction is not null
    group by hour_start, hostname, gpu_uuid

)

{%- set metrics = 'sampled_seconds, utilization_seconds, utilization_sampled_seconds, memory_mib_seconds, memory_sampled_seconds, power_w_seconds, power_sampled_seconds' %}

select
    hour_start, hostname, gpu_uuid, gpu_instance_id, gpu_instance_profile, gpu_index, gpu_model,
    namespace, pod, container,
    case when gpu_instance_id is null then time_share else gpu_fraction * time_share end as gpu_share,
    {{ metrics }}
from shared
where gpu_instance_id is not null or mig_fraction is null

union all

select
    m.hour_start, m.hostname, m.gpu_uuid,
    cast(null as {{ dbt.type_string() }}) as gpu_instance_id,
    cast(null as {{ dbt.type_string() }}) as gpu_instance_profile,
    d.gpu_index, d.gpu_model,
    cast(null as {{ dbt.type_string() }}) as namespace,
    cast(null as {{ dbt.type_string() }}) as pod,
    cast(null as {{ dbt.type_string() }}) as container,
    greatest(1.0 - m.mig_fraction, 0.0) as gpu_share,
    {% for c in metrics.split(', ') %}coalesce(d.{{ c }}, 0) as {{ c }}{{ ', ' if not loop.last }}{% endfor %}
from mig_gpus as m
left join mig_device_rows as d on m.hour_start = d.hour_start and m.hostname = d.hostname and m.gpu_uuid = d.gpu_uuid
