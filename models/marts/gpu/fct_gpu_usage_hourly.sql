-- One row per hour × physical GPU × MIG instance × workload (namespace/pod/container, or idle): GPU-hours,
-- utilization, and the GPU's cost split OpenCost's way into allocated and idle. Idle cost is shown apart
-- (team 'unattributed'); with var('gpu_idle_allocation') = 'proportional' each idle pool's (Kubernetes cluster,
-- else node) idle cost of a UTC day is spread over that pool-day's workloads in proportion to their allocated
-- cost (billed_cost, effective_cost, list_cost and idle_share_cost carry the spread; allocated_cost and
-- idle_cost never change). Nothing is created or lost: allocated_cost + idle_cost = effective_cost summed.

{%- set mode = var('gpu_idle_allocation') %}
{%- if mode not in ('none', 'proportional') %}
    {{ exceptions.raise_compiler_error("var gpu_idle_allocation must be 'none' or 'proportional', not '" ~ mode ~ "'") }}
{%- endif %}

with

costs as (

    select
        *,
        pod is null as is_idle,
        cast({{ dbt.date_trunc('day', 'hour_start') }} as date) as charge_date
    from {{ ref('int_gpu_costs_hourly') }}

),

pools as (

    select
        idle_pool,
        charge_date,
        sum(case when is_idle then row_billed_cost else 0 end) as idle_billed_cost,
        sum(case when is_idle then row_effective_cost else 0 end) as idle_effective_cost,
        sum(case when is_idle then row_list_cost else 0 end) as idle_list_cost,
        sum(case when not is_idle then row_effective_cost else 0 end) as allocated_effective_cost
    from costs
    group by idle_pool, charge_date

),

spread as (

    select
        c.*,
        p.idle_billed_cost, p.idle_effective_cost, p.idle_list_cost,
        {% if mode == 'proportional' -%}
        case when not c.is_idle and p.allocated_effective_cost > 0
            then c.row_effective_cost / p.allocated_effective_cost else 0 end as idle_weight,
        case when c.is_idle and p.allocated_effective_cost > 0 then 0 else 1 end as kept
        {%- else -%}
        0 as idle_weight,
        1 as kept
        {%- endif %}
    from costs as c
    inner join pools as p on c.idle_pool = p.idle_pool and c.charge_date = p.charge_date

)

select
    ----------  ids
    {{ grain_key(['hour_start', 'hostname', 'gpu_uuid', 'gpu_instance_id', 'namespace', 'pod', 'container']) }} as gpu_usage_id,
    hostname, instance_id, billing_account_id, sub_account_id, gpu_uuid, gpu_instance_id, team_id, llm_model_key,
    case when served_model is not null then {{ dbt.concat(['served_model_provider', "':'", 'served_model']) }} end as model_key,

    ---------- strings
    cloud_provider, provider_name, service_name, service_category,
    inventory_gpu_model as gpu_model,
    inventory_gpu_index as gpu_index,
    gpu_instance_profile, instance_type, k8s_cluster, idle_pool, namespace, pod, container,
    served_model, attribution_method, price_source, 'USD' as billing_currency,

    ---------- numerics: usage (gpu_hours: share of one GPU for one hour; utilization 0-1, time-weighted)
    gpu_share as gpu_hours,
    sampled_seconds,
    utilization_seconds / nullif(utilization_sampled_seconds, 0) as gpu_utilization,
    case when not is_idle then utilization_seconds / nullif(utilization_sampled_seconds, 0) end as gpu_efficiency,
    memory_mib_seconds / nullif(memory_sampled_seconds, 0) as memory_used_mib,
    power_w_seconds / nullif(power_sampled_seconds, 0) as power_w,
    power_w_seconds / 3600000.0 as energy_kwh,

    ---------- numerics: money (USD)
    gpu_hour_billed_cost,
    gpu_hour_effective_cost,
    gpu_hour_list_cost,
    case when is_idle then 0 else row_effective_cost end as allocated_cost,
    case when is_idle then row_effective_cost else 0 end as idle_cost,
    cast(idle_weight * idle_effective_cost - (1 - kept) * row_effective_cost as {{ money_type() }}) as idle_share_cost,
    cast(kept * row_billed_cost + idle_weight * idle_billed_cost as {{ money_type() }}) as billed_cost,
    cast(kept * row_effective_cost + idle_weight * idle_effective_cost as {{ money_type() }}) as effective_cost,
    cast(kept * row_list_cost + idle_weight * idle_list_cost as {{ money_type() }}) as list_cost,

    ---------- booleans
    is_idle,
    has_samples,
    gpu_instance_id is not null as is_mig_instance,

    ---------- timestamps (UTC)
    hour_start as charge_period_start,
    {{ dbt.dateadd('hour', 1, 'hour_start') }} as charge_period_end,
    charge_date,
    cast({{ dbt.date_trunc('month', 'charge_date') }} as date) as billing_period_start

from spread
