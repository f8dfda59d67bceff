-- Conservation of fct_costs_daily, per provider × billing month, to the cent (billed, effective, list):
--   bill rows (cloud_invoice + gpu_allocation) of a cloud provider = that provider's deduplicated cloud bill
--   (fct_cloud_costs_daily), so allocation of AI token charges and GPUs creates and loses nothing;
--   llm_api_logs rows of a provider route = the logged cost of that route's requests (fct_llm_requests, read
--   directly) on days no AI token charge of its genai-prices provider was billed, self-hosted excluded.

with

mart_bills as (

    select cloud_provider as provider, billing_period_start,
        sum(billed_cost) as billed, sum(effective_cost) as effective, sum(list_cost) as listed
    from {{ ref('fct_costs_daily') }}
    where cost_source in ('cloud_invoice', 'gpu_allocation')
    group by 1, 2

),

bills as (

    select cloud_provider as provider, billing_period_start,
        sum(billed_cost) as billed, sum(effective_cost) as effective, sum(list_cost) as listed
    from {{ ref('fct_cloud_costs_daily') }}
    group by 1, 2

),

mart_logs as (

    select llm_provider as provider, billing_period_start,
        sum(billed_cost) as billed, sum(effective_cost) as effective, sum(list_cost) as listed
    from {{ ref('fct_costs_daily') }}
    where cost_source = 'llm_api_logs'
    group by 1, 2

),

billed_days as (

    select distinct charge_date, price_provider_id
    from {{ ref('fct_ai_token_charges_daily') }}
    where price_provider_id is not null

),

logs as (

    select r.provider, cast({{ dbt.date_trunc('month', 'r.request_date') }} as date) as billing_period_start,
        coalesce(sum(r.effective_cost), 0) as billed, coalesce(sum(r.effective_cost), 0) as effective,
        coalesce(sum(r.list_cost), 0) as listed
    from {{ ref('fct_llm_requests') }} as r
    left join billed_days as b on r.request_date = b.charge_date and r.price_provider_id = b.price_provider_id
    where b.charge_date is null and r.provider <> 'self_hosted'
    group by 1, 2

),

compared as (

    select 'bill' as source, coalesce(m.provider, s.provider) as provider,
        coalesce(m.billing_period_start, s.billing_period_start) as month,
        m.billed as mart_billed, s.billed as source_billed, m.effective as mart_effective,
        s.effective as source_effective, m.listed as mart_list, s.listed as source_list
    from mart_bills as m
    full outer join bills as s on m.provider = s.provider and m.billing_period_start = s.billing_period_start

    union all

    select 'logs', coalesce(m.provider, s.provider), coalesce(m.billing_period_start, s.billing_period_start),
        m.billed, s.billed, m.effective, s.effective, m.listed, s.listed
    from mart_logs as m
    full outer join logs as s on m.provider = s.provider and m.billing_period_start = s.billing_period_start

)

select *
from compared
where mart_billed is null or source_billed is null
    or abs(mart_billed - source_billed) >= 0.01
    or abs(mart_effective - source_effective) >= 0.01
    or abs(mart_list - source_list) >= 0.01
