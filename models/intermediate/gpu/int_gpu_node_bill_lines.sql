-- The bill lines that charge a GPU node DCGM reports: usage lines billed by the hour whose resource is the node's
-- instance (seeds/gpu_nodes.csv instance_id = FOCUS ResourceId) or whose resource tags name its hostname (keys
-- in var gpu_hostname_tag_keys). Their cost is what fct_gpu_usage_hourly allocates, so fct_cloud_costs_daily
-- marks them (is_gpu_allocated) for the integration not to count them twice.

with

lines as (

    select * from {{ ref('int_cloud_costs_attributed') }}
    where charge_category = 'Usage' and {{ is_hour_unit('coalesce(consumed_unit, pricing_unit)') }}

),

nodes as (

    select * from {{ ref('int_gpu_nodes') }}

),

host_tags as (

    select distinct tags, {{ first_json_text('tags', var('gpu_hostname_tag_keys')) }} as tagged_hostname
    from lines
    where tags is not null

),

matched as (

    select
        l.*,
        coalesce(by_instance.hostname, by_tag.hostname) as hostname,
        case when by_instance.hostname is not null then 'instance_id' else 'hostname_tag' end as node_match
    from lines as l
    left join nodes as by_instance on l.resource_id = by_instance.instance_id
    left join host_tags as t on l.tags = t.tags
    left join nodes as by_tag on t.tagged_hostname = by_tag.hostname

)

select
    ----------  ids
    cost_line_id,
    hostname,
    billing_account_id,
    sub_account_id,
    resource_id,

    ---------- strings
    cloud_provider,
    provider_name,
    service_name,
    service_category,
    node_match,
    x_source_format,

    ---------- numerics: money in the billing currency; the hours the line's charge period spans
    billed_cost,
    effective_cost,
    list_cost,
    greatest({{ dbt.datediff('charge_period_start', 'charge_period_end', 'hour') }}, 1) as period_hours,

    ---------- timestamps (UTC)
    charge_period_start,
    charge_period_end

from matched
where hostname is not null
