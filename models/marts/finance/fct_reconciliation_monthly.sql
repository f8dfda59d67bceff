-- Logged vs billed LLM usage per billing month × provider route × model: fct_reconciliation_daily summed
-- (coverage and realized discount recomputed from the month's sums).

with

daily as (

    select
        *,
        cast({{ dbt.date_trunc('month', 'charge_date') }} as date) as billing_month
    from {{ ref('fct_reconciliation_daily') }}

),

monthly as (

    select
        billing_month, provider_name, model_id,
        max(llm_model_key) as llm_model_key,
        max(price_provider_id) as price_provider_id,
        max(case when has_invoice then 1 else 0 end) = 1 as has_invoice,
        sum(logged_requests) as logged_requests,
        sum(logged_tokens) as logged_tokens,
        sum(billed_tokens) as billed_tokens,
        sum(untracked_tokens) as untracked_tokens,
        sum(logged_list_cost) as logged_list_cost,
        sum(logged_effective_cost) as logged_effective_cost,
        sum(billed_list_cost) as billed_list_cost,
        sum(billed_cost) as billed_cost,
        sum(billed_effective_cost) as billed_effective_cost,
        sum(untracked_cost) as untracked_cost
    from daily
    group by billing_month, provider_name, model_id

)

select
    ----------  ids
    {{ grain_key(['billing_month', 'provider_name', 'model_id']) }} as reconciliation_id,
    model_id,
    llm_model_key,
    price_provider_id,

    ---------- strings
    provider_name,
    'USD' as billing_currency,

    ---------- numerics: requests, tokens, money (USD), shares (0-1)
    {{ reconciliation_measures() }},

    ---------- booleans
    has_invoice,

    ---------- dates (UTC)
    billing_month

from monthly
