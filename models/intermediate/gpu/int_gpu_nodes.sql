-- One row per GPU node DCGM reports (hostname; 'unknown' for exporters run with --no-hostname): its physical
-- GPUs as DCGM sees them, and what seeds/gpu_nodes.csv says about it (instance id, type, account, cluster).
-- The node's GPU count is the number of distinct GPUs DCGM reported: node cost is split over those.

with

dcgm as (

    select
        hostname,
        count(distinct gpu_uuid) as gpu_count,
        max(gpu_model) as gpu_model,
        min(sampled_at) as first_sampled_at,
        max(sampled_at) as last_sampled_at
    from {{ ref('int_gpu_scrapes') }}
    group by hostname

),

declared as (

    select * from {{ ref('stg_company__gpu_nodes') }}

)

select
    ----------  ids
    d.hostname,
    s.instance_id,
    s.sub_account_id,

    ---------- strings
    s.instance_type,
    d.gpu_model,
    s.k8s_cluster,
    coalesce(s.k8s_cluster, d.hostname) as idle_pool,

    ---------- numerics
    d.gpu_count,
    s.gpu_count as declared_gpu_count,

    ---------- timestamps (UTC)
    d.first_sampled_at,
    d.last_sampled_at

from dcgm as d
left join declared as s on d.hostname = s.hostname
