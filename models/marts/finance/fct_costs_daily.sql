-- Every dollar from every source, counted once, per UTC day, with the team and feature it is charged to:
--   cloud_invoice  non-AI, non-GPU lines of the deduplicated cloud bills, attributed as fct_cloud_costs_daily;
--                  AI token charges (Bedrock, Azure OpenAI, Vertex) allocated by logged tokens, with the
--                  untracked remainder apart (int_ai_token_charges_allocated);
--   gpu_allocation GPU node instance lines, replaced by their DCGM allocation incl. idle (int_gpu_costs_daily);
--   llm_api_logs   direct-API traffic no ingested bill covers: logged requests of a provider route on a day
--                  without any AI token charge of that genai-prices provider, priced from the logs (billed =
--                  effective cost). Self-hosted requests are left out: their GPUs are the gpu_allocation rows.
-- Bills carry environment 'production' (bills know no environment); LLM rows the logs' environment.

{%- set grain = [
    'charge_date', 'billing_period_start', 'cost_source', 'spend_category', 'cloud_provider', 'provider_name',
    'llm_provider', 'service_name', 'service_category', 'billing_account_id', 'sub_account_id', 'team_id',
    'feature_id', 'attribution_method', 'environment', 'model_id', 'charge_category', 'is_idle', 'is_untracked',
    'billing_currency'] %}
{%- set routes = {'aws': 'aws_bedrock', 'azure': 'azure_openai', 'gcp': 'gcp_vertex'} %}
{%- set route_of_cloud -%}
    case cloud_provider {% for c, r in routes.items() %}when '{{ c }}' then '{{ r }}' {% endfor %}else cloud_provider end
{%- endset %}

with

other_cloud as (

    select
        charge_date, billing_period_start, 'cloud_invoice' as cost_source, spend_category, cloud_provider,
        provider_name, cast(null as {{ dbt.type_string() }}) as llm_provider, service_name, service_category,
        billing_account_id, sub_account_id, team_id, feature_id, attribution_method, 'production' as environment,
        model_id, charge_category, false as is_idle, false as is_untracked, billing_currency,
        billed_cost, effective_cost, list_cost, cast(null as {{ dbt.type_bigint() }}) as unpriced_requests
    from {{ ref('fct_cloud_costs_daily') }}
    where not is_ai_token_charge and not is_gpu_allocated

),

ai_token_charges as (

    select
        charge_date, billing_period_start, 'cloud_invoice' as cost_source, 'llm_api' as spend_category, cloud_provider,
        provider_name, {{ route_of_cloud }} as llm_provider, service_name, service_category,
        billing_account_id, sub_account_id, team_id, feature_id, attribution_method, environment,
        model_id, charge_category, false as is_idle, is_untracked, billing_currency,
        billed_cost, effective_cost, list_cost, cast(null as {{ dbt.type_bigint() }}) as unpriced_requests
    from {{ ref('int_ai_token_charges_allocated') }}

),

gpus as (

    select
        charge_date, billing_period_start, 'gpu_allocation' as cost_source, 'gpu' as spend_category, cloud_provider,
        provider_name, 'self_hosted' as llm_provider, service_name, service_category,
        billing_account_id, sub_account_id, team_id, 'unattributed' as feature_id, attribution_method,
        'production' as environment, model_id, 'Usage' as charge_category, is_idle, false as is_untracked,
        'USD' as billing_currency,
        billed_cost, effective_cost, list_cost, cast(null as {{ dbt.type_bigint() }}) as unpriced_requests
    from {{ ref('int_gpu_costs_daily') }}

),

billed_route_days as (

    select distinct charge_date, price_provider_id
    from {{ ref('int_ai_token_charges_allocated') }}
    where price_provider_id is not null

),

llm_api_logs as (

    select
        u.request_date as charge_date, cast({{ dbt.date_trunc('month', 'u.request_date') }} as date) as billing_period_start,
        'llm_api_logs' as cost_source, 'llm_api' as spend_category, cast(null as {{ dbt.type_string() }}) as cloud_provider,
        u.provider as provider_name, u.provider as llm_provider, u.provider as service_name,
        'AI and Machine Learning' as service_category, cast(null as {{ dbt.type_string() }}) as billing_account_id,
        cast(null as {{ dbt.type_string() }}) as sub_account_id, u.team_id, u.feature_id, u.attribution_method,
        u.environment, u.model_id, 'Usage' as charge_category, false as is_idle, false as is_untracked,
        u.billing_currency,
        coalesce(u.effective_cost, 0) as billed_cost, coalesce(u.effective_cost, 0) as effective_cost,
        coalesce(u.list_cost, 0) as list_cost, u.unpriced_requests
    from {{ ref('fct_llm_usage_daily') }} as u
    left join billed_route_days as b on u.request_date = b.charge_date and u.price_provider_id = b.price_provider_id
    where b.charge_date is null and u.provider <> 'self_hosted'

),

unioned as (

    select * from other_cloud
    union all select * from ai_token_charges
    union all select * from gpus
    union all select * from llm_api_logs

),

daily as (

    select
        {% for c in grain %}{{ c }}, {% endfor %}
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(list_cost) as list_cost,
        sum(unpriced_requests) as unpriced_requests
    from unioned
    group by {% for c in grain %}{{ c }}{{ ', ' if not loop.last }}{% endfor %}

)

select
    ----------  ids
    {{ grain_key(grain) }} as cost_id,
    billing_account_id, sub_account_id, team_id, feature_id, model_id,

    ---------- strings
    cost_source, spend_category, cloud_provider, provider_name, llm_provider, service_name, service_category,
    attribution_method, environment, charge_category, billing_currency,

    ---------- numerics: money in the billing currency (USD)
    cast(billed_cost as {{ money_type() }}) as billed_cost,
    cast(effective_cost as {{ money_type() }}) as effective_cost,
    cast(list_cost as {{ money_type() }}) as list_cost,
    cast(unpriced_requests as {{ dbt.type_bigint() }}) as unpriced_requests,

    ---------- booleans
    is_idle,
    is_untracked,
    team_id <> 'unattributed' as is_attributed,

    ---------- dates (UTC)
    charge_date,
    billing_period_start

from daily
