-- Allocation coverage: the share of dollars charged to a team (team_id ≠ 'unattributed'), per billing month ×
-- spend category × cost source, and per month × spend category over every source (cost_source 'all'), from
-- fct_costs_daily. Idle GPU cost and untracked AI token charges count as unattributed.

with

costs as (

    select billing_period_start, spend_category, cost_source, is_attributed, effective_cost, billed_cost
    from {{ ref('fct_costs_daily') }}

),

by_source as (

    select billing_period_start, spend_category, cost_source,
        sum(effective_cost) as effective_cost,
        sum(case when is_attributed then effective_cost else 0 end) as attributed_effective_cost,
        sum(billed_cost) as billed_cost,
        sum(case when is_attributed then billed_cost else 0 end) as attributed_billed_cost
    from costs
    group by billing_period_start, spend_category, cost_source

),

all_sources as (

    select billing_period_start, spend_category, 'all' as cost_source,
        sum(effective_cost) as effective_cost, sum(attributed_effective_cost) as attributed_effective_cost,
        sum(billed_cost) as billed_cost, sum(attributed_billed_cost) as attributed_billed_cost
    from by_source
    group by billing_period_start, spend_category

),

unioned as (

    select * from by_source
    union all
    select * from all_sources

)

select
    ----------  ids
    {{ grain_key(['billing_period_start', 'spend_category', 'cost_source']) }} as coverage_id,

    ---------- strings
    spend_category,
    cost_source,
    'USD' as billing_currency,

    ---------- numerics: money (USD) and shares (0-1)
    cast(effective_cost as {{ money_type() }}) as effective_cost,
    cast(attributed_effective_cost as {{ money_type() }}) as attributed_effective_cost,
    cast(effective_cost - attributed_effective_cost as {{ money_type() }}) as unattributed_effective_cost,
    cast(billed_cost as {{ money_type() }}) as billed_cost,
    cast(attributed_billed_cost as {{ money_type() }}) as attributed_billed_cost,
    cast(attributed_effective_cost as double) / nullif(cast(effective_cost as double), 0)
        as allocation_coverage,

    ---------- dates (UTC)
    billing_period_start

from unioned
