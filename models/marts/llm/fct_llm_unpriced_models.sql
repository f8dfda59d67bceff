-- One row per model (provider route × model name) with requests that have no price at all: no catalog model
-- matches the name (or none is in force on the request's day) and no internal price covers it. Their tokens
-- are listed so the spend can be estimated; their cost is never counted as $0. Empty when everything is priced.

with

unpriced as (

    select * from {{ ref('fct_llm_requests') }}
    where not is_priced

)

select
    model_key,
    provider,
    model_requested,
    max(price_provider_id) as price_provider_id,
    case when max(model_id) is null then 'no_catalog_model' else 'no_price_in_force' end as unpriced_reason,
    count(*) as unpriced_requests,
    min(requested_at) as first_requested_at,
    max(requested_at) as last_requested_at,
    {% for _k, tokens, _p, _f in token_kinds() -%}
    sum({{ tokens }}) as {{ tokens }},
    {% endfor -%}
    sum(total_tokens) as total_tokens,
    sum(reported_cost) as reported_cost,
    'USD' as billing_currency
from unpriced
group by model_key, provider, model_requested
