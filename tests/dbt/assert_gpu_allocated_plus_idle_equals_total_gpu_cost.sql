-- Conservation (OpenCost): per GPU node and day, allocated + idle cost in fct_gpu_usage_hourly equals the node's
-- GPU cost (its GPUs × the GPU-hour cost of every billed or observed hour); per idle pool and day, the costs
-- after the idle switch (billed, effective, list) equal the pool's GPU cost: spreading idle moves dollars, it
-- never creates or loses them. To the cent. Returns the node-days and pool-days that differ.

with

node_hours as (

    select h.*, n.idle_pool, cast({{ dbt.date_trunc('day', 'h.hour_start') }} as date) as charge_date
    from {{ ref('int_gpu_node_hours') }} as h
    inner join {{ ref('int_gpu_nodes') }} as n on h.hostname = n.hostname
    where h.price_source <> 'unpriced'

),

mart as (

    select * from {{ ref('fct_gpu_usage_hourly') }} where price_source <> 'unpriced'

),

node_days as (

    select 'node' as scope, coalesce(t.hostname, m.hostname) as scope_key, coalesce(t.charge_date, m.charge_date) as charge_date,
        t.gpu_cost as expected, m.cost as actual
    from (select hostname, charge_date, sum(gpu_count * gpu_hour_effective_cost) as gpu_cost
          from node_hours group by hostname, charge_date) as t
    full outer join (select hostname, charge_date, sum(allocated_cost + idle_cost) as cost
                     from mart group by hostname, charge_date) as m
        on t.hostname = m.hostname and t.charge_date = m.charge_date

),

pool_days as (

    {% for measure in ['billed', 'effective', 'list'] %}
    select '{{ measure }} after idle switch' as scope, coalesce(t.idle_pool, m.idle_pool) as scope_key,
        coalesce(t.charge_date, m.charge_date) as charge_date, t.gpu_cost as expected, m.cost as actual
    from (select idle_pool, charge_date, sum(gpu_count * gpu_hour_{{ measure }}_cost) as gpu_cost
          from node_hours group by idle_pool, charge_date) as t
    full outer join (select idle_pool, charge_date, sum({{ measure }}_cost) as cost
                     from mart group by idle_pool, charge_date) as m
        on t.idle_pool = m.idle_pool and t.charge_date = m.charge_date
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from node_days where expected is null or actual is null or abs(expected - actual) >= 0.01
union all
select * from pool_days where expected is null or actual is null or abs(expected - actual) >= 0.01
