-- Logged vs billed LLM usage per UTC day × provider route × model: what the request logs saw
-- (fct_llm_usage_daily) next to what the cloud bills charged as AI token charges (fct_ai_token_charges_daily),
-- joined on the genai-prices provider and model id and the day. Untracked = the billed tokens and dollars no log
-- explains, as fct_costs_daily allocates them (int_ai_token_charges_allocated, is_untracked: per day × model ×
-- token type, billed beyond logged). Direct-API routes (no bill ingested) have logged figures only.

{%- set routes = {'aws': 'aws_bedrock', 'azure': 'azure_openai', 'gcp': 'gcp_vertex'} %}

with

logged as (

    select request_date as charge_date, provider as provider_name, price_provider_id, model_id,
        sum(requests) as logged_requests,
        sum(total_tokens) as logged_tokens,
        sum(list_cost) as logged_list_cost,
        sum(effective_cost) as logged_effective_cost
    from {{ ref('fct_llm_usage_daily') }}
    where provider <> 'self_hosted'
    group by request_date, provider, price_provider_id, model_id

),

billed as (

    select charge_date,
        case cloud_provider {% for c, r in routes.items() %}when '{{ c }}' then '{{ r }}' {% endfor %}else cloud_provider end
            as provider_name,
        price_provider_id, coalesce(model_id, billing_model_name) as model_id,
        max(llm_model_key) as llm_model_key,
        sum(billed_tokens) as billed_tokens,
        sum(list_cost) as billed_list_cost,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as billed_effective_cost
    from {{ ref('fct_ai_token_charges_daily') }}
    group by 1, 2, 3, 4

),

untracked as (

    select charge_date, price_provider_id, model_id,
        sum(billed_tokens) as untracked_tokens,
        sum(billed_cost) as untracked_cost
    from {{ ref('int_ai_token_charges_allocated') }}
    where is_untracked
    group by charge_date, price_provider_id, model_id

),

joined as (

    select
        coalesce(b.charge_date, l.charge_date) as charge_date,
        coalesce(b.provider_name, l.provider_name) as provider_name,
        coalesce(b.price_provider_id, l.price_provider_id) as price_provider_id,
        coalesce(b.model_id, l.model_id) as model_id,
        b.llm_model_key,
        b.charge_date is not null as has_invoice,
        coalesce(l.logged_requests, 0) as logged_requests,
        coalesce(l.logged_tokens, 0) as logged_tokens,
        b.billed_tokens,
        case when b.charge_date is not null then coalesce(u.untracked_tokens, 0) end as untracked_tokens,
        coalesce(l.logged_list_cost, 0) as logged_list_cost,
        coalesce(l.logged_effective_cost, 0) as logged_effective_cost,
        b.billed_list_cost, b.billed_cost, b.billed_effective_cost,
        case when b.charge_date is not null then coalesce(u.untracked_cost, 0) end as untracked_cost
    from billed as b
    full outer join logged as l
        on b.charge_date = l.charge_date and b.price_provider_id = l.price_provider_id and b.model_id = l.model_id
    left join untracked as u
        on b.charge_date = u.charge_date and b.price_provider_id = u.price_provider_id and b.model_id = u.model_id

)

select
    ----------  ids
    {{ grain_key(['charge_date', 'provider_name', 'model_id']) }} as reconciliation_id,
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
    charge_date

from joined
