-- Every cloud bill dollar once (int_cloud_costs_deduplicated), per UTC day in FOCUS columns, with the team
-- and feature it is charged to, AI token charges named (model, token type) and GPU node instance cost marked
-- (is_gpu_allocated: fct_gpu_usage_hourly re-distributes exactly those dollars by DCGM usage).
-- A line is dated by the UTC day its charge period starts (lines spanning days are not split).

{%- set grain = [
    'charge_date', 'billing_period_start', 'cloud_provider', 'provider_name', 'billing_account_id', 'sub_account_id',
    'region_id', 'service_category', 'service_subcategory', 'service_name', 'sku_id', 'sku_meter',
    'charge_category', 'charge_class', 'pricing_category', 'team_id', 'attribution_method', 'feature_id',
    'feature_attribution_method', 'price_provider_id', 'model_id', 'token_type', 'gpu_hostname',
    'x_source_format', 'billing_currency'] %}

with

lines as (

    select
        c.*,
        cast({{ dbt.date_trunc('day', 'c.charge_period_start') }} as date) as charge_date,
        ai.cost_line_id is not null as is_ai_token_charge,
        ai.price_provider_id,
        ai.model_id,
        ai.token_type,
        ai.billed_tokens,
        g.hostname as gpu_hostname
    from {{ ref('int_cloud_costs_attributed') }} as c
    left join {{ ref('int_ai_token_charges') }} as ai on c.cost_line_id = ai.cost_line_id
    left join {{ ref('int_gpu_node_bill_lines') }} as g on c.cost_line_id = g.cost_line_id

),

daily as (

    select
        {% for c in grain %}{{ c }}, {% endfor %}
        max(billing_account_name) as billing_account_name,
        max(sub_account_name) as sub_account_name,
        max(pricing_unit) as pricing_unit,
        max(consumed_unit) as consumed_unit,
        max(x_usage_type) as x_usage_type,
        max(case when is_ai_token_charge then 1 else 0 end) = 1 as is_ai_token_charge,
        count(*) as line_items,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(list_cost) as list_cost,
        sum(contracted_cost) as contracted_cost,
        sum(consumed_quantity) as consumed_quantity,
        sum(pricing_quantity) as pricing_quantity,
        sum(billed_tokens) as billed_tokens
    from lines
    group by {% for c in grain %}{{ c }}{{ ', ' if not loop.last }}{% endfor %}

)

select
    ----------  ids
    {{ grain_key(grain) }} as cloud_cost_id,
    billing_account_id, sub_account_id, sku_id, team_id, feature_id, price_provider_id, model_id,

    ---------- strings
    cloud_provider, provider_name, billing_account_name, sub_account_name, region_id, service_category,
    service_subcategory, service_name, sku_meter, x_usage_type, charge_category, charge_class, pricing_category,
    pricing_unit, consumed_unit, token_type, gpu_hostname, attribution_method, feature_attribution_method,
    case when is_ai_token_charge then 'llm_api' when gpu_hostname is not null then 'gpu' else 'other_cloud' end
        as spend_category,
    x_source_format, billing_currency,

    ---------- numerics: money in the billing currency; quantities in the SKU's units
    line_items, billed_cost, effective_cost, list_cost, contracted_cost, consumed_quantity, pricing_quantity,
    billed_tokens,

    ---------- booleans
    is_ai_token_charge,
    gpu_hostname is not null as is_gpu_allocated,

    ---------- dates (UTC)
    charge_date,
    cast(billing_period_start as date) as billing_period_start

from daily
