-- Each budget's spend and tokens per UTC day with data: the rows in its scope (macros/budgets.sql) of
-- fct_costs_daily (basis effective_cost, billed_cost or list_cost: every source's dollars) or of the logged
-- requests (fct_llm_usage_daily: basis llm_list_cost / llm_effective_cost, the generator's team budgets), and
-- the logged tokens in scope (token quotas). Every day any source has data gets a row per budget (0 when
-- nothing in scope was spent), so forecasts see quiet days.

with

budgets as (select * from {{ ref('stg_company__budgets') }}),

costs as (

    select charge_date, team_id, feature_id, model_id, llm_provider, cloud_provider, provider_name,
        sum(effective_cost) as effective_cost, sum(billed_cost) as billed_cost, sum(list_cost) as list_cost
    from {{ ref('fct_costs_daily') }}
    group by charge_date, team_id, feature_id, model_id, llm_provider, cloud_provider, provider_name

),

usage as (

    select request_date as charge_date, team_id, feature_id, model_id, provider,
        sum(list_cost) as list_cost, sum(effective_cost) as effective_cost, sum(total_tokens) as total_tokens
    from {{ ref('fct_llm_usage_daily') }}
    group by request_date, team_id, feature_id, model_id, provider

),

days as (

    select charge_date from costs
    union
    select charge_date from usage

),

cost_spend as (

    select b.budget_id, c.charge_date,
        sum(case b.basis when 'billed_cost' then c.billed_cost when 'list_cost' then c.list_cost
            else c.effective_cost end) as spend
    from budgets as b
    inner join costs as c on {{ budget_scope_matches('b', 'c', ['llm_provider', 'cloud_provider', 'provider_name']) }}
    where b.basis in ('effective_cost', 'billed_cost', 'list_cost')
    group by b.budget_id, c.charge_date

),

usage_spend as (

    select b.budget_id, u.charge_date,
        sum(case b.basis when 'llm_list_cost' then u.list_cost when 'llm_effective_cost' then u.effective_cost end)
            as spend,
        sum(u.total_tokens) as tokens
    from budgets as b
    inner join usage as u on {{ budget_scope_matches('b', 'u', ['provider']) }}
    group by b.budget_id, u.charge_date

)

select
    b.budget_id,
    d.charge_date,
    cast(coalesce(case when b.basis like 'llm_%' then us.spend else cs.spend end, 0) as {{ money_type() }}) as spend,
    cast(coalesce(us.tokens, 0) as {{ dbt.type_bigint() }}) as tokens
from budgets as b
cross join days as d
left join cost_spend as cs on b.budget_id = cs.budget_id and d.charge_date = cs.charge_date
left join usage_spend as us on b.budget_id = us.budget_id and d.charge_date = us.charge_date
