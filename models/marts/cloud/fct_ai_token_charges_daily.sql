-- AI token charges as billed, per UTC day × billing account × sub account × model × token type × tier × team:
-- billed tokens and list / billed / effective cost, the side of reconciliation that logs are compared with
-- (join on price_provider_id + model_id + charge_date to fct_llm_requests).

{%- set grain = [
    'charge_date', 'billing_period_start', 'cloud_provider', 'billing_account_id', 'sub_account_id',
    'price_provider_id', 'model_id', 'llm_model_key', 'billing_model_name', 'token_type', 'pricing_tier',
    'deployment', 'context_tier', 'team_id', 'attribution_method', 'billing_currency'] %}

with

charges as (

    select
        *,
        cast({{ dbt.date_trunc('day', 'charge_period_start') }} as date) as charge_date
    from {{ ref('int_ai_token_charges') }}

),

daily as (

    select
        {% for c in grain %}{{ c }}, {% endfor %}
        max(provider_name) as provider_name,
        max(service_name) as service_name,
        count(*) as line_items,
        sum(billed_tokens) as billed_tokens,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(list_cost) as list_cost,
        sum(contracted_cost) as contracted_cost
    from charges
    group by {% for c in grain %}{{ c }}{{ ', ' if not loop.last }}{% endfor %}

)

select
    ----------  ids
    {{ grain_key(grain) }} as ai_token_charge_id,
    billing_account_id, sub_account_id, price_provider_id, model_id, llm_model_key, team_id,

    ---------- strings
    cloud_provider, provider_name, service_name, billing_model_name, token_type, pricing_tier, deployment,
    context_tier, attribution_method, billing_currency,

    ---------- numerics: tokens; money in the billing currency
    line_items,
    coalesce(billed_tokens, 0) as billed_tokens,
    billed_cost, effective_cost, list_cost, contracted_cost,

    ---------- booleans
    model_id is not null as has_model_alias,

    ---------- dates (UTC)
    charge_date,
    cast(billing_period_start as date) as billing_period_start

from daily
