-- One row per GPU node × hour that is either billed (int_gpu_node_bill_lines, each line spread evenly over the
-- hours of its charge period) or observed by DCGM: the cost of one of its GPUs for that hour. Billed hours use
-- the bill (node cost / the node's GPU count); observed hours the bill lacks use seeds/gpu_prices.csv (by
-- instance type, else GPU model; price_source 'seed'); with neither, price_source is 'unpriced' and costs null.

with

nodes as (select * from {{ ref('int_gpu_nodes') }}),
bill_lines as (select * from {{ ref('int_gpu_node_bill_lines') }}),
prices as (select * from {{ ref('stg_prices__gpu_prices') }}),

digits as (

    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

hour_offsets as (

    -- 0 … 9999 hours: enough for any charge period (a month is at most 744)
    select a.d + 10 * b.d + 100 * c.d + 1000 * e.d as n
    from digits as a cross join digits as b cross join digits as c cross join digits as e

),

billed as (

    select
        l.hostname,
        {{ dbt.dateadd('hour', 'o.n', dbt.date_trunc('hour', 'l.charge_period_start')) }} as hour_start,
        sum(l.billed_cost / l.period_hours) as node_billed_cost,
        sum(l.effective_cost / l.period_hours) as node_effective_cost,
        sum(l.list_cost / l.period_hours) as node_list_cost
    from bill_lines as l
    inner join hour_offsets as o on o.n < l.period_hours
    group by 1, 2

),

observed as (

    select distinct hostname, hour_start from {{ ref('int_gpu_scrapes') }}

),

node_hours as (

    select
        coalesce(b.hostname, o.hostname) as hostname,
        coalesce(b.hour_start, o.hour_start) as hour_start,
        b.node_billed_cost,
        b.node_effective_cost,
        b.node_list_cost,
        b.hostname is not null as is_billed
    from billed as b
    full outer join observed as o on b.hostname = o.hostname and b.hour_start = o.hour_start

)

select
    h.hostname,
    h.hour_start,
    n.gpu_count,
    case when h.is_billed then 'bill' when coalesce(by_type.gpu_hour_usd, by_model.gpu_hour_usd) is not null
        then 'seed' else 'unpriced' end as price_source,
    cast(case when h.is_billed then h.node_billed_cost / n.gpu_count
        else coalesce(by_type.gpu_hour_usd, by_model.gpu_hour_usd) end as {{ money_type() }}) as gpu_hour_billed_cost,
    cast(case when h.is_billed then h.node_effective_cost / n.gpu_count
        else coalesce(by_type.gpu_hour_usd, by_model.gpu_hour_usd) end as {{ money_type() }}) as gpu_hour_effective_cost,
    cast(case when h.is_billed then h.node_list_cost / n.gpu_count
        else coalesce(by_type.gpu_hour_usd, by_model.gpu_hour_usd) end as {{ money_type() }}) as gpu_hour_list_cost
from node_hours as h
inner join nodes as n on h.hostname = n.hostname
left join prices as by_type on by_type.key_type = 'instance_type' and n.instance_type = by_type.price_key
left join prices as by_model on by_model.key_type = 'gpu_model' and n.gpu_model = by_model.price_key
