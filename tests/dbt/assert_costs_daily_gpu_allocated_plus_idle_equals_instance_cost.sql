-- GPU: in fct_costs_daily, allocated + idle GPU cost (cost_source gpu_allocation) equals the GPU node instance
-- lines of the bill (fct_cloud_costs_daily is_gpu_allocated), per day × cloud account, to the cent; and the
-- allocated (non-idle) part is what fct_gpu_usage_hourly allocates to workloads (before any idle spread).

with

mart as (

    select charge_date, billing_account_id, sub_account_id,
        sum(effective_cost) as effective, sum(billed_cost) as billed,
        sum(case when is_idle then 0 else effective_cost end) as allocated
    from {{ ref('fct_costs_daily') }}
    where cost_source = 'gpu_allocation'
    group by 1, 2, 3

),

bill as (

    select charge_date, billing_account_id, sub_account_id, sum(effective_cost) as effective, sum(billed_cost) as billed
    from {{ ref('fct_cloud_costs_daily') }}
    where is_gpu_allocated
    group by 1, 2, 3

),

gpu as (

    select charge_date, billing_account_id, sub_account_id, sum(effective_cost) as allocated
    from {{ ref('fct_gpu_usage_hourly') }}
    where price_source = 'bill' and not is_idle
    group by 1, 2, 3

)

select coalesce(m.charge_date, b.charge_date) as charge_date, coalesce(m.sub_account_id, b.sub_account_id) as sub_account_id,
    m.effective as mart_effective, b.effective as bill_effective, m.billed as mart_billed, b.billed as bill_billed,
    m.allocated as mart_allocated, g.allocated as gpu_allocated
from mart as m
full outer join bill as b
    on m.charge_date = b.charge_date and m.billing_account_id = b.billing_account_id
    and coalesce(m.sub_account_id, '') = coalesce(b.sub_account_id, '')
left join gpu as g
    on coalesce(m.charge_date, b.charge_date) = g.charge_date and coalesce(m.billing_account_id, b.billing_account_id) = g.billing_account_id
    and coalesce(m.sub_account_id, b.sub_account_id, '') = coalesce(g.sub_account_id, '')
where m.charge_date is null or b.charge_date is null
    or abs(m.effective - b.effective) >= 0.01 or abs(m.billed - b.billed) >= 0.01
    or ('{{ var("gpu_idle_allocation") }}' = 'none' and abs(m.allocated - coalesce(g.allocated, 0)) >= 0.01)
