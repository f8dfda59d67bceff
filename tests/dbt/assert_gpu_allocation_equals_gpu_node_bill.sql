-- The GPU node instance cost fct_cloud_costs_daily marks is_gpu_allocated is exactly the bill-priced cost
-- fct_gpu_usage_hourly allocates (per node and billing month, billed, effective and list, to the cent, before
-- any idle spread — which moves dollars between nodes of a cluster, checked in
-- assert_gpu_allocated_plus_idle_equals_total_gpu_cost): a cost rollup can swap one for the other without
-- creating or losing a dollar.

with

bill as (

    select gpu_hostname as hostname, billing_period_start,
        sum(billed_cost) as billed, sum(effective_cost) as effective, sum(list_cost) as listed
    from {{ ref('fct_cloud_costs_daily') }}
    where is_gpu_allocated
    group by 1, 2

),

gpu as (

    select u.hostname, cast({{ dbt.date_trunc('month', 'u.charge_date') }} as date) as billing_period_start,
        sum(u.gpu_hours * u.gpu_hour_billed_cost) as billed, sum(u.allocated_cost + u.idle_cost) as effective,
        sum(u.gpu_hours * u.gpu_hour_list_cost) as listed
    from {{ ref('fct_gpu_usage_hourly') }} as u
    where u.price_source = 'bill'
    group by 1, 2

)

select coalesce(b.hostname, g.hostname) as hostname, coalesce(b.billing_period_start, g.billing_period_start) as month,
    b.billed as bill_billed, g.billed as gpu_billed, b.effective as bill_effective, g.effective as gpu_effective,
    b.listed as bill_list, g.listed as gpu_list
from bill as b
full outer join gpu as g on b.hostname = g.hostname and b.billing_period_start = g.billing_period_start
where b.hostname is null or g.hostname is null
    or abs(b.billed - g.billed) >= 0.01 or abs(b.effective - g.effective) >= 0.01 or abs(b.listed - g.listed) >= 0.01
