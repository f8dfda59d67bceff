-- One row per model seen in the logs (provider route × model name as requested): the catalog model it
-- resolves to, whether it is priced, its current standard list prices, and the company's model list entry.

with

requests as (

    select * from {{ ref('fct_llm_requests') }}

),

seen as (

    select
        model_key,
        provider,
        model_requested,
        max(price_provider_id) as price_provider_id,
        max(catalog_provider_id) as catalog_provider_id,
        max(model_id) as model_id,
        max(case when price_source = 'internal' then 1 else 0 end) = 1 as has_internal_price,
        min(case when is_priced then 1 else 0 end) = 1 as is_priced,
        count(*) as requests,
        min(requested_at) as first_requested_at,
        max(requested_at) as last_requested_at,
        max(request_date) as last_request_date
    from requests
    group by model_key, provider, model_requested

),

as_of as (

    select coalesce(
        {{ "cast('" ~ var('as_of_date') ~ "' as date)" if var('as_of_date') else 'null' }},
        max(last_request_date)
    ) as as_of_date
    from seen

),

current_prices as (

    -- the standard, all-day, base-tier catalog row in force on the as-of date
    select c.*
    from {{ ref('stg_prices__catalog') }} as c
    cross join as_of as a
    where c.price_variant = '' and c.time_of_day_start is null and c.min_input_tokens = 0
        and {{ is_in_force('c', 'a.as_of_date') }}

)

select
    s.model_key,
    s.provider,
    s.model_requested,
    s.price_provider_id,
    s.catalog_provider_id,
    s.model_id,
    m.model_key as company_model_key,
    m.billing_name,
    m.context_window,
    s.model_id is not null as has_catalog_model,
    s.has_internal_price,
    s.is_priced,
    p.price_id as current_price_id,
    p.input_mtok as current_input_mtok,
    p.output_mtok as current_output_mtok,
    p.cache_read_mtok as current_cache_read_mtok,
    p.cache_write_mtok as current_cache_write_mtok,
    p.output_reasoning_mtok as current_output_reasoning_mtok,
    s.requests,
    s.first_requested_at,
    s.last_requested_at
from seen as s
left join current_prices as p on s.catalog_provider_id = p.price_provider_id and s.model_id = p.model_id
left join {{ ref('stg_company__llm_models') }} as m on s.model_requested = m.model_name
