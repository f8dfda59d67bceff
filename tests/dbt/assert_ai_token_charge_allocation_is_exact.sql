-- The allocation of AI token charges conserves each bill line exactly (not even a rounding unit is created or
-- lost: the shares telescope) and never allocates more billed tokens to logged teams than the logs saw.

with

lines as (

    select cast({{ dbt.date_trunc('day', 'charge_period_start') }} as date) as charge_date,
        price_provider_id, model_id, token_type,
        sum(billed_cost) as billed, sum(effective_cost) as effective, sum(list_cost) as listed
    from {{ ref('int_ai_token_charges') }}
    group by 1, 2, 3, 4

),

allocated as (

    select charge_date, price_provider_id, model_id, token_type,
        sum(billed_cost) as billed, sum(effective_cost) as effective, sum(list_cost) as listed
    from {{ ref('int_ai_token_charges_allocated') }}
    group by 1, 2, 3, 4

)

select l.*, a.billed as allocated_billed, a.effective as allocated_effective, a.listed as allocated_list
from lines as l
left join allocated as a
    on l.charge_date = a.charge_date and coalesce(l.price_provider_id, '') = coalesce(a.price_provider_id, '')
    and coalesce(l.model_id, '') = coalesce(a.model_id, '') and l.token_type = a.token_type
where a.charge_date is null or l.billed <> a.billed or l.effective <> a.effective or l.listed <> a.listed
